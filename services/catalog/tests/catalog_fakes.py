"""In-memory stand-ins for the repository and the definitions topic, and event factories."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from mdc_catalog.audit import AuditEntry, AuditFilter
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
from mdc_catalog.queries import public_columns, schema_change_public, version_facts
from mdc_catalog.repository import CatalogRepository, RepositoryScope
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
from mdc_common.errors import Conflict
from mdc_contracts import (
    ColumnProfile,
    DatasetProcessingFailed,
    DatasetSpecPublished,
    DatasetVersionCreated,
    SourceChecked,
    SourceDefined,
)

PROVIDER_KEY = "provider-key-1"
AUTH = {"Authorization": f"Bearer {PROVIDER_KEY}"}


def _copy(source: Source) -> Source:
    return Source.model_validate(source.model_dump())


class FakeRepository:
    """Implements CatalogRepository. Source changes become visible only on commit, like SQL."""

    def __init__(self) -> None:
        self.sources: dict[uuid.UUID, Source] = {}
        self._staged: dict[uuid.UUID, Source] = {}
        self.datasets: dict[uuid.UUID, Dataset] = {}
        self.versions: dict[tuple[uuid.UUID, int], DatasetVersion] = {}
        self.columns: dict[tuple[uuid.UUID, int], list[DatasetColumn]] = {}
        self.profiles: dict[tuple[uuid.UUID, int], DatasetVersionProfile] = {}
        self.specs: list[DatasetSpecRecord] = []
        self.schema_changes: dict[uuid.UUID, SchemaChangeRecord] = {}
        self.source_failures: dict[uuid.UUID, SourceFailureRecord] = {}
        self.published: dict[uuid.UUID, int] = {}
        self.commits = 0
        self.dataset_queries: list[DatasetFilter] = []
        self.source_queries: list[SourceFilter] = []
        self.refreshed_facts: list[uuid.UUID] = []

    async def commit(self) -> None:
        self.sources.update(self._staged)
        self._staged.clear()
        self.commits += 1

    async def rollback(self) -> None:
        self._staged.clear()

    # --- sources

    async def add_source(self, source: Source) -> None:
        if any(s.name == source.name for s in self.sources.values()):
            raise Conflict(f"a source named {source.name!r} already exists")
        self._staged[source.id] = source

    async def get_source(self, source_id: uuid.UUID, *, for_update: bool = False) -> Source | None:
        if source_id in self._staged:
            return self._staged[source_id]
        stored = self.sources.get(source_id)
        if stored is None:
            return None
        self._staged[source_id] = copy = _copy(stored)  # tracked, as by a session
        return copy

    async def get_source_by_name(self, name: str) -> Source | None:
        return next((s for s in self.sources.values() if s.name == name), None)

    async def list_sources(self, query: SourceFilter) -> tuple[list[Source], int]:
        self.source_queries.append(query)
        found = [
            s
            for s in sorted(self.sources.values(), key=lambda s: (s.name, s.id))
            if (query.name is None or s.name == query.name)
            and (query.active is None or s.active == query.active)
            and (query.include_deleted or s.deleted_at is None)
        ]
        return found[query.offset : query.offset + query.limit], len(found)

    async def sources_to_publish(
        self, *, pending_only: bool, changed_before: datetime | None = None
    ) -> list[Source]:
        return [
            s
            for s in sorted(self.sources.values(), key=lambda s: s.name)
            if (not pending_only or self.published.get(s.id, 0) < s.revision)
            and (changed_before is None or s.updated_at < changed_before)
        ]

    async def mark_published(self, source_id: uuid.UUID, revision: int) -> None:
        self.published[source_id] = max(self.published.get(source_id, 0), revision)

    # --- datasets

    async def upsert_dataset(self, dataset: Dataset) -> None:
        current = self.datasets.get(dataset.id)
        if current is None or current.latest_version < dataset.latest_version:
            if current is not None:
                dataset.created_at = current.created_at
            self.datasets[dataset.id] = dataset

    async def add_version(self, version: DatasetVersion, columns: Sequence[DatasetColumn]) -> bool:
        key = (version.dataset_id, version.version)
        if key in self.versions:
            return False
        self.versions[key] = version
        self.columns[key] = list(columns)
        return True

    async def search_datasets(self, query: DatasetFilter) -> tuple[list[DatasetSummary], int]:
        self.dataset_queries.append(query)
        found = [
            d
            for d in sorted(self.datasets.values(), key=lambda d: (d.name, str(d.id)))
            if self._matches(d, query)
        ]
        page = found[query.offset : query.offset + query.limit]
        return [DatasetSummary.model_validate(self._row(d)) for d in page], len(found)

    async def dataset_facets(self, query: DatasetFilter) -> dict[Facet, list[FacetCount]]:
        # Publisher, license, tags and column types of every match (SQL: tests/integration).
        counts: dict[Facet, Counter[str]] = {facet: Counter() for facet in query.facets or []}
        for dataset in self.datasets.values():
            if not self._matches(dataset, query):
                continue
            source = self.sources.get(dataset.source_id) if dataset.source_id else None
            columns = self.columns.get((dataset.id, dataset.latest_version), [])
            values = {
                Facet.PUBLISHER: [source.publisher] if source and source.publisher else [],
                Facet.LICENSE: [source.license] if source and source.license else [],
                Facet.TAG: list(source.tags) if source else [],
                Facet.STAT_TYPE: sorted({c.stat_type for c in columns}),
            }
            for facet, counter in counts.items():
                counter.update(values[facet])
        return {
            facet: [FacetCount(value=v, count=n) for v, n in sorted(c.items(), key=_by_count)]
            for facet, c in counts.items()
        }

    async def refresh_dataset_facts(self, dataset_id: uuid.UUID) -> None:
        self.refreshed_facts.append(dataset_id)

    async def get_dataset(self, dataset_id: uuid.UUID) -> DatasetDetail | None:
        dataset = self.datasets.get(dataset_id)
        if dataset is None:
            return None
        key = (dataset_id, dataset.latest_version)
        facts = self.profiles.get(key)
        return DatasetDetail.model_validate(
            {
                **self._row(dataset),
                **version_facts(facts),
                "columns": public_columns(self.columns[key], facts),
            }
        )

    async def list_versions(self, dataset_id: uuid.UUID) -> list[VersionSummary]:
        found = [v for (d, _), v in self.versions.items() if d == dataset_id]
        found.sort(key=lambda v: v.version, reverse=True)
        return [VersionSummary.model_validate(v, from_attributes=True) for v in found]

    async def get_version(self, dataset_id: uuid.UUID, version: int) -> VersionDetail | None:
        found = self.versions.get((dataset_id, version))
        if found is None:
            return None
        facts = self.profiles.get((dataset_id, version))
        columns = public_columns(self.columns[(dataset_id, version)], facts)
        return VersionDetail.model_validate(
            {**found.model_dump(), **version_facts(facts), "columns": columns}
        )

    async def add_version_profile(self, profile: DatasetVersionProfile) -> None:
        self.profiles.setdefault((profile.dataset_id, profile.version), profile)

    # --- specs and drift

    async def dataset_name(self, dataset_id: uuid.UUID) -> str | None:
        if dataset_id in self.datasets:
            return self.datasets[dataset_id].name
        source = self.sources.get(dataset_id)
        return source.name if source is not None and source.deleted_at is None else None

    async def add_spec(self, record: DatasetSpecRecord) -> DatasetSpecRecord:
        record.version = 1 + max(
            (r.version for r in self.specs if r.dataset_id == record.dataset_id), default=0
        )
        self.specs.append(record)
        return record

    async def list_specs(self, dataset_id: uuid.UUID) -> list[DatasetSpecRecord]:
        found = [r for r in self.specs if r.dataset_id == dataset_id]
        return sorted(found, key=lambda r: r.version, reverse=True)

    async def add_schema_change(self, record: SchemaChangeRecord) -> bool:
        if record.event_id in self.schema_changes:
            return False
        self.schema_changes[record.event_id] = record
        return True

    async def add_source_failure(self, record: SourceFailureRecord) -> bool:
        if record.event_id in self.source_failures:
            return False
        self.source_failures[record.event_id] = record
        return True

    async def list_schema_changes(self, dataset_id: uuid.UUID) -> list[SchemaChangePublic]:
        found = [r for r in self.schema_changes.values() if r.dataset_id == dataset_id]
        found.sort(key=lambda r: (r.to_version, r.occurred_at), reverse=True)
        return [schema_change_public(r) for r in found]

    def _row(self, dataset: Dataset) -> dict[str, Any]:
        source = self.sources.get(dataset.source_id) if dataset.source_id else None
        return {
            **dataset.model_dump(),
            "version": dataset.latest_version,
            "title": dataset.title or (source.title if source else None),
            "description": dataset.description or (source.description if source else None),
        }

    def _matches(self, dataset: Dataset, query: DatasetFilter) -> bool:
        if query.name is not None and dataset.name != query.name:
            return False
        if query.min_rows is not None and dataset.row_count < query.min_rows:
            return False
        if query.max_rows is not None and dataset.row_count > query.max_rows:
            return False
        if query.q is not None:
            row = self._row(dataset)
            columns = self.columns.get((dataset.id, dataset.latest_version), [])
            texts = [row["name"], row["title"], row["description"], *(c.name for c in columns)]
            return any(query.q.lower() in text.lower() for text in texts if text)
        return True


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def fake_scope(repo: FakeRepository) -> RepositoryScope:
    @asynccontextmanager
    async def scope() -> AsyncIterator[CatalogRepository]:
        yield repo

    return scope


class FakeSink:
    """Collects published definitions; `fail=True` makes every publish raise."""

    def __init__(self) -> None:
        self.events: list[SourceDefined] = []
        self.fail = False

    async def publish(self, event: SourceDefined) -> None:
        if self.fail:
            raise ConnectionError("Kafka is down")
        self.events.append(event)


class FakeSpecSink:
    def __init__(self) -> None:
        self.events: list[DatasetSpecPublished] = []

    async def publish(self, event: DatasetSpecPublished) -> None:
        self.events.append(event)


# --- events --------------------------------------------------------------------------------


def column(name: str, position: int, stat_type: str = "nominal") -> ColumnProfile:
    return ColumnProfile(
        name=name,
        position=position,
        dtype="String",
        stat_type=stat_type,
        stat_type_confidence=0.9,
        stat_type_evidence="test",
        null_count=0,
        distinct_count=3,
        min="a",
        max="c",
    )


def version_created(
    source_id: uuid.UUID,
    version: int = 1,
    *,
    name: str = "penguins",
    created_at: datetime | None = None,
    row_count: int = 344,
    columns: list[ColumnProfile] | None = None,
) -> DatasetVersionCreated:
    return DatasetVersionCreated(
        producer="profiler",
        correlation_id=uuid.uuid4(),
        dataset_id=source_id,
        dataset_name=name,
        source_id=source_id,
        change_id=uuid.uuid4(),
        version=version,
        raw_sha256="ab" * 32,
        parquet_uri=f"s3://mdc-curated/datasets/{name}/v{version}.parquet",
        row_count=row_count,
        columns=columns or [column("species", 0), column("bill_length_mm", 1, "continuous")],
        encoding="utf-8",
        delimiter=",",
        created_at=created_at or datetime.now(UTC),
    )


def checked(source_id: uuid.UUID, outcome: str, at: datetime, **extra: Any) -> SourceChecked:
    return SourceChecked(
        producer="change-detector",
        correlation_id=uuid.uuid4(),
        source_id=source_id,
        url="https://data.example.org/penguins.csv",
        outcome=outcome,
        checked_at=at,
        duration_ms=12.5,
        **extra,
    )


def processing_failed(source_id: uuid.UUID, at: datetime) -> DatasetProcessingFailed:
    return DatasetProcessingFailed(
        producer="profiler",
        correlation_id=uuid.uuid4(),
        occurred_at=at,
        dataset_name="penguins",
        source_id=source_id,
        change_id=uuid.uuid4(),
        raw_uri="s3://mdc-raw/sha256/ab/abab.csv",
        stage="parse",
        reason="not a CSV file: looks like an HTML page",
        row=1,
    )


class FakeAuditLog:
    """Implements AuditLog in memory; entries are kept in order of recording."""

    def __init__(self) -> None:
        self.recorded: list[AuditEntry] = []

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
        self.recorded.append(
            AuditEntry(
                id=uuid.uuid4(),
                at=datetime.now(UTC),
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
        found = [
            e
            for e in reversed(self.recorded)
            if (query.actor is None or e.actor == query.actor)
            and (query.action is None or e.action == query.action)
            and (query.target_type is None or e.target_type == query.target_type)
            and (query.target_id is None or e.target_id == query.target_id)
            and (query.since is None or e.at >= query.since)
        ]
        return found[query.offset : query.offset + query.limit], len(found)
