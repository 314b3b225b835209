"""PostgreSQL access, only on the `profiler` schema: version numbers, profiles and specs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from mdc_contracts import ColumnProfile, DatasetSpec
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_profiler.models import MIGRATIONS, DatasetSpecRow, DatasetVersionRow
from mdc_profiler.ports import (
    AssignedVersion,
    LatestRaw,
    OutgoingEvent,
    StoredSpec,
    VersionProfile,
)

VERSION = DatasetVersionRow.__table__  # type: ignore[attr-defined]
SPEC = DatasetSpecRow.__table__  # type: ignore[attr-defined]
# Serialises version numbering per dataset across replicas (a rebalance may overlap them).
_DATASET_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtext('profiler.dataset_version'), hashtext(:dataset_id))"
)
_ASSIGNED = (VERSION.c.version, VERSION.c.created_at, VERSION.c.published)


async def migrate(engine: AsyncEngine) -> None:
    """Additive migrations of tables created by an earlier release (after create_all)."""
    async with engine.begin() as conn:
        for statement in MIGRATIONS:
            await conn.execute(text(statement))


class PostgresVersionRepository:
    """Implements VersionRepository (see ports.py)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def find(self, change_id: uuid.UUID) -> AssignedVersion | None:
        async with self.sessions() as session:
            row = (
                await session.execute(select(*_ASSIGNED).where(VERSION.c.change_id == change_id))
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
        raw_uri: str | None = None,
        reason: str | None = None,
        spec_version: int | None = None,
    ) -> AssignedVersion:
        async with self.sessions() as session, session.begin():
            await session.execute(_DATASET_LOCK, {"dataset_id": str(dataset_id)})
            row = (
                await session.execute(select(*_ASSIGNED).where(VERSION.c.change_id == change_id))
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
                    raw_uri=raw_uri,
                    reason=reason,
                    spec_version=spec_version,
                )
            )
        return AssignedVersion(version, now)

    async def release(self, change_id: uuid.UUID) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                delete(VERSION).where(
                    VERSION.c.change_id == change_id, VERSION.c.completed_at.is_(None)
                )
            )

    async def complete(
        self,
        change_id: uuid.UUID,
        *,
        parquet_uri: str,
        row_count: int,
        published: list[OutgoingEvent],
        now: datetime,
        columns: list[ColumnProfile] | None = None,
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
                    columns=[c.model_dump(mode="json") for c in columns or []],
                )
            )

    async def previous_profile(self, dataset_id: uuid.UUID, before: int) -> VersionProfile | None:
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(VERSION.c.version, VERSION.c.row_count, VERSION.c.columns)
                    .where(
                        VERSION.c.dataset_id == dataset_id,
                        VERSION.c.version < before,
                        VERSION.c.completed_at.is_not(None),
                    )
                    .order_by(VERSION.c.version.desc())
                    .limit(1)
                )
            ).first()
        if row is None or row.columns is None:
            return None  # completed before profiles were kept: nothing to compare with
        columns = [ColumnProfile.model_validate(c) for c in row.columns]
        return VersionProfile(row.version, row.row_count or 0, columns)

    async def latest_raw(self, dataset_id: uuid.UUID) -> LatestRaw | None:
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(VERSION)
                    .where(
                        VERSION.c.dataset_id == dataset_id,
                        VERSION.c.completed_at.is_not(None),
                        VERSION.c.raw_uri.is_not(None),
                    )
                    .order_by(VERSION.c.version.desc())
                    .limit(1)
                )
            ).first()
        if row is None:
            return None
        return LatestRaw(
            row.change_id,
            row.version,
            row.dataset_name,
            row.raw_uri,
            row.raw_sha256,
            row.spec_version,
        )

    async def save_spec(
        self, dataset_id: uuid.UUID, spec_version: int, spec: DatasetSpec, now: datetime
    ) -> int:
        values: dict[str, Any] = {
            "dataset_id": dataset_id,
            "spec_version": spec_version,
            "spec": spec.model_dump(mode="json"),
            "updated_at": now,
        }
        statement = pg_insert(SPEC).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=[SPEC.c.dataset_id],
            set_={k: statement.excluded[k] for k in ("spec_version", "spec", "updated_at")},
            # Out-of-order delivery: an older spec never replaces a newer one.
            where=SPEC.c.spec_version < statement.excluded.spec_version,
        )
        async with self.sessions() as session, session.begin():
            await session.execute(statement)
            stored = await session.execute(
                select(SPEC.c.spec_version).where(SPEC.c.dataset_id == dataset_id)
            )
            return int(stored.scalar_one())

    async def get_spec(self, dataset_id: uuid.UUID) -> StoredSpec | None:
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(SPEC.c.spec_version, SPEC.c.spec).where(SPEC.c.dataset_id == dataset_id)
                )
            ).first()
        if row is None:
            return None
        return StoredSpec(row.spec_version, DatasetSpec.model_validate(row.spec))


def _assigned(row: object) -> AssignedVersion:
    published = getattr(row, "published", None)
    return AssignedVersion(
        version=row.version,  # type: ignore[attr-defined]
        created_at=row.created_at,  # type: ignore[attr-defined]
        published=[OutgoingEvent.from_json(e) for e in published] if published else None,
    )
