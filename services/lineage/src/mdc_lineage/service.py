"""The lineage domain: one ingest function for both doors, and the read side's queries."""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict
from enum import StrEnum
from typing import Any

from mdc_common.errors import NotFound
from mdc_common.logging import event_context
from mdc_contracts.lineage import RunEvent

from mdc_lineage.errors import InvalidEvent
from mdc_lineage.graph import Direction as WalkDirection
from mdc_lineage.graph import lineage_graph
from mdc_lineage.graph_service import GraphSource
from mdc_lineage.ingest import map_run_event
from mdc_lineage.metrics import LineageMetrics
from mdc_lineage.nodes import NodeKey, NodeKind, NodeRef, parse_node_id
from mdc_lineage.ports import LineageStore, RunDatasetView
from mdc_lineage.presenters import (
    dataset_data,
    dataset_run_data,
    dataset_version_item,
    run_data,
    run_dataset_versions,
    version_data,
)
from mdc_lineage.records import EntityKey, IngestOutcome

log = logging.getLogger(__name__)


class Door(StrEnum):
    """Where an event came in."""

    HTTP = "http"
    KAFKA = "kafka"


class LineageService:
    def __init__(
        self,
        store: LineageStore,
        metrics: LineageMetrics,
        graph_max_nodes: int,
        graph: GraphSource | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.graph_max_nodes = graph_max_nodes
        self.graph = graph  # the in-memory graph; without it, lineage walks the store

    async def ingest(self, event: RunEvent, door: Door) -> IngestOutcome:
        """Store one RunEvent idempotently: the same (runId, eventType, eventTime) twice changes
        nothing. Raises InvalidEvent (a BadInput) for an event that cannot be stored."""
        with event_context(event.run.runId):
            return await self._ingest(event, door)

    async def _ingest(self, event: RunEvent, door: Door) -> IngestOutcome:
        try:
            records = map_run_event(event)
            stored = await self.store.store(records, door.value)
            if stored and self.graph is not None:
                self.graph.note_local_write()  # the next read includes this event's edges
        except InvalidEvent as err:
            self.reject(door, err.reason)
            raise
        outcome = "stored" if stored else "duplicate"
        self.metrics.events_ingested.labels(door.value, event.eventType.value, outcome).inc()
        log.info(
            "run event %s",
            outcome,
            extra={
                "door": door.value,
                "run_id": str(event.run.runId),
                "event_type": event.eventType.value,
                "job": f"{event.job.namespace}:{event.job.name}",
                "warnings": list(records.warnings),
            },
        )
        return IngestOutcome(event.run.runId, event.eventType, stored, list(records.warnings))

    def reject(self, door: Door, reason: str) -> None:
        self.metrics.events_rejected.labels(door.value, reason).inc()

    async def lineage(
        self, node_id: str, depth: int, direction: WalkDirection = WalkDirection.BOTH
    ) -> dict[str, Any]:
        parsed = parse_node_id(node_id)
        started = time.perf_counter()
        # In memory when the graph is in sync, else from the store (a query per level).
        memory = await self.graph.reader() if self.graph is not None else None
        reader = memory or self.store
        self.metrics.graph_reads.labels("memory" if memory else "database").inc()
        existing = await reader.find_nodes(parsed.candidates)
        chosen = parsed.preferred([ref.key for ref in existing])
        if chosen is None:
            raise NotFound(f"no {parsed.kind.prefix} matches nodeId {node_id!r}")
        focus = next(ref for ref in existing if ref.key == chosen)
        graph = await lineage_graph(reader, focus, depth, self.graph_max_nodes, direction)
        self.metrics.graph_seconds.observe(time.perf_counter() - started)
        return graph

    async def _node(self, kind: NodeKind, namespace: str, name: str) -> NodeRef:
        found = await self.store.find_nodes([NodeKey(kind, namespace, name)])
        if not found:
            raise NotFound(f"no {kind.prefix} named {name!r} in namespace {namespace!r}")
        return found[0]

    async def job_runs(self, namespace: str, name: str, limit: int, offset: int) -> dict[str, Any]:
        job = await self._node(NodeKind.JOB, namespace, name)
        runs, total = await self.store.job_runs(job, limit, offset)
        ios = await self.store.run_datasets([r.run_id for r in runs]) if runs else []
        by_run: dict[uuid.UUID, list[RunDatasetView]] = defaultdict(list)
        for io in ios:
            by_run[io.run_id].append(io)
        return {
            "runs": [{**run_data(r), **run_dataset_versions(by_run[r.run_id])} for r in runs],
            "totalCount": total,
        }

    async def dataset(self, namespace: str, name: str, version_limit: int) -> dict[str, Any]:
        ref = await self._node(NodeKind.DATASET, namespace, name)
        (view,) = await self.store.datasets([ref])
        versions = await self.store.dataset_versions(ref, version_limit)
        return {**dataset_data(view), "versions": [version_data(v) for v in versions]}

    async def dataset_runs(
        self, namespace: str, name: str, limit: int, offset: int
    ) -> dict[str, Any]:
        ref = await self._node(NodeKind.DATASET, namespace, name)
        runs, total = await self.store.dataset_runs(ref, limit, offset)
        return {"runs": [dataset_run_data(r) for r in runs], "totalCount": total}

    async def dataset_versions(
        self, namespace: str, name: str, limit: int, offset: int
    ) -> dict[str, Any]:
        ref = await self._node(NodeKind.DATASET, namespace, name)
        versions, total = await self.store.dataset_version_page(ref, limit, offset)
        key = EntityKey(namespace, name)
        return {"versions": [dataset_version_item(key, v) for v in versions], "totalCount": total}
