"""PostgreSQL access, only on the `profiler` schema: version numbers per change."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_profiler.models import DatasetVersionRow
from mdc_profiler.ports import AssignedVersion, OutgoingEvent

VERSION = DatasetVersionRow.__table__  # type: ignore[attr-defined]
# Serialises version numbering per dataset across replicas (a rebalance may overlap them).
_DATASET_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtext('profiler.dataset_version'), hashtext(:dataset_id))"
)


class PostgresVersionRepository:
    """Implements VersionRepository (see ports.py)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def find(self, change_id: uuid.UUID) -> AssignedVersion | None:
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(VERSION.c.version, VERSION.c.created_at, VERSION.c.published).where(
                        VERSION.c.change_id == change_id
                    )
                )
            ).first()
        return _assigned(row) if row else None

    async def assign(
        self,
        *,
        dataset_id: uuid.UUID,
        change_id: uuid.UUID,
        dataset_name: str,
        raw_sha256: str,
        now: datetime,
    ) -> AssignedVersion:
        async with self.sessions() as session, session.begin():
            await session.execute(_DATASET_LOCK, {"dataset_id": str(dataset_id)})
            row = (
                await session.execute(
                    select(VERSION.c.version, VERSION.c.created_at, VERSION.c.published).where(
                        VERSION.c.change_id == change_id
                    )
                )
            ).first()
            if row is not None:
                return _assigned(row)
            latest = (
                await session.execute(
                    select(func.coalesce(func.max(VERSION.c.version), 0)).where(
                        VERSION.c.dataset_id == dataset_id
                    )
                )
            ).scalar_one()
            version = int(latest) + 1
            await session.execute(
                insert(VERSION).values(
                    change_id=change_id,
                    dataset_id=dataset_id,
                    version=version,
                    dataset_name=dataset_name,
                    raw_sha256=raw_sha256,
                    created_at=now,
                )
            )
        return AssignedVersion(version, now)

    async def complete(
        self,
        change_id: uuid.UUID,
        *,
        parquet_uri: str,
        row_count: int,
        published: list[OutgoingEvent],
        now: datetime,
    ) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(VERSION)
                .where(VERSION.c.change_id == change_id)
                .values(
                    parquet_uri=parquet_uri,
                    row_count=row_count,
                    completed_at=now,
                    published=[e.as_json() for e in published],
                )
            )


def _assigned(row: object) -> AssignedVersion:
    published = getattr(row, "published", None)
    return AssignedVersion(
        version=row.version,  # type: ignore[attr-defined]
        created_at=row.created_at,  # type: ignore[attr-defined]
        published=[OutgoingEvent.from_json(e) for e in published] if published else None,
    )
