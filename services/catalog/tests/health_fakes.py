"""An in-memory HealthRepository and builders of sources, datasets and schema changes.

The fake filters with the pure rules of `cadence.py`/`health_view.py`, the same rules the SQL
statements of `health_queries.py` encode; the SQL itself is checked by compiling it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from mdc_catalog.health_repository import SchemaChangeRow, SourceRow
from mdc_catalog.health_view import (
    SUMMARY_DRIFT_WINDOW,
    SUMMARY_VERSION_WINDOW,
    FailureFilter,
    HealthCounts,
    HealthSort,
    SchemaChangeFilter,
    SortOrder,
    SourceHealthFilter,
    source_failure,
    source_health,
)
from mdc_catalog.models import Dataset, DatasetVersion, SchemaChangeRecord, Source


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


class FakeHealthRepository:
    """Implements HealthRepository over lists."""

    def __init__(self) -> None:
        self.sources: list[Source] = []
        self.datasets: list[Dataset] = []
        self.versions: list[DatasetVersion] = []
        self.schema_change_records: list[SchemaChangeRecord] = []

    def _last_change(self, source: Source) -> datetime | None:
        records = self.schema_change_records
        times = [c.occurred_at for c in records if c.dataset_id == source.dataset_id]
        return max(times, default=None)

    async def source_health(
        self, query: SourceHealthFilter, *, now: datetime, grace_factor: float
    ) -> tuple[list[SourceRow], int]:
        rows: list[SourceRow] = []
        for source in self.sources:
            changed_at = self._last_change(source)
            view = source_health(
                source,
                last_schema_change_at=changed_at,
                now=now,
                grace_factor=grace_factor,
                drift_days=query.drift_days,
            )
            wanted = [
                source.deleted_at is None,
                query.active in (None, source.active),
                query.stale in (None, view.stale),
                query.failing in (None, view.last_error is not None),
                query.drifting in (None, view.drifting),
                query.publisher is None
                or (source.publisher or "").lower() == query.publisher.lower(),
                query.tag is None or query.tag in source.tags,
                query.name is None or query.name.lower() in source.name.lower(),
            ]
            if all(wanted):
                rows.append((source, changed_at))
        sort_key = {
            HealthSort.NAME: lambda s: s.name,
            HealthSort.LAST_CHECKED_AT: lambda s: s.last_checked_at,
            HealthSort.LAST_CHANGED_AT: lambda s: s.last_changed_at,
            HealthSort.CONSECUTIVE_FAILURES: lambda s: s.consecutive_failures,
            HealthSort.DUE_AT: lambda s: (
                source_health(
                    s, last_schema_change_at=None, now=now, grace_factor=grace_factor, drift_days=1
                ).due_at
            ),
        }[query.sort]
        known = [row for row in rows if sort_key(row[0]) is not None]
        unknown = [row for row in rows if sort_key(row[0]) is None]  # last, as NULLS LAST
        known.sort(key=lambda row: sort_key(row[0]), reverse=query.order is SortOrder.DESC)
        ordered = known + sorted(unknown, key=lambda row: row[0].name)
        return ordered[query.offset : query.offset + query.limit], len(ordered)

    async def failures(self, query: FailureFilter) -> tuple[list[Source], int]:
        found = []
        for source in self.sources:
            failure = source_failure(source)
            if source.deleted_at is not None or failure is None:
                continue
            if query.since is None or failure.failed_at >= query.since:
                found.append((failure.failed_at, source))
        found.sort(key=lambda pair: pair[0], reverse=True)
        page = [source for _, source in found[query.offset : query.offset + query.limit]]
        return page, len(found)

    async def schema_changes(self, query: SchemaChangeFilter) -> tuple[list[SchemaChangeRow], int]:
        datasets = {d.id: d for d in self.datasets}
        rows: list[SchemaChangeRow] = []
        for change in sorted(self.schema_change_records, key=lambda c: c.occurred_at, reverse=True):
            dataset = datasets.get(change.dataset_id)
            name = dataset.name if dataset else None
            wanted = [
                query.breaking in (None, change.breaking),
                query.since is None or change.occurred_at >= query.since,
                query.dataset_id in (None, change.dataset_id),
                query.dataset is None or name == query.dataset,
            ]
            if all(wanted):
                rows.append((change, name, dataset.source_id if dataset else None))
        return rows[query.offset : query.offset + query.limit], len(rows)

    async def counts(self, *, now: datetime, grace_factor: float) -> HealthCounts:
        live = [s for s in self.sources if s.deleted_at is None]
        views = [
            source_health(
                s,
                last_schema_change_at=self._last_change(s),
                now=now,
                grace_factor=grace_factor,
                drift_days=SUMMARY_DRIFT_WINDOW // timedelta(days=1),
            )
            for s in live
        ]
        return HealthCounts(
            sources=len(live),
            active=sum(s.active for s in live),
            failing=sum(source_failure(s) is not None for s in live),
            stale=sum(v.stale for v in views),
            drifting=sum(v.drifting for v in views),
            datasets=len(self.datasets),
            recent_versions=sum(
                v.created_at >= now - SUMMARY_VERSION_WINDOW for v in self.versions
            ),
        )
