"""Spec drafts and the facts of each published spec version (issue 4), in their own tables.

A dataset may have several drafts at once (like merge requests: one under review while someone
starts the next). A draft moves draft -> pending_review -> published; editing a rejected or
pending draft makes it a draft again (a pending one is withdrawn from review).
`dataset_spec_publication` adds who/why to each `dataset_spec` version without altering that
table (create_all never alters an existing table).

Concurrency: every write bumps a draft's `revision`, and a write names the revision it was
made from (409 when the draft changed meanwhile); `base_version` is the spec version the
content was written against, and publishing over a newer one is refused (409).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from mdc_contracts import DatasetSpec, utc_now
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field as SqlField
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_catalog.models import CatalogTable
from mdc_catalog.schemas import INT4_MAX, SpecVersion

Comment = Field(default=None, max_length=2000)


class DraftStatus(StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    REJECTED = "rejected"
    PUBLISHED = "published"


class SpecDraft(CatalogTable, table=True):
    __tablename__ = "dataset_spec_draft"
    __table_args__ = (Index("dataset_spec_draft_dataset_idx", "dataset_id", "status"),)

    id: uuid.UUID = SqlField(default_factory=uuid.uuid4, primary_key=True)
    dataset_id: uuid.UUID
    spec: dict[str, Any] = SqlField(sa_type=JSONB)  # DatasetSpec
    status: str = DraftStatus.DRAFT.value
    # Bumped by every write: the optimistic lock of two providers editing (or reviewing) it.
    revision: int = 1
    # The spec version the content was written against: publishing over a newer one would
    # silently undo someone's change, so that is refused until the author rebases the draft.
    base_version: int | None = None
    comment: str | None = None  # the author's "why", shown in the history once published
    reverted_from: int | None = None
    # Everyone who wrote the content: none of them may approve it.
    authors: list[str] = SqlField(default_factory=list, sa_type=JSONB)
    created_by: str
    created_at: datetime = SqlField(default_factory=utc_now, sa_type=DateTime(timezone=True))
    updated_by: str
    updated_at: datetime = SqlField(default_factory=utc_now, sa_type=DateTime(timezone=True))
    submitted_by: str | None = None
    submitted_at: datetime | None = SqlField(default=None, sa_type=DateTime(timezone=True))
    reviewed_by: str | None = None
    reviewed_at: datetime | None = SqlField(default=None, sa_type=DateTime(timezone=True))
    review_comment: str | None = None
    published_version: int | None = None


class SpecPublication(CatalogTable, table=True):
    """Who published a spec version, why, through which draft or revert; and whether its
    DatasetSpecPublished event went out (the outbox the announcer retries from)."""

    __tablename__ = "dataset_spec_publication"

    dataset_id: uuid.UUID = SqlField(primary_key=True)
    version: int = SqlField(primary_key=True)
    comment: str | None = None
    authors: list[str] = SqlField(default_factory=list, sa_type=JSONB)
    approved_by: str | None = None
    draft_id: uuid.UUID | None = None
    reverted_from: int | None = None
    published_at: datetime = SqlField(default_factory=utc_now, sa_type=DateTime(timezone=True))
    announced_at: datetime | None = SqlField(default=None, sa_type=DateTime(timezone=True))


# --- API models ------------------------------------------------------------------------------


class DraftCreate(BaseModel):
    """Body of POST .../spec/drafts. Without `spec`, the draft starts from the spec in force."""

    model_config = ConfigDict(extra="forbid")

    spec: DatasetSpec | None = None
    comment: str | None = Comment


Revision = Field(
    ge=1, le=INT4_MAX, description="The draft's `revision` as you last read it (409 if it moved)."
)
Reviewed = Field(
    ge=1, le=INT4_MAX, description="The draft's `revision` you reviewed (409 if it moved)."
)


class DraftUpdate(BaseModel):
    """Body of PUT .../spec/drafts/{id}: the whole new content."""

    model_config = ConfigDict(extra="forbid")

    spec: DatasetSpec
    revision: int = Revision
    base_version: int | None = Field(
        default=None,
        ge=1,
        le=INT4_MAX,
        description="The spec version this content was written against; send the version in "
        "force after merging its changes to rebase a draft. Omitted: unchanged.",
    )
    comment: str | None = Comment


class SubmitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    revision: int | None = Field(
        default=None,
        ge=1,
        le=INT4_MAX,
        description="The draft's `revision` you mean to submit (409 if it moved); omitted: any.",
    )
    comment: str | None = Comment


class ApproveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    revision: int = Reviewed
    comment: str | None = Comment


class RejectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    revision: int = Reviewed
    comment: str = Field(min_length=1, max_length=2000, description="Why, for the author.")


class RevertBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(
        ge=1, le=INT4_MAX, description="The spec version whose content becomes current."
    )
    comment: str | None = Comment


class DraftPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    dataset_id: uuid.UUID
    spec: DatasetSpec
    status: DraftStatus
    revision: int
    base_version: int | None
    comment: str | None
    reverted_from: int | None
    authors: list[str]
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    submitted_by: str | None
    submitted_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_comment: str | None
    published_version: int | None


class DraftPage(BaseModel):
    items: list[DraftPublic] = Field(description="Newest first.")
    total: int


class SpecHistoryItem(SpecVersion):
    """A published spec version with who published it and why."""

    comment: str | None = None
    authors: list[str] = Field(default_factory=list, description="Who wrote the content.")
    approved_by: str | None = Field(default=None, description="The reviewer, under review.")
    draft_id: uuid.UUID | None = None
    reverted_from: int | None = None


class SpecHistoryPage(BaseModel):
    items: list[SpecHistoryItem] = Field(description="Newest first.")
    total: int


def draft_public(draft: SpecDraft) -> DraftPublic:
    return DraftPublic.model_validate(draft)


# --- storage ---------------------------------------------------------------------------------


class SpecDraftRepository(Protocol):
    async def get_draft(self, draft_id: uuid.UUID, *, for_update: bool = False) -> SpecDraft | None:
        """`for_update`: lock the row until the commit, so concurrent writers take turns."""
        ...

    async def list_drafts(
        self, dataset_id: uuid.UUID, status: DraftStatus | None
    ) -> list[SpecDraft]:
        """Newest first."""
        ...

    async def add_draft(self, draft: SpecDraft) -> None:
        """Stage a new or changed draft (it commits with the catalog repository)."""

    async def delete_draft(self, draft: SpecDraft) -> None: ...

    async def add_publication(self, publication: SpecPublication) -> None:
        """Stage a new or changed publication."""

    async def publications(self, dataset_id: uuid.UUID) -> dict[int, SpecPublication]: ...

    async def unannounced(self, published_before: datetime) -> list[SpecPublication]:
        """Publications whose event has not gone out, oldest first."""
        ...


class SqlSpecDraftRepository:
    """On the request's session, so drafts commit with the spec versions and the audit log."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_draft(self, draft_id: uuid.UUID, *, for_update: bool = False) -> SpecDraft | None:
        if not for_update:
            return await self.session.get(SpecDraft, draft_id)
        # SELECT ... FOR UPDATE waits for a concurrent writer's commit, then reads its revision.
        return await self.session.get(
            SpecDraft, draft_id, with_for_update=True, populate_existing=True
        )

    async def list_drafts(
        self, dataset_id: uuid.UUID, status: DraftStatus | None
    ) -> list[SpecDraft]:
        query = select(SpecDraft).where(SpecDraft.dataset_id == dataset_id)
        if status is not None:
            query = query.where(SpecDraft.status == status.value)
        rows = await self.session.exec(
            query.order_by(col(SpecDraft.created_at).desc(), col(SpecDraft.id))
        )
        return list(rows.all())

    async def add_draft(self, draft: SpecDraft) -> None:
        # No flush: ids are made here, and the commit writes it (so a direct publish needs no
        # round trip for its draft).
        self.session.add(draft)

    async def delete_draft(self, draft: SpecDraft) -> None:
        await self.session.delete(draft)
        await self.session.flush()

    async def add_publication(self, publication: SpecPublication) -> None:
        self.session.add(publication)

    async def publications(self, dataset_id: uuid.UUID) -> dict[int, SpecPublication]:
        rows = await self.session.exec(
            select(SpecPublication).where(SpecPublication.dataset_id == dataset_id)
        )
        return {row.version: row for row in rows.all()}

    async def unannounced(self, published_before: datetime) -> list[SpecPublication]:
        rows = await self.session.exec(
            select(SpecPublication)
            .where(
                col(SpecPublication.announced_at).is_(None),
                col(SpecPublication.published_at) < published_before,
            )
            .order_by(col(SpecPublication.published_at), col(SpecPublication.version))
        )
        return list(rows.all())
