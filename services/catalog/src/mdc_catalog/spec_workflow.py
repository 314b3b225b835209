"""The provider's spec workflow: drafts, preview, review, publish, history, revert; every change
audited.

With review `none`, submitting a draft publishes it. With review `required`, submitting puts it
in `pending_review`, and a provider who did not write it approves (publishes) or rejects it.
Every publication goes through `stage_spec` (specs.py): the same table and the same
DatasetSpecPublished event as a direct publish. Audit entries are staged in the request's
session before the commit, so a change and its entry commit together.

Concurrency: a draft is read FOR UPDATE by every write and carries a `revision` the writer names
(two providers editing one draft, or a reviewer approving what changed since they read it: 409);
a publication is refused when the spec in force is no longer the draft's base, checked again
once the version number is taken under the repository's lock (two approvals racing: 409).
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from mdc_common.errors import Conflict, MdcError, NotFound
from mdc_contracts import DatasetSpec, utc_now

from mdc_catalog.api.auth import Caller
from mdc_catalog.audit import AuditLog
from mdc_catalog.models import DatasetSpecRecord
from mdc_catalog.repository import CatalogRepository
from mdc_catalog.spec_diff import SpecDiff, diff_specs
from mdc_catalog.spec_drafts import (
    ApproveBody,
    DraftCreate,
    DraftStatus,
    DraftUpdate,
    RejectBody,
    SpecDraft,
    SpecDraftRepository,
    SpecHistoryItem,
    SpecPublication,
    SubmitBody,
    draft_public,
)
from mdc_catalog.spec_preview import SpecPreview, preview_spec
from mdc_catalog.specs import SpecSink, announce, spec_version, stage_spec

ReviewMode = Literal["none", "required"]
ReviewVerb = Literal["approve", "reject"]
_REVIEWED: dict[ReviewVerb, str] = {"approve": "approved", "reject": "rejected"}  # for messages
_SUBMITTABLE = (DraftStatus.DRAFT.value, DraftStatus.REJECTED.value)


class SelfReview(MdcError):
    """A provider reviewing a draft they wrote (answered 403)."""


class SpecWorkflow:
    """Spec operations of one request: one repository, drafts, audit log and caller."""

    def __init__(
        self,
        repo: CatalogRepository,
        drafts: SpecDraftRepository,
        sink: SpecSink,
        audit: AuditLog,
        caller: Caller,
        review: ReviewMode,
    ) -> None:
        self.repo, self.drafts, self.sink, self.audit = repo, drafts, sink, audit
        self.caller, self.who, self.review = caller, caller.name, review

    # --- drafts

    async def create_draft(self, dataset_id: uuid.UUID, body: DraftCreate) -> SpecDraft:
        await self._require_dataset(dataset_id)
        latest = await self._latest(dataset_id)
        spec = body.spec or (DatasetSpec.model_validate(latest.spec) if latest else DatasetSpec())
        draft = self._new_draft(dataset_id, spec, latest, body.comment)
        await self.drafts.add_draft(draft)
        self._record("spec_draft.create", draft, before=None)
        await self.repo.commit()
        return draft

    async def list_drafts(
        self, dataset_id: uuid.UUID, status: DraftStatus | None
    ) -> list[SpecDraft]:
        await self._require_dataset(dataset_id)
        return await self.drafts.list_drafts(dataset_id, status)

    async def get_draft(
        self, dataset_id: uuid.UUID, draft_id: uuid.UUID, *, for_update: bool = False
    ) -> SpecDraft:
        draft = await self.drafts.get_draft(draft_id, for_update=for_update)
        if draft is None or draft.dataset_id != dataset_id:
            raise NotFound(f"dataset {dataset_id} has no spec draft {draft_id}")
        return draft

    async def update_draft(
        self, dataset_id: uuid.UUID, draft_id: uuid.UUID, body: DraftUpdate
    ) -> SpecDraft:
        """Replace the content. A pending draft is withdrawn from review, a rejected one is a
        draft again; `base_version` rebases it once the author merged the spec in force."""
        draft = await self._draft_to_write(dataset_id, draft_id, body.revision)
        if draft.status == DraftStatus.PUBLISHED.value:
            raise Conflict("a published draft is part of the history and cannot be edited")
        if body.base_version is not None:
            await self.version(dataset_id, body.base_version)  # 404 when there is none
        before = _dump(draft)
        draft.spec = body.spec.model_dump(mode="json")
        draft.comment = body.comment if body.comment is not None else draft.comment
        if body.base_version is not None:
            draft.base_version = body.base_version
        draft.status = DraftStatus.DRAFT.value
        draft.submitted_by, draft.submitted_at = None, None
        draft.updated_by, draft.updated_at = self.who, utc_now()
        draft.authors = _with(draft.authors, self.who)
        await self._save("spec_draft.update", draft, before)
        await self.repo.commit()
        return draft

    async def delete_draft(
        self, dataset_id: uuid.UUID, draft_id: uuid.UUID, revision: int | None
    ) -> None:
        draft = await self._draft_to_write(dataset_id, draft_id, revision)
        if draft.status == DraftStatus.PUBLISHED.value:
            raise Conflict("a published draft is part of the history and cannot be deleted")
        before = _dump(draft)
        await self.drafts.delete_draft(draft)
        self._record("spec_draft.delete", draft, before=before, deleted=True)
        await self.repo.commit()

    # --- review

    async def submit(
        self, dataset_id: uuid.UUID, draft_id: uuid.UUID, body: SubmitBody
    ) -> SpecDraft:
        draft = await self._draft_to_write(dataset_id, draft_id, body.revision)
        if draft.status not in _SUBMITTABLE:
            raise Conflict(f"a draft in status {draft.status!r} cannot be submitted")
        await self._check_base(dataset_id, draft)  # the author rebases now, not the reviewer
        before = _dump(draft)
        draft.comment = body.comment if body.comment is not None else draft.comment
        draft.submitted_by, draft.submitted_at = self.who, utc_now()
        draft.authors = _with(draft.authors, self.who)
        if self.review == "none":
            await self._publish(dataset_id, draft, None, ("spec_draft.submit", before))
            return draft
        draft.status = DraftStatus.PENDING_REVIEW.value
        await self._save("spec_draft.submit", draft, before)
        await self.repo.commit()
        return draft

    async def approve(
        self, dataset_id: uuid.UUID, draft_id: uuid.UUID, body: ApproveBody
    ) -> SpecDraft:
        draft = await self._pending(dataset_id, draft_id, body.revision, "approve")
        before = _dump(draft)
        draft.reviewed_by, draft.reviewed_at = self.who, utc_now()
        draft.review_comment = body.comment
        await self._publish(dataset_id, draft, self.who, ("spec_draft.approve", before))
        return draft

    async def reject(
        self, dataset_id: uuid.UUID, draft_id: uuid.UUID, body: RejectBody
    ) -> SpecDraft:
        draft = await self._pending(dataset_id, draft_id, body.revision, "reject")
        before = _dump(draft)
        draft.status = DraftStatus.REJECTED.value
        draft.reviewed_by, draft.reviewed_at = self.who, utc_now()
        draft.review_comment = body.comment
        await self._save("spec_draft.reject", draft, before)
        await self.repo.commit()
        return draft

    # --- direct publish and revert (through review when the deployment requires it)

    async def put_spec(
        self, dataset_id: uuid.UUID, spec: DatasetSpec, comment: str | None = None
    ) -> SpecHistoryItem | SpecDraft:
        return await self._propose(dataset_id, spec, comment, reverted_from=None)

    async def revert(
        self, dataset_id: uuid.UUID, version: int, comment: str | None
    ) -> SpecHistoryItem | SpecDraft:
        target = await self.version(dataset_id, version)
        latest = await self._latest(dataset_id)
        # Compared as specs, not stored JSON: a spec stored before a field existed lacks its key.
        if latest is not None and DatasetSpec.model_validate(latest.spec) == target.spec:
            raise Conflict(f"the spec in force already has the content of version {version}")
        note = comment or f"revert to version {version}"
        return await self._propose(dataset_id, target.spec, note, reverted_from=version)

    # --- history

    async def history(self, dataset_id: uuid.UUID) -> list[SpecHistoryItem]:
        records = await self.repo.list_specs(dataset_id)
        if not records:
            await self._require_dataset(dataset_id)
            return []
        facts = await self.drafts.publications(dataset_id)
        return [_history_item(r, facts.get(r.version)) for r in records]

    async def version(self, dataset_id: uuid.UUID, version: int) -> SpecHistoryItem:
        found = [v for v in await self.history(dataset_id) if v.version == version]
        if not found:
            raise NotFound(f"dataset {dataset_id} has no spec version {version}")
        return found[0]

    async def diff(
        self, dataset_id: uuid.UUID, from_version: int | None, to_version: int | None
    ) -> SpecDiff:
        history = await self.history(dataset_id)
        if not history:
            raise NotFound(f"dataset {dataset_id} has no spec")
        to_item = history[0] if to_version is None else await self.version(dataset_id, to_version)
        if from_version is None:
            from_version = to_item.version - 1 if to_item.version > 1 else None
        from_spec = None
        if from_version is not None:
            from_spec = (await self.version(dataset_id, from_version)).spec
        changes = diff_specs(from_spec, to_item.spec)
        return SpecDiff(from_version=from_version, to_version=to_item.version, changes=changes)

    async def draft_diff(self, dataset_id: uuid.UUID, draft_id: uuid.UUID) -> SpecDiff:
        """What publishing the draft would change in the spec in force."""
        draft = await self.get_draft(dataset_id, draft_id)
        latest = await self._latest(dataset_id)
        current = DatasetSpec.model_validate(latest.spec) if latest else None
        changes = diff_specs(current, DatasetSpec.model_validate(draft.spec))
        version = latest.version if latest else None
        return SpecDiff(from_version=version, to_version=None, changes=changes)

    # --- preview (changes nothing)

    async def preview(
        self, dataset_id: uuid.UUID, spec: DatasetSpec | None, draft_id: uuid.UUID | None
    ) -> SpecPreview:
        """The schema `spec` (or the draft's content) would give on the latest version."""
        if draft_id is not None:
            spec = DatasetSpec.model_validate((await self.get_draft(dataset_id, draft_id)).spec)
        assert spec is not None, "the request model sends a spec or a draft id"
        dataset = await self.repo.get_dataset(dataset_id)
        if dataset is None:
            await self._require_dataset(dataset_id)
            raise Conflict(f"dataset {dataset_id} has no version yet to preview a spec against")
        records = {r.version: r for r in await self.repo.list_specs(dataset_id)}
        made_with = records.get(dataset.spec_version or 0)
        return preview_spec(
            spec,
            dataset.columns,
            dataset.version,
            made_with=DatasetSpec.model_validate(made_with.spec) if made_with else None,
            made_with_version=dataset.spec_version,
        )

    # --- internals

    async def _propose(
        self,
        dataset_id: uuid.UUID,
        spec: DatasetSpec,
        comment: str | None,
        reverted_from: int | None,
    ) -> SpecHistoryItem | SpecDraft:
        await self._require_dataset(dataset_id)
        latest = await self._latest(dataset_id)
        draft = self._new_draft(dataset_id, spec, latest, comment)
        draft.reverted_from = reverted_from
        draft.submitted_by, draft.submitted_at = self.who, utc_now()
        if self.review == "none":
            return await self._publish(dataset_id, draft, None, None)
        draft.status = DraftStatus.PENDING_REVIEW.value
        await self.drafts.add_draft(draft)
        action = "spec.revert" if reverted_from is not None else "spec_draft.submit"
        self._record(action, draft, before=None)
        await self.repo.commit()
        return draft

    async def _publish(
        self,
        dataset_id: uuid.UUID,
        draft: SpecDraft,
        approved_by: str | None,
        draft_event: tuple[str, dict[str, Any]] | None,
    ) -> SpecHistoryItem:
        """Publish the draft's content as the next version; `draft_event` is the draft's own
        audit entry (action, before), recorded once the publication is sure to be staged."""
        latest = await self._check_base(dataset_id, draft)
        spec = DatasetSpec.model_validate(draft.spec)
        record, name = await stage_spec(self.repo, dataset_id, spec, self.who)
        if record.version != (draft.base_version or 0) + 1:
            # Another publication committed between the check and the numbering lock.
            await self.repo.rollback()
            raise Conflict(_moved_on(draft.base_version, record.version - 1))
        publication = SpecPublication(
            dataset_id=dataset_id,
            version=record.version,
            comment=draft.comment,
            authors=list(draft.authors),
            approved_by=approved_by,
            draft_id=draft.id,
            reverted_from=draft.reverted_from,
        )
        await self.drafts.add_publication(publication)
        draft.status, draft.published_version = DraftStatus.PUBLISHED.value, record.version
        if draft_event is not None:
            await self._save(draft_event[0], draft, draft_event[1])
        else:
            await self.drafts.add_draft(draft)
        item = _history_item(record, publication)
        previous = {"version": latest.version, "spec": latest.spec} if latest else None
        self.audit.record(
            actor=self.who,
            role=self.caller.role.value,
            action="spec.revert" if draft.reverted_from is not None else "spec.publish",
            target_type="spec",
            target_id=str(dataset_id),
            before=previous,
            after=item.model_dump(mode="json"),
        )
        await self.repo.commit()
        # After the commit: the profiler must never apply a spec version the catalog lacks.
        await announce(self.repo, self.drafts, self.sink, record, name, publication)
        return item

    async def _check_base(
        self, dataset_id: uuid.UUID, draft: SpecDraft
    ) -> DatasetSpecRecord | None:
        """The spec in force, if the draft was written against it; Conflict otherwise (a
        publication would silently undo someone's newer version)."""
        latest = await self._latest(dataset_id)
        in_force = latest.version if latest else None
        if draft.base_version != in_force:
            raise Conflict(_moved_on(draft.base_version, in_force))
        return latest

    async def _draft_to_write(
        self, dataset_id: uuid.UUID, draft_id: uuid.UUID, revision: int | None
    ) -> SpecDraft:
        """The draft, locked until the commit, if it is still at `revision` (None: any)."""
        draft = await self.get_draft(dataset_id, draft_id, for_update=True)
        if revision is not None and draft.revision != revision:
            raise Conflict(
                f"the draft changed since you read it (revision {revision}, now "
                f"{draft.revision}, by {draft.updated_by}, status {draft.status}); "
                "read it again and redo your change"
            )
        return draft

    async def _pending(
        self, dataset_id: uuid.UUID, draft_id: uuid.UUID, revision: int, verb: ReviewVerb
    ) -> SpecDraft:
        draft = await self._draft_to_write(dataset_id, draft_id, revision)
        if draft.status != DraftStatus.PENDING_REVIEW.value:
            raise Conflict(
                f"only a draft pending review can be {_REVIEWED[verb]} (this one: {draft.status})"
            )
        if self.who in draft.authors:
            raise SelfReview(
                f"you cannot {verb} a draft you wrote or submitted; another provider must review it"
            )
        return draft

    def _new_draft(
        self,
        dataset_id: uuid.UUID,
        spec: DatasetSpec,
        latest: DatasetSpecRecord | None,
        comment: str | None,
    ) -> SpecDraft:
        return SpecDraft(
            dataset_id=dataset_id,
            spec=spec.model_dump(mode="json"),
            base_version=latest.version if latest else None,
            comment=comment,
            authors=[self.who],
            created_by=self.who,
            updated_by=self.who,
        )

    async def _save(self, action: str, draft: SpecDraft, before: dict[str, Any]) -> None:
        """Stage a change of an existing draft: a new revision, and its audit entry."""
        draft.revision += 1
        await self.drafts.add_draft(draft)
        self._record(action, draft, before=before)

    async def _latest(self, dataset_id: uuid.UUID) -> DatasetSpecRecord | None:
        records = await self.repo.list_specs(dataset_id)
        return records[0] if records else None

    async def _require_dataset(self, dataset_id: uuid.UUID) -> None:
        if await self.repo.dataset_name(dataset_id) is None:
            raise NotFound(f"no dataset or source with id {dataset_id}")

    def _record(
        self,
        action: str,
        draft: SpecDraft,
        *,
        before: dict[str, Any] | None,
        deleted: bool = False,
    ) -> None:
        self.audit.record(
            actor=self.who,
            role=self.caller.role.value,
            action=action,
            target_type="spec_draft",
            target_id=str(draft.id),
            before=before,
            after=None if deleted else _dump(draft),
        )


def _moved_on(base: int | None, in_force: int | None) -> str:
    changes = f"GET .../spec/diff?from={base}&to={in_force}" if base else "GET .../spec"
    return (
        f"the spec changed since this draft was written (version {base} -> {in_force}): see "
        f"{changes}, merge, then update the draft with base_version={in_force} and submit it "
        "again"
    )


def _dump(draft: SpecDraft) -> dict[str, Any]:
    return draft_public(draft).model_dump(mode="json")


def _with(names: list[str], name: str) -> list[str]:
    # A new list: JSONB columns only notice assignment, not in-place changes.
    return names if name in names else [*names, name]


def _history_item(record: DatasetSpecRecord, facts: SpecPublication | None) -> SpecHistoryItem:
    base = spec_version(record).model_dump()
    if facts is None:  # published before issue 4 (or by the YAML import): no extra facts
        return SpecHistoryItem.model_validate(base)
    extra = facts.model_dump(
        include={"comment", "authors", "approved_by", "draft_id", "reverted_from"}
    )
    return SpecHistoryItem.model_validate({**base, **extra})
