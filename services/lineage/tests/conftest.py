"""An in-memory LineageStore (same interface and merge rules as the PostgreSQL one) and fixtures."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from faststream.kafka import KafkaBroker, TestKafkaBroker
from mdc_lineage.app import create_app
from mdc_lineage.config import LineageSettings
from mdc_lineage.merging import (
    EdgeWrite,
    edge_write,
    merge_column_edge,
    merge_run,
    merge_run_dataset,
    replaces_current_version,
    replaces_fields,
)
from mdc_lineage.metrics import LineageMetrics
from mdc_lineage.nodes import NodeKey, NodeKind, NodeRef
from mdc_lineage.ports import (
    DatasetRunView,
    DatasetVersionView,
    DatasetView,
    GraphEdge,
    JobView,
    RunDatasetView,
    RunView,
)
from mdc_lineage.records import (
    ColumnEdgeSnapshot,
    CurrentVersion,
    Direction,
    EntityKey,
    IngestRecords,
    RunDatasetSnapshot,
    RunSnapshot,
)
from mdc_lineage.service import LineageService

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@dataclass
class _Dataset:
    ref: NodeRef
    created_at: datetime
    fields: list[dict[str, Any]] | None = None
    fields_at: datetime | None = None
    current: CurrentVersion | None = None
    versions: dict[str, DatasetVersionView] = field(default_factory=dict)


class InMemoryLineageStore:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.events: dict[tuple[uuid.UUID, str, datetime], dict[str, Any]] = {}
        self.namespaces: set[str] = set()
        self.jobs_by_key: dict[EntityKey, NodeRef] = {}
        self.datasets_by_key: dict[EntityKey, _Dataset] = {}
        self.runs: dict[uuid.UUID, tuple[RunSnapshot, datetime]] = {}
        self.edges: dict[tuple[int, int, Direction], tuple[GraphEdge, uuid.UUID]] = {}
        self.edge_seen: dict[tuple[int, int, Direction], datetime] = {}  # last_seen_at
        # (job, input, input_field, output, output_field) -> the stored column edge
        self.column_edges: dict[
            tuple[EntityKey, EntityKey, str, EntityKey, str], ColumnEdgeSnapshot
        ] = {}
        # (run, dataset, direction) -> what the run read or wrote
        self.run_io: dict[tuple[uuid.UUID, EntityKey, Direction], RunDatasetSnapshot] = {}
        self.edge_queries = 0

    def _ref(self, kind: NodeKind, key: EntityKey) -> NodeRef:
        return NodeRef(NodeKey(kind, key.namespace, key.name), next(self._ids))

    async def store(self, records: IngestRecords, door: str) -> bool:
        run = records.run
        event_key = (run.run_id, run.event_type.value, run.event_time)
        if event_key in self.events:
            return False
        previous = self.runs.get(run.run_id)
        merged = merge_run(previous[0] if previous else None, run)  # may raise: nothing written
        self.events[event_key] = records.payload
        self.namespaces.update(records.namespaces)
        job = self.jobs_by_key.setdefault(run.job, self._ref(NodeKind.JOB, run.job))
        self.runs[run.run_id] = (merged, previous[1] if previous else T0)
        for record in records.datasets:
            if record.key not in self.datasets_by_key:
                ref = self._ref(NodeKind.DATASET, record.key)
                self.datasets_by_key[record.key] = _Dataset(ref, T0)
            dataset = self.datasets_by_key[record.key]
            if record.fields is not None and replaces_fields(dataset.fields_at, run.event_time):
                dataset.fields, dataset.fields_at = record.fields, run.event_time
        for version in records.versions:
            dataset = self.datasets_by_key[version.dataset]
            candidate = CurrentVersion(version.version, run.event_time, version.written)
            if replaces_current_version(dataset.current, candidate):
                dataset.current = candidate
            dataset.versions.setdefault(
                version.version,
                DatasetVersionView(
                    version.version,
                    version.origin,
                    run.run_id,
                    run.event_time,
                    version.row_count,
                    version.byte_count,
                    version.fields,
                ),
            )
        self._store_edges(records, job)
        for io in records.run_datasets:
            io_key = (run.run_id, io.dataset, io.direction)
            self.run_io[io_key] = merge_run_dataset(self.run_io.get(io_key), io, run.event_time)
        return True

    def _store_edges(self, records: IngestRecords, job: NodeRef) -> None:
        """As the PostgreSQL store: merging.edge_write says which event may write edges."""
        run, write = records.run, edge_write(records.run.event_type)
        if write is EdgeWrite.SKIP:
            return
        for edge in records.edges:
            ref = self.datasets_by_key[edge.dataset].ref
            key = (job.row_id, ref.row_id, edge.direction)
            seen = self.edge_seen.get(key)
            if seen is None or (write is EdgeWrite.RECORD and run.event_time >= seen):
                self.edges[key] = (GraphEdge(job, ref, edge.direction), run.run_id)
            if seen is None or write is EdgeWrite.RECORD:
                self.edge_seen[key] = max(seen or run.event_time, run.event_time)
        for column in records.column_edges:
            column_key = (run.job, *column.key)
            known = self.column_edges.get(column_key)
            if known is None or write is EdgeWrite.RECORD:
                self.column_edges[column_key] = merge_column_edge(
                    known, column, run.run_id, run.event_time
                )

    async def find_nodes(self, keys: Sequence[NodeKey]) -> list[NodeRef]:
        refs = [*self.jobs_by_key.values(), *(d.ref for d in self.datasets_by_key.values())]
        return [r for r in refs if r.key in set(keys)]

    async def edges_near(
        self, upstream_of: Collection[NodeRef], downstream_of: Collection[NodeRef]
    ) -> list[GraphEdge]:
        self.edge_queries += 1
        return [
            edge
            for edge, _ in self.edges.values()
            if edge.destination in upstream_of or edge.origin in downstream_of
        ]

    async def datasets(self, refs: Collection[NodeRef]) -> list[DatasetView]:
        return [
            DatasetView(
                d.ref,
                d.created_at,
                d.created_at,
                d.fields,
                d.current.version if d.current else None,
                d.current.seen_at if d.current else None,
            )
            for d in self.datasets_by_key.values()
            if d.ref in refs
        ]

    def _run_view(self, run_id: uuid.UUID) -> RunView:
        s, created = self.runs[run_id]
        return RunView(
            run_id,
            s.job,
            s.state,
            s.started_at,
            s.ended_at,
            created,
            created,
            s.parent_run_id,
            s.parent_job,
            s.error_message,
        )

    def _runs_of(self, ref: NodeRef) -> list[RunView]:
        job = EntityKey(ref.key.namespace, ref.key.name)
        views = [self._run_view(run_id) for run_id, (s, _) in self.runs.items() if s.job == job]
        return sorted(views, key=_recency, reverse=True)

    async def jobs(self, refs: Collection[NodeRef]) -> list[JobView]:
        return [
            JobView(ref, T0, T0, next(iter(self._runs_of(ref)), None))
            for ref in self.jobs_by_key.values()
            if ref in refs
        ]

    async def dataset_versions(self, ref: NodeRef, limit: int) -> list[DatasetVersionView]:
        dataset = next(d for d in self.datasets_by_key.values() if d.ref == ref)
        return sorted(dataset.versions.values(), key=lambda v: v.created_at, reverse=True)[:limit]

    async def job_runs(self, ref: NodeRef, limit: int, offset: int) -> tuple[list[RunView], int]:
        runs = self._runs_of(ref)
        return runs[offset : offset + limit], len(runs)

    def _run_dataset_views(self) -> list[RunDatasetView]:
        return [
            RunDatasetView(
                run_id, dataset, direction, s.version, s.row_count, s.byte_count, s.event_time
            )
            for (run_id, dataset, direction), s in sorted(
                self.run_io.items(), key=lambda item: (item[0][1], item[0][2])
            )
        ]

    async def run_datasets(self, run_ids: Collection[uuid.UUID]) -> list[RunDatasetView]:
        return [io for io in self._run_dataset_views() if io.run_id in set(run_ids)]

    async def dataset_runs(
        self, ref: NodeRef, limit: int, offset: int
    ) -> tuple[list[DatasetRunView], int]:
        dataset = EntityKey(ref.key.namespace, ref.key.name)
        found = [
            DatasetRunView(self._run_view(io.run_id), io)
            for io in self._run_dataset_views()
            if io.dataset == dataset
        ]
        # Latest run first (as a job's runs), then input before output.
        found.sort(key=lambda r: r.io.direction.value)
        found.sort(key=lambda r: _recency(r.run), reverse=True)
        return found[offset : offset + limit], len(found)

    async def dataset_version_page(
        self, ref: NodeRef, limit: int, offset: int
    ) -> tuple[list[DatasetVersionView], int]:
        dataset = next(d for d in self.datasets_by_key.values() if d.ref == ref)
        versions = await self.dataset_versions(ref, limit=len(dataset.versions))
        return versions[offset : offset + limit], len(versions)

    async def ping(self) -> None:
        return None

    def run(self, run_id: uuid.UUID) -> RunSnapshot:
        return self.runs[run_id][0]

    def edge_run(self, job: str, dataset: str, direction: Direction) -> uuid.UUID:
        for edge, run_id in self.edges.values():
            if (edge.job.key.name, edge.dataset.key.name, edge.direction) == (
                job,
                dataset,
                direction,
            ):
                return run_id
        raise KeyError((job, dataset, direction))


def _recency(run: RunView) -> datetime:
    return run.started_at or run.ended_at or run.created_at


@pytest.fixture
def store() -> InMemoryLineageStore:
    return InMemoryLineageStore()


@pytest.fixture
def service(store: InMemoryLineageStore) -> LineageService:
    return LineageService(store, LineageMetrics("lineage"), graph_max_nodes=1000)


@pytest.fixture
def broker() -> KafkaBroker:
    return KafkaBroker()


@pytest.fixture
async def client(store: InMemoryLineageStore, broker: KafkaBroker) -> AsyncIterator[TestClient]:
    """The real app around the fake store; the Kafka broker is in memory (TestKafkaBroker)."""
    app = create_app(LineageSettings(max_event_bytes=64 * 1024), store=store, broker=broker)
    async with TestKafkaBroker(broker):
        with TestClient(app) as test_client:
            yield test_client


def ol_event(
    event_type: str = "COMPLETE",
    *,
    run_id: uuid.UUID | None = None,
    job: str = "standardize",
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    event_time: datetime = T0,
    run_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A RunEvent as JSON, the way a client posts it."""
    return {
        "eventType": event_type,
        "eventTime": event_time.isoformat(),
        "run": {"runId": str(run_id or uuid.uuid4()), "facets": run_facets or {}},
        "job": {"namespace": "mdc", "name": job, "facets": {}},
        "inputs": inputs or [],
        "outputs": outputs or [],
        "producer": "https://example.org/test",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }


@pytest.fixture
def make_event() -> Any:
    return ol_event


@pytest.fixture
def t0() -> datetime:
    return T0
