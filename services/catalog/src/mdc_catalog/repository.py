"""What the domain needs from storage: one small interface, implemented for PostgreSQL.

A repository wraps one session (one unit of work). Writes become durable on `commit()`;
reads return plain objects. The domain (service.py) and the routes only know the Protocol,
so unit tests use an in-memory fake and the PostgreSQL SQL is tested on a real database.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any, Protocol

from mdc_common.errors import Conflict
from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_catalog.models import Dataset, DatasetColumn, DatasetVersion, Source
from mdc_catalog.queries import (
    dataset_by_id,
    dataset_columns,
    dataset_count,
    dataset_search,
    dataset_version,
    dataset_versions,
    detail_from_row,
    summary_from_row,
    version_detail,
    version_summary,
)
from mdc_catalog.schemas import (
    DatasetDetail,
    DatasetFilter,
    DatasetSummary,
    SourceFilter,
    VersionDetail,
    VersionSummary,
)


class CatalogRepository(Protocol):
    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    # --- sources
    async def add_source(self, source: Source) -> None:
        """Stage a new source; raises Conflict when its name is taken."""

    async def get_source(
        self, source_id: uuid.UUID, *, for_update: bool = False
    ) -> Source | None: ...

    async def get_source_by_name(self, name: str) -> Source | None: ...

    async def list_sources(self, query: SourceFilter) -> tuple[list[Source], int]: ...

    async def sources_to_publish(
        self, *, pending_only: bool, changed_before: datetime | None = None
    ) -> list[Source]:
        """All sources, or only those whose latest revision may not be on the topic yet
        (and, with `changed_before`, that were last changed before then)."""

    async def mark_published(self, source_id: uuid.UUID, revision: int) -> None: ...

    # --- datasets
    async def upsert_dataset(self, dataset: Dataset) -> None:
        """Insert the dataset, or move its latest-version facts forward (never backward)."""

    async def add_version(self, version: DatasetVersion, columns: Sequence[DatasetColumn]) -> bool:
        """Insert a version and its columns; False (and no change) when it already exists."""

    async def search_datasets(self, query: DatasetFilter) -> tuple[list[DatasetSummary], int]: ...

    async def get_dataset(self, dataset_id: uuid.UUID) -> DatasetDetail | None: ...

    async def list_versions(self, dataset_id: uuid.UUID) -> list[VersionSummary]: ...

    async def get_version(self, dataset_id: uuid.UUID, version: int) -> VersionDetail | None: ...


RepositoryScope = Callable[[], AbstractAsyncContextManager[CatalogRepository]]


class SqlCatalogRepository:
    """CatalogRepository on the `catalog` PostgreSQL schema."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()

    # --- sources

    async def add_source(self, source: Source) -> None:
        self.session.add(source)
        try:
            await self.session.flush()
        except IntegrityError as err:
            await self.session.rollback()
            if "source_name_key" in str(err.orig):
                raise Conflict(f"a source named {source.name!r} already exists") from err
            raise

    async def get_source(self, source_id: uuid.UUID, *, for_update: bool = False) -> Source | None:
        statement = select(Source).where(Source.id == source_id)
        if for_update:
            # Serializes concurrent writers of one source (PATCH vs. status events).
            statement = statement.with_for_update()
        return (await self.session.exec(statement)).first()

    async def get_source_by_name(self, name: str) -> Source | None:
        return (await self.session.exec(select(Source).where(Source.name == name))).first()

    async def list_sources(self, query: SourceFilter) -> tuple[list[Source], int]:
        conditions = []
        if query.name is not None:
            conditions.append(col(Source.name) == query.name)
        if query.active is not None:
            conditions.append(col(Source.active) == query.active)
        if not query.include_deleted:
            conditions.append(col(Source.deleted_at).is_(None))
        total = (
            await self.session.exec(select(func.count()).select_from(Source).where(*conditions))
        ).one()
        page = select(Source).where(*conditions).order_by(col(Source.name), col(Source.id))
        rows = await self.session.exec(page.limit(query.limit).offset(query.offset))
        return list(rows.all()), total

    async def sources_to_publish(
        self, *, pending_only: bool, changed_before: datetime | None = None
    ) -> list[Source]:
        statement = select(Source).order_by(col(Source.name))
        if pending_only:
            statement = statement.where(col(Source.published_revision) < col(Source.revision))
        if changed_before is not None:
            statement = statement.where(col(Source.updated_at) < changed_before)
        return list((await self.session.exec(statement)).all())

    async def mark_published(self, source_id: uuid.UUID, revision: int) -> None:
        await self.session.exec(
            update(Source)
            .where(col(Source.id) == source_id, col(Source.published_revision) < revision)
            .values(published_revision=revision)
        )

    # --- datasets

    async def upsert_dataset(self, dataset: Dataset) -> None:
        values = dataset.model_dump()
        latest = {
            key: value
            for key, value in values.items()
            if key not in {"id", "created_at", "title", "description"}
        }
        table = Dataset.__table__  # type: ignore[attr-defined]
        statement = insert(table).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.id],
            set_={key: statement.excluded[key] for key in latest},
            # A late, older version must not overwrite the newer latest pointer.
            where=table.c.latest_version < statement.excluded.latest_version,
        )
        await self.session.exec(statement)

    async def add_version(self, version: DatasetVersion, columns: Sequence[DatasetColumn]) -> bool:
        version_table = DatasetVersion.__table__  # type: ignore[attr-defined]
        inserted = await self.session.exec(
            insert(version_table)
            .values(version.model_dump())
            .on_conflict_do_nothing(index_elements=["dataset_id", "version"])
            .returning(version_table.c.version)
        )
        if inserted.first() is None:
            return False  # re-delivered event: the version and its columns are already there
        if columns:
            column_table = DatasetColumn.__table__  # type: ignore[attr-defined]
            await self.session.exec(
                insert(column_table)
                .values([column.model_dump() for column in columns])
                .on_conflict_do_nothing(index_elements=["dataset_id", "version", "position"])
            )
        return True

    async def search_datasets(self, query: DatasetFilter) -> tuple[list[DatasetSummary], int]:
        total = (await self.session.exec(dataset_count(query))).one()
        rows = (await self.session.exec(dataset_search(query))).all()
        return [summary_from_row(row) for row in rows], total

    async def get_dataset(self, dataset_id: uuid.UUID) -> DatasetDetail | None:
        row: Any = (await self.session.exec(dataset_by_id(dataset_id))).first()  # a labelled Row
        if row is None:
            return None
        columns = await self.session.exec(dataset_columns(dataset_id, row.version))
        return detail_from_row(row, list(columns.all()))

    async def list_versions(self, dataset_id: uuid.UUID) -> list[VersionSummary]:
        rows = (await self.session.exec(dataset_versions(dataset_id))).all()
        return [version_summary(v) for v in rows]

    async def get_version(self, dataset_id: uuid.UUID, version: int) -> VersionDetail | None:
        found = (await self.session.exec(dataset_version(dataset_id, version))).first()
        if found is None:
            return None
        columns = await self.session.exec(dataset_columns(dataset_id, version))
        return version_detail(found, list(columns.all()))


def sql_repository_scope(sessions: async_sessionmaker[AsyncSession]) -> RepositoryScope:
    """A factory of unit-of-work scopes for code outside a request (consumers, start-up)."""

    @asynccontextmanager
    async def scope() -> AsyncIterator[CatalogRepository]:
        async with sessions() as session:
            yield SqlCatalogRepository(session)

    return scope
