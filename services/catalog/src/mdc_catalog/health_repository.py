"""Reads of the technician view, over the request's session (read-only: never commits)."""

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
)
from mdc_catalog.models import SchemaChangeRecord, Source

# A source and when its dataset's schema last changed.
SourceRow = tuple[Source, datetime | None]
# A schema change, its dataset's name and its dataset's source.
SchemaChangeRow = tuple[SchemaChangeRecord, str | None, uuid.UUID | None]


class HealthRepository(Protocol):
    async def source_health(
        self, query: SourceHealthFilter, *, now: datetime, grace_factor: float
    ) -> tuple[list[SourceRow], int]: ...

    async def failures(self, query: FailureFilter) -> tuple[list[Source], int]: ...

    async def schema_changes(
        self, query: SchemaChangeFilter
    ) -> tuple[list[SchemaChangeRow], int]: ...

    async def counts(self, *, now: datetime, grace_factor: float) -> HealthCounts: ...


class SqlHealthRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def source_health(
        self, query: SourceHealthFilter, *, now: datetime, grace_factor: float
    ) -> tuple[list[SourceRow], int]:
        rows = await self.session.exec(q.source_health_search(query, now, grace_factor))
        total = await self.session.exec(q.source_health_count(query, now, grace_factor))
        return [(source, changed_at) for source, changed_at in rows.all()], total.one()

    async def failures(self, query: FailureFilter) -> tuple[list[Source], int]:
        rows = await self.session.exec(q.failure_search(query))
        total = await self.session.exec(q.failure_count(query))
        return list(rows.all()), total.one()

    async def schema_changes(self, query: SchemaChangeFilter) -> tuple[list[SchemaChangeRow], int]:
        rows = await self.session.exec(q.schema_change_search(query))
        total = await self.session.exec(q.schema_change_count(query))
        return [(record, name, source_id) for record, name, source_id in rows.all()], total.one()

    async def counts(self, *, now: datetime, grace_factor: float) -> HealthCounts:
        row = (await self.session.exec(q.summary_statement(now, grace_factor))).one()
        return HealthCounts.model_validate(row._asdict())
