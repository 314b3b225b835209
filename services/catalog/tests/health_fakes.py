"""An in-memory HealthRepository and builders of sources, datasets, failures and schema changes.

The fake filters with the pure rules of `cadence.py`/`health_view.py`, the same rules the SQL
statements of `health_queries.py` encode; the SQL itself is checked by compiling it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from mdc_catalog.health_repository import AttentionRow, FailureRow, SchemaChangeRow, SourceRow
from mdc_catalog.health_view import (
    SUMMARY_DRIFT_WINDOW,
    SUMMARY_RECENT_WINDOW,
    FailureFilter,
    HealthCounts,
    HealthSort,
    SchemaChangeFilter,
    SortOrder,
    SourceHealthFilter,
    SourceStatus,
    source_health,
)
from mdc_catalog.models import (
    Dataset,
    DatasetVersion,
    SchemaChangeRecord,
    Source,
    SourceFailureRecord,
)


def make_source(name: str, created_at: datetime, **fields: Any) -> Source:
    return Source(
        name=name, url=f"https://data.example.org/{name}.csv", created_at=created_at, **fields
    )


def make_dataset(name: str, source: Source | None, at: datetime) -> Dataset:
    dataset = Dataset(
        id=uuid.uuid4(),
        name=name,
        source_id=source.id if source else None,
        latest_version=1,
        row_count=10,
        column_count=2,
        parquet_uri=f"s3://datasets/{name}/1.parquet",
        raw_sha256="0" * 64,
        encoding="utf-8",
        delimiter=",",
        updated_at=at,
        created_at=at,
    )
    if source is not None:
        source.dataset_id = dataset.id
    return dataset


def make_version(dataset: Dataset, version: int, at: datetime) -> DatasetVersion:
    return DatasetVersion(
        dataset_id=dataset.id,
        version=version,
        source_id=dataset.source_id,
        change_id=uuid.uuid4(),
        event_id=uuid.uuid4(),
        row_count=10,
        column_count=2,
        raw_sha256="0" * 64,
        parquet_uri=f"s3://datasets/{dataset.name}/{version}.parquet",
        encoding="utf-8",
        delimiter=",",
        created_at=at,
    )


def make_schema_change(
    dataset: Dataset, to_version: int, at: datetime, *, breaking: bool
) -> SchemaChangeRecord:
    kind = "column_removed" if breaking else "column_added"
    return SchemaChangeRecord(
        event_id=uuid.uuid4(),
        dataset_id=dataset.id,
        from_version=to_version - 1,
        to_version=to_version,
        breaking=breaking,
        changes=[{"kind": kind, "column": "price", "breaking": breaking, "detail": kind}],
        occurred_at=at,
    )


def make_failure(
    source: Source, at: datetime, *, kind: str = "download", **fields: Any
) -> SourceFailureRecord:
    defaults: dict[str, Any] = (
        {"reason": "http_status", "message": "HTTP 404", "http_status": 404}
        if kind == "download"
        else {"reason": "processing", "stage": "parse", "message": "not a CSV file"}
    )
    return SourceFailureRecord(
        event_id=uuid.uuid4(),
        source_id=source.id,
        kind=kind,
        occurred_at=at,
        **{**defaults, **fields},
    )


def _contains(text: str | None, part: str | None) -> bool:
    return part is None or part.lower() in (text or "").lower()


def _same(text: str | None, wanted: str | None) -> bool:
    return wanted is None or (text or "").lower() == wanted.strip().lower()


class FakeHealthRepository:
    """Implements HealthRepository over lists."""

    def __init__(self) -> None:
        self.sources: list[Source] = []
        self.datasets: list[Dataset] = []
        self.versions: list[DatasetVersion] = []
        self.schema_change_records: list[SchemaChangeRecord] = []
        self.failure_records: list[SourceFailureRecord] = []

    def _last_change(self, source: Source) -> datetime | None:
        records = self.schema_change_records
        times = [c.occurred_at for c in records if c.dataset_id == source.dataset_id]
        return max(times, default=None)

    def _view(self, source: Source, now: datetime, grace_factor: float, drift_days: int) -> Any:
        return source_health(
            source,
            last_schema_change_at=self._last_change(source),
            now=now,
            grace_factor=grace_factor,
            drift_days=drift_days,
        )

    async def source_health(
        self, query: SourceHealthFilter, *, now: datetime, grace_factor: float
    ) -> tuple[list[SourceRow], int]:
        rows: list[SourceRow] = []
        for source in self.sources:
            view = self._view(source, now, grace_factor, query.drift_days)
            wanted = [
                source.deleted_at is None,
                query.status is None or view.status in query.status,
                query.active in (None, source.active),
                query.stale in (None, view.stale),
                query.failing in (None, view.last_error is not None),
                query.drifting in (None, view.drifting),
                query.checked in (None, source.last_checked_at is not None),
                _same(source.publisher, query.publisher),
                query.tag is None or query.tag in source.tags,
                query.cadence in (None, source.cadence),
                _contains(source.name, query.name),
            ]
            if all(wanted):
                rows.append((source, view.last_schema_change_at))

        def sort_key(source: Source) -> Any:
            match query.sort:
                case HealthSort.NAME:
                    return source.name
                case HealthSort.DUE_AT:
                    return self._view(source, now, grace_factor, 1).due_at
                case _:
                    return getattr(source, query.sort.value)

        rows.sort(key=lambda row: (row[0].name, str(row[0].id)))  # the tie-breakers
        known = [row for row in rows if sort_key(row[0]) is not None]
        unknown = [row for row in rows if sort_key(row[0]) is None]  # last, as NULLS LAST
        known.sort(key=lambda row: sort_key(row[0]), reverse=query.order is SortOrder.DESC)
        ordered = known + unknown
        return ordered[query.offset : query.offset + query.limit], len(ordered)

    async def attention(self, *, now: datetime, grace_factor: float) -> list[AttentionRow]:
        since = now - SUMMARY_DRIFT_WINDOW
        rows: list[AttentionRow] = []
        for source in sorted(self.sources, key=lambda s: s.name):
            view = self._view(source, now, grace_factor, SUMMARY_DRIFT_WINDOW.days)
            if source.deleted_at is not None or not source.active:
                continue
            if view.last_error is not None or view.stale or view.drifting:
                breaking = any(
                    c.breaking and c.occurred_at >= since
                    for c in self.schema_change_records
                    if c.dataset_id == source.dataset_id
                )
                rows.append((source, view.last_schema_change_at, breaking))
        return rows

    async def failures(self, query: FailureFilter) -> tuple[list[FailureRow], int]:
        sources = {s.id: s for s in self.sources if s.deleted_at is None}
        rows: list[FailureRow] = []
        for record in self.failure_records:
            source = sources.get(record.source_id)
            if source is None:
                continue
            wanted = [
                query.since is None or record.occurred_at >= query.since,
                query.until is None or record.occurred_at < query.until,
                query.kind in (None, record.kind),
                query.reason in (None, record.reason),
                query.stage in (None, record.stage),
                query.source_id in (None, record.source_id),
                _contains(source.name, query.source),
                _same(source.publisher, query.publisher),
            ]
            if all(wanted):
                rows.append((record, source.name, source.publisher))
        rows.sort(key=lambda row: str(row[0].event_id))
        rows.sort(key=lambda row: row[0].occurred_at, reverse=True)
        return rows[query.offset : query.offset + query.limit], len(rows)

    async def schema_changes(self, query: SchemaChangeFilter) -> tuple[list[SchemaChangeRow], int]:
        datasets = {d.id: d for d in self.datasets}
        sources = {s.id: s for s in self.sources}
        rows: list[SchemaChangeRow] = []
        for change in self.schema_change_records:
            dataset = datasets.get(change.dataset_id)
            name = dataset.name if dataset else None
            source_id = dataset.source_id if dataset else None
            source = sources.get(source_id) if source_id else None
            source_name = source.name if source else None
            publisher = source.publisher if source else None
            wanted = [
                query.breaking in (None, change.breaking),
                query.since is None or change.occurred_at >= query.since,
                query.until is None or change.occurred_at < query.until,
                query.dataset_id in (None, change.dataset_id),
                query.dataset is None or name == query.dataset,
                query.source_id in (None, source_id),
                query.source is None
                or (source is not None and _contains(source_name, query.source)),
                query.publisher is None
                or (source is not None and _same(publisher, query.publisher)),
            ]
            if all(wanted):
                rows.append((change, name, source_id, source_name, publisher))
        rows.sort(key=lambda row: str(row[0].event_id))
        rows.sort(key=lambda row: (row[0].occurred_at, row[0].to_version), reverse=True)
        return rows[query.offset : query.offset + query.limit], len(rows)

    async def counts(self, *, now: datetime, grace_factor: float) -> HealthCounts:
        live = [s for s in self.sources if s.deleted_at is None]
        views = [self._view(s, now, grace_factor, SUMMARY_DRIFT_WINDOW.days) for s in live]
        live_ids = {s.id for s in live}
        return HealthCounts(
            sources=len(live),
            active=sum(s.active for s in live),
            failing=sum(v.last_error is not None for v in views),
            stale=sum(v.stale for v in views),
            drifting=sum(v.drifting for v in views),
            never_checked=sum(s.active and s.last_checked_at is None for s in live),
            by_status={s: sum(v.status is s for v in views) for s in SourceStatus},
            recent_failures=sum(
                f.source_id in live_ids and f.occurred_at >= now - SUMMARY_RECENT_WINDOW
                for f in self.failure_records
            ),
            datasets=len(self.datasets),
            recent_versions=sum(v.created_at >= now - SUMMARY_RECENT_WINDOW for v in self.versions),
        )

    async def prune_failures(self, before: datetime) -> int:
        kept = [f for f in self.failure_records if f.occurred_at >= before]
        pruned = len(self.failure_records) - len(kept)
        self.failure_records = kept
        return pruned
