"""Reads of the technician view over the request's session (never commits), and the pruning
of the failure history (its own transaction)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_catalog import health_queries as q
from mdc_catalog.health_view import (
    FailureFilter,
    HealthCounts,
    SchemaChangeFilter,
    SourceHealthFilter,
    SourceStatus,
)
from mdc_catalog.models import SchemaChangeRecord, Source, SourceFailureRecord

# A source and when its dataset's schema last changed.
SourceRow = tuple[Source, datetime | None]
# A source needing attention, when its schema last changed, and whether a recent change broke.
AttentionRow = tuple[Source, datetime | None, bool]
# A failure, its source's name and publisher.
FailureRow = tuple[SourceFailureRecord, str, str | None]
# A schema change, its dataset's name, its dataset's source, that source's name and publisher.
SchemaChangeRow = tuple[SchemaChangeRecord, str | None, uuid.UUID | None, str | None, str | None]


class HealthRepository(Protocol):
    async def source_health(
        self, query: SourceHealthFilter, *, now: datetime, grace_factor: float
    ) -> tuple[list[SourceRow], int]: ...

    async def attention(self, *, now: datetime, grace_factor: float) -> list[AttentionRow]:
        """Active sources failing, stale or drifting in the summary's window, by name."""
        ...

    async def failures(self, query: FailureFilter) -> tuple[list[FailureRow], int]: ...

    async def schema_changes(
        self, query: SchemaChangeFilter
    ) -> tuple[list[SchemaChangeRow], int]: ...

    async def counts(self, *, now: datetime, grace_factor: float) -> HealthCounts: ...

    async def prune_failures(self, before: datetime) -> int:
        """Delete failures that happened before `before`, and commit; how many went."""
        ...


class SqlHealthRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def source_health(
        self, query: SourceHealthFilter, *, now: datetime, grace_factor: float
    ) -> tuple[list[SourceRow], int]:
        rows = await self.session.exec(q.source_health_search(query, now, grace_factor))
        total = await self.session.exec(q.source_health_count(query, now, grace_factor))
        return [(source, changed_at) for source, changed_at in rows.all()], total.one()

    async def attention(self, *, now: datetime, grace_factor: float) -> list[AttentionRow]:
        rows = await self.session.exec(q.attention_search(now, grace_factor))
        return [(source, at, bool(breaking)) for source, at, breaking in rows.all()]

    async def failures(self, query: FailureFilter) -> tuple[list[FailureRow], int]:
        rows = await self.session.exec(q.failure_search(query))
        total = await self.session.exec(q.failure_count(query))
        return [(record, name, publisher) for record, name, publisher in rows.all()], total.one()

    async def schema_changes(self, query: SchemaChangeFilter) -> tuple[list[SchemaChangeRow], int]:
        rows = await self.session.exec(q.schema_change_search(query))
        total = await self.session.exec(q.schema_change_count(query))
        return [tuple(row) for row in rows.all()], total.one()  # type: ignore[misc]

    async def counts(self, *, now: datetime, grace_factor: float) -> HealthCounts:
        row = (await self.session.exec(q.summary_statement(now, grace_factor))).one()
        values = row._asdict()
        by_status = {status: values.pop(f"status_{status}") for status in SourceStatus}
        return HealthCounts.model_validate({**values, "by_status": by_status})

    async def prune_failures(self, before: datetime) -> int:
        result = await self.session.exec(q.prune_failures(before))  # type: ignore[call-overload]
        await self.session.commit()
        return int(result.rowcount or 0)
