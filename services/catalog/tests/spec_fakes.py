"""In-memory stand-in for the spec drafts and publications (SpecDraftRepository)."""

from __future__ import annotations

import uuid

from mdc_catalog.spec_drafts import DraftStatus, SpecDraft, SpecPublication


class FakeSpecDraftRepository:
    """Implements SpecDraftRepository; changes are visible at once (tests commit through the
    catalog FakeRepository, which counts commits)."""

    def __init__(self) -> None:
        self.drafts: dict[uuid.UUID, SpecDraft] = {}
        self.published: list[SpecPublication] = []

    async def get_draft(self, draft_id: uuid.UUID) -> SpecDraft | None:
        return self.drafts.get(draft_id)

    async def list_drafts(
        self, dataset_id: uuid.UUID, status: DraftStatus | None
    ) -> list[SpecDraft]:
        found = [
            d
            for d in self.drafts.values()
            if d.dataset_id == dataset_id and (status is None or d.status == status.value)
        ]
        return sorted(found, key=lambda d: d.created_at, reverse=True)

    async def add_draft(self, draft: SpecDraft) -> None:
        self.drafts[draft.id] = draft

    async def delete_draft(self, draft: SpecDraft) -> None:
        del self.drafts[draft.id]

    async def add_publication(self, publication: SpecPublication) -> None:
        self.published.append(publication)

    async def publications(self, dataset_id: uuid.UUID) -> dict[int, SpecPublication]:
        return {p.version: p for p in self.published if p.dataset_id == dataset_id}
