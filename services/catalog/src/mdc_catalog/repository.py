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
from sqlalchemy import func, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_catalog.facts import refresh_dataset_facts
from mdc_catalog.models import (
    Dataset,
    DatasetColumn,
    DatasetSpecRecord,
    DatasetVersion,
    DatasetVersionProfile,
    SchemaChangeRecord,
    Source,
    SourceFailureRecord,
)
from mdc_catalog.queries import (
    count_search,
    dataset_by_id,
    dataset_columns,
    dataset_version,
    dataset_versions,
    detail_from_row,
    page_search,
    schema_change_public,
    schema_changes,
    summary_from_row,
    version_detail,
    version_profile,
    version_summary,
)
from mdc_catalog.schemas import (
    DatasetDetail,
    DatasetFilter,
    DatasetSummary,
    Facet,
    FacetCount,
    SchemaChangePublic,
    SourceFilter,
    VersionDetail,
    VersionSummary,
)
from mdc_catalog.search import facet_search, facets_from_rows


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

    async def dataset_facets(self, query: DatasetFilter) -> dict[Facet, list[FacetCount]]:
        """Counts per value of the requested facets over the whole result of `query`."""
        ...

    async def refresh_dataset_facts(self, dataset_id: uuid.UUID) -> None:
        """Recompute the search facts of the dataset's latest version (same transaction)."""

    async def get_dataset(self, dataset_id: uuid.UUID) -> DatasetDetail | None: ...

    async def list_versions(self, dataset_id: uuid.UUID) -> list[VersionSummary]: ...

    async def get_version(self, dataset_id: uuid.UUID, version: int) -> VersionDetail | None: ...

    async def add_version_profile(self, profile: DatasetVersionProfile) -> None:
        """Store a version's full profile; a re-delivery changes nothing."""

    # --- specs and drift
    async def dataset_name(self, dataset_id: uuid.UUID) -> str | None:
        """The name of a dataset, or of the source it will come from; None if neither exists."""

    async def add_spec(self, record: DatasetSpecRecord) -> DatasetSpecRecord:
        """Stage the next spec version of the dataset (record.version is ignored)."""
        ...

    async def list_specs(self, dataset_id: uuid.UUID) -> list[DatasetSpecRecord]:
        """Newest first."""
        ...

    async def add_schema_change(self, record: SchemaChangeRecord) -> bool:
        """False (and no change) when this event was already stored."""
        ...

    async def list_schema_changes(self, dataset_id: uuid.UUID) -> list[SchemaChangePublic]: ...

    async def add_source_failure(self, record: SourceFailureRecord) -> bool:
        """False (and no change) when this event was already stored."""
        ...


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
        # Core execution on the session's connection: plain rows, none of the ORM's work.
        connection = await self.session.connection()
        rows = (await connection.execute(*page_search(query))).all()
        if rows:
            total = int(rows[0].total)
        elif query.offset == 0:
            total = 0
        else:  # a page past the end still tells how many there are
            total = int((await connection.execute(*count_search(query))).scalar_one())
        return [summary_from_row(row) for row in rows], total

    async def dataset_facets(self, query: DatasetFilter) -> dict[Facet, list[FacetCount]]:
        if not query.facets:
            return {}
        connection = await self.session.connection()
        rows = (await connection.execute(*facet_search(query))).all()
        return facets_from_rows(query, rows)

    async def refresh_dataset_facts(self, dataset_id: uuid.UUID) -> None:
        await refresh_dataset_facts(self.session, dataset_id)

    async def get_dataset(self, dataset_id: uuid.UUID) -> DatasetDetail | None:
        row: Any = (await self.session.exec(dataset_by_id(dataset_id))).first()  # a labelled Row
        if row is None:
            return None
        columns = await self.session.exec(dataset_columns(dataset_id, row.version))
        facts = (await self.session.exec(version_profile(dataset_id, row.version))).first()
        return detail_from_row(row, list(columns.all()), facts)

    async def list_versions(self, dataset_id: uuid.UUID) -> list[VersionSummary]:
        rows = (await self.session.exec(dataset_versions(dataset_id))).all()
        return [version_summary(v) for v in rows]

    async def get_version(self, dataset_id: uuid.UUID, version: int) -> VersionDetail | None:
        found = (await self.session.exec(dataset_version(dataset_id, version))).first()
        if found is None:
            return None
        columns = await self.session.exec(dataset_columns(dataset_id, version))
        facts = (await self.session.exec(version_profile(dataset_id, version))).first()
        return version_detail(found, list(columns.all()), facts)

    async def add_version_profile(self, profile: DatasetVersionProfile) -> None:
        table = DatasetVersionProfile.__table__  # type: ignore[attr-defined]
        await self.session.exec(
            insert(table)
            .values(profile.model_dump())
            .on_conflict_do_nothing(index_elements=["dataset_id", "version"])
        )

    # --- specs and drift

    async def dataset_name(self, dataset_id: uuid.UUID) -> str | None:
        dataset = await self.session.get(Dataset, dataset_id)
        if dataset is not None:
            return dataset.name
        source = await self.session.get(Source, dataset_id)  # a source's dataset has its id
        return source.name if source is not None and source.deleted_at is None else None

    async def add_spec(self, record: DatasetSpecRecord) -> DatasetSpecRecord:
        # Serialises spec versions of one dataset (two providers saving at once).
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('catalog.dataset_spec'), hashtext(:d))"),
            {"d": str(record.dataset_id)},
        )
        latest = (
            await self.session.exec(
                select(func.coalesce(func.max(DatasetSpecRecord.version), 0)).where(
                    DatasetSpecRecord.dataset_id == record.dataset_id
                )
            )
        ).one()
        record.version = int(latest) + 1
        self.session.add(record)
        await self.session.flush()
        return record

    async def list_specs(self, dataset_id: uuid.UUID) -> list[DatasetSpecRecord]:
        rows = await self.session.exec(
            select(DatasetSpecRecord)
            .where(DatasetSpecRecord.dataset_id == dataset_id)
            .order_by(col(DatasetSpecRecord.version).desc())
        )
        return list(rows.all())

    async def add_schema_change(self, record: SchemaChangeRecord) -> bool:
        return await self._add_event_record(record)

    async def list_schema_changes(self, dataset_id: uuid.UUID) -> list[SchemaChangePublic]:
        rows = await self.session.exec(schema_changes(dataset_id))
        return [schema_change_public(r) for r in rows.all()]

    async def add_source_failure(self, record: SourceFailureRecord) -> bool:
        return await self._add_event_record(record)

    async def _add_event_record(self, record: SchemaChangeRecord | SourceFailureRecord) -> bool:
        """Insert a row keyed by its event id; False when that event was recorded already."""
        table = type(record).__table__  # type: ignore[attr-defined]
        inserted = await self.session.exec(
            insert(table)
            .values(record.model_dump())
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(table.c.event_id)
        )
        return inserted.first() is not None


def sql_repository_scope(sessions: async_sessionmaker[AsyncSession]) -> RepositoryScope:
    """A factory of unit-of-work scopes for code outside a request (consumers, start-up)."""

    @asynccontextmanager
    async def scope() -> AsyncIterator[CatalogRepository]:
        async with sessions() as session:
            yield SqlCatalogRepository(session)

    return scope
