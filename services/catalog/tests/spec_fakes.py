"""In-memory stand-ins for the spec drafts and publications (SpecDraftRepository) and for a
spec sink that fails (Kafka down); helpers that seed a dataset and call the spec endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from catalog_fakes import FakeRepository, column, version_created
from fastapi.testclient import TestClient
from mdc_catalog.models import Source
from mdc_catalog.spec_drafts import DraftStatus, SpecDraft, SpecPublication
from mdc_catalog.status import record_dataset_version
from mdc_contracts import ColumnProfile, DatasetSpecPublished, ValueCount


class FakeSpecDraftRepository:
    """Implements SpecDraftRepository; changes are visible at once (tests commit through the
    catalog FakeRepository, which counts commits). Rows are not locked: requests of a test
    client run one at a time."""

    def __init__(self) -> None:
        self.drafts: dict[uuid.UUID, SpecDraft] = {}
        self.publication_rows: dict[tuple[uuid.UUID, int], SpecPublication] = {}
        self.locked: list[uuid.UUID] = []  # drafts read FOR UPDATE, in order

    @property
    def published(self) -> list[SpecPublication]:
        return list(self.publication_rows.values())

    async def get_draft(self, draft_id: uuid.UUID, *, for_update: bool = False) -> SpecDraft | None:
        if for_update:
            self.locked.append(draft_id)
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
        self.publication_rows[(publication.dataset_id, publication.version)] = publication

    async def publications(self, dataset_id: uuid.UUID) -> dict[int, SpecPublication]:
        return {v: p for (d, v), p in self.publication_rows.items() if d == dataset_id}

    async def unannounced(self, published_before: datetime) -> list[SpecPublication]:
        found = [
            p
            for p in self.publication_rows.values()
            if p.announced_at is None and p.published_at < published_before
        ]
        return sorted(found, key=lambda p: (p.published_at, p.version))


class BrokenSpecSink:
    """A spec sink whose broker is down until `up` is set."""

    def __init__(self) -> None:
        self.up = False
        self.events: list[DatasetSpecPublished] = []

    async def publish(self, event: DatasetSpecPublished) -> None:
        if not self.up:
            raise ConnectionError("Kafka is down")
        self.events.append(event)


# --- test helpers ----------------------------------------------------------------------------

SECOND_PROVIDER = {"Authorization": "Bearer provider-key-2"}
Response = Any  # the test client's response (its HTTP library is starlette's choice)


async def seed_dataset(
    repo: FakeRepository,
    columns: list[ColumnProfile] | None = None,
    *,
    spec_version: int | None = None,
) -> uuid.UUID:
    """A source with one recorded version (by default one `species` column: a, b, c),
    made with spec version `spec_version`."""
    source = Source(name="penguins", url="https://data.example.org/penguins.csv")
    repo.sources[source.id] = source
    species = column("species", 0).model_copy(
        update={"top_values": [ValueCount(value=v, count=5) for v in ("a", "b", "c")]}
    )
    event = version_created(source.id, 1, columns=columns or [species])
    await record_dataset_version(repo, event.model_copy(update={"spec_version": spec_version}))
    return source.id


class SpecDesk:
    """One provider's calls to a dataset's spec endpoints (answers unchecked)."""

    def __init__(self, client: TestClient, dataset_id: uuid.UUID, headers: dict[str, str]):
        self.client, self.headers = client, headers
        self.base = f"/admin/datasets/{dataset_id}/spec"

    def create(self, spec: dict[str, Any] | None = None, **extra: Any) -> Response:
        body = {**({"spec": spec} if spec is not None else {}), **extra}
        return self.client.post(f"{self.base}/drafts", json=body, headers=self.headers)

    def get(self, draft: dict[str, Any]) -> Response:
        return self.client.get(f"{self.base}/drafts/{draft['id']}", headers=self.headers)

    def edit(self, draft: dict[str, Any], spec: dict[str, Any], **extra: Any) -> Response:
        body = {"spec": spec, "revision": draft["revision"], **extra}
        return self.client.put(f"{self.base}/drafts/{draft['id']}", json=body, headers=self.headers)

    def act(self, verb: str, draft: dict[str, Any], **body: Any) -> Response:
        """submit, approve or reject, naming the revision read unless `revision` is given."""
        body = {"revision": draft["revision"], **body}
        url = f"{self.base}/drafts/{draft['id']}/{verb}"
        return self.client.post(url, json=body, headers=self.headers)

    def publish(self, spec: dict[str, Any]) -> Response:
        return self.client.put(self.base, json=spec, headers=self.headers)

    def read(self, path: str = "", **params: Any) -> Response:
        return self.client.get(f"{self.base}{path}", params=params, headers=self.headers)
