"""The audit log of admin changes: who, what, when, and the target before and after.

An entry is added to the request's session, so it commits (or rolls back) with the change it
describes: there is no change without its entry, and no entry for a change that failed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from mdc_contracts import utc_now
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field as SqlField
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_catalog.models import CatalogTable
from mdc_catalog.schemas import INT4_MAX

MAX_PAGE_SIZE = 500


class AuditRecord(CatalogTable, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("audit_log_at_idx", "at"),
        Index("audit_log_target_idx", "target_type", "target_id"),
    )

    id: uuid.UUID = SqlField(default_factory=uuid.uuid4, primary_key=True)
    at: datetime = SqlField(default_factory=utc_now, sa_type=DateTime(timezone=True))
    actor: str  # the API key's name (never the key)
    role: str | None = None
    action: str  # "<target_type>.<verb>", e.g. "source.update", "spec.publish"
    target_type: str
    target_id: str
    before: dict[str, Any] | None = SqlField(default=None, sa_type=JSONB)
    after: dict[str, Any] | None = SqlField(default=None, sa_type=JSONB)


class AuditEntry(BaseModel):
    """One admin change, as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    at: datetime
    actor: str
    role: str | None
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditFilter(BaseModel):
    """Query parameters of the audit log listing; every one narrows the result."""

    model_config = ConfigDict(extra="forbid")

    actor: str | None = Field(default=None, max_length=128)
    action: str | None = Field(default=None, max_length=64)
    target_type: str | None = Field(default=None, max_length=64)
    target_id: str | None = Field(default=None, max_length=128)
    since: datetime | None = None
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0, le=INT4_MAX)


class AuditLog(Protocol):
    def record(
        self,
        *,
        actor: str,
        role: str | None,
        action: str,
        target_type: str,
        target_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        """Stage an entry in the current unit of work (it commits with the change)."""

    async def entries(self, query: AuditFilter) -> tuple[list[AuditEntry], int]: ...


class SqlAuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def record(
        self,
        *,
        actor: str,
        role: str | None,
        action: str,
        target_type: str,
        target_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        self.session.add(
            AuditRecord(
                actor=actor,
                role=role,
                action=action,
                target_type=target_type,
                target_id=target_id,
                before=before,
                after=after,
            )
        )

    async def entries(self, query: AuditFilter) -> tuple[list[AuditEntry], int]:
        # Only the filters given; values are bound parameters, never spliced into the SQL.
        # (Built one by one: `at >= None` would raise before any filter could skip it.)
        conditions: list[Any] = [
            col(column) == value
            for column, value in (
                (AuditRecord.actor, query.actor),
                (AuditRecord.action, query.action),
                (AuditRecord.target_type, query.target_type),
                (AuditRecord.target_id, query.target_id),
            )
            if value is not None
        ]
        if query.since is not None:
            conditions.append(col(AuditRecord.at) >= query.since)
        total = (
            await self.session.exec(
                select(func.count()).select_from(AuditRecord).where(*conditions)
            )
        ).one()
        rows = await self.session.exec(
            select(AuditRecord)
            .where(*conditions)
            .order_by(col(AuditRecord.at).desc(), col(AuditRecord.id))
            .offset(query.offset)
            .limit(query.limit)
        )
        return [AuditEntry.model_validate(r) for r in rows], int(total)
