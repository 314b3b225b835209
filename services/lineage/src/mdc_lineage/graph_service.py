"""Reads of the lineage graph answered from memory: column lineage, impact, exports (and, in
LineageService, Marquez's lineage).

The graph's structure comes from a GraphSource (the synced in-memory index; a fixed one in
tests); node details (schema, versions, latest run) from the store, for an answer's nodes only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Protocol

from mdc_common.errors import BadInput, NotFound

from mdc_lineage.exports import ExportFormat, GraphPart, render
from mdc_lineage.graph import Direction as WalkDirection
from mdc_lineage.graph import GraphReader, walk_lineage
from mdc_lineage.graph_index import FIELD_PREFIX, FieldRef, LineageGraphIndex
from mdc_lineage.impact import dataset_fields, impact, render_columns, walk_columns
from mdc_lineage.metrics import LineageMetrics
from mdc_lineage.nodes import MAX_NODE_ID_CHARS, NodeKey, NodeKind, NodeRef, parse_node_id
from mdc_lineage.ports import LineageStore


class GraphSource(Protocol):
    async def current(self) -> LineageGraphIndex:
        """The graph with everything this process stored so far."""
        ...

    def note_local_write(self) -> None:
        """This process stored an event (the next `current` includes it)."""

    async def reader(self) -> GraphReader | None:
        """The graph and its node details in memory, or None (then read the store)."""


class FixedGraph:
    """A graph that does not change (tests, exports of a snapshot)."""

    def __init__(self, index: LineageGraphIndex) -> None:
        self.index = index

    async def current(self) -> LineageGraphIndex:
        return self.index

    def note_local_write(self) -> None:
        pass

    async def reader(self) -> GraphReader | None:
        return None  # structure only: details come from the store


class GraphService:
    def __init__(
        self, store: LineageStore, graph: GraphSource, metrics: LineageMetrics, max_nodes: int
    ) -> None:
        self.store = store
        self.graph = graph
        self.metrics = metrics
        self.max_nodes = max_nodes

    async def column_lineage(
        self, node_id: str, depth: int, with_downstream: bool
    ) -> dict[str, Any]:
        """Marquez's GET /api/v1/column-lineage: a column (`datasetField:NS:NAME:FIELD`) or
        every column of a dataset (`dataset:NS:NAME`), upstream, and downstream on request."""
        index = await self.graph.current()
        if node_id.startswith(f"{FIELD_PREFIX}:"):
            start = [find_field(index, node_id)]
        else:
            start = dataset_fields(index, find_node(index, node_id, NodeKind.DATASET))
        graph = walk_columns(index, start, depth, with_downstream, self.max_nodes)
        datasets = sorted({f.dataset for f in graph.hops})
        types: dict[FieldRef, str | None] = {}
        for view in await self.store.datasets(datasets) if datasets else []:
            declared = {f.get("name"): f.get("type") for f in view.fields or []}
            for node in graph.hops:
                if node.dataset == view.ref:
                    types[node] = declared.get(node.field)
        return render_columns(index, graph, types)

    async def impact(
        self, node_id: str, columns: Sequence[str] | None, depth: int
    ) -> dict[str, Any]:
        index = await self.graph.current()
        focus = find_node(index, node_id, NodeKind.DATASET)
        found = impact(index, focus, list(columns) if columns else None, depth, self.max_nodes)
        return found.as_json()

    async def export(
        self,
        export_format: ExportFormat,
        node_id: str | None,
        depth: int,
        columns: bool,
        direction: WalkDirection = WalkDirection.BOTH,
    ) -> str:
        """The whole graph, or the lineage around `node_id` to `depth`."""
        index = await self.graph.current()
        if node_id is None:
            edges = index.all_edges()
            nodes = sorted(index.nodes.values())
        else:
            focus = find_node(index, node_id)
            graph = await walk_lineage(index, focus, depth, self.max_nodes, direction)
            edges, nodes = sorted(graph.edges), sorted(graph.hops)
        kept = set(nodes)
        column_edges = (
            [
                e
                for e in index.all_column_edges()
                if e.input.dataset in kept and e.output.dataset in kept and e.job in kept
            ]
            if columns
            else []
        )
        part = GraphPart(nodes, edges, column_edges)
        # Off the event loop: the whole graph of a large platform takes seconds to write.
        return await asyncio.to_thread(render, part, export_format)


def find_node(index: LineageGraphIndex, node_id: str, kind: NodeKind | None = None) -> NodeRef:
    parsed = parse_node_id(node_id)
    if kind is not None and parsed.kind is not kind:
        raise BadInput(f"nodeId must be a {kind.prefix} ({kind.prefix}:NAMESPACE:NAME)")
    existing = index.find_nodes(list(parsed.candidates))
    chosen = parsed.preferred([ref.key for ref in existing])
    if chosen is None:
        raise NotFound(f"no {parsed.kind.prefix} with lineage matches nodeId {node_id!r}")
    return index.nodes[chosen]


def find_field(index: LineageGraphIndex, node_id: str) -> FieldRef:
    """`datasetField:NAMESPACE:NAME:FIELD`, where each part may hold ':' — the split whose
    dataset has that column in the graph (the shortest namespace, then name, if several)."""
    if len(node_id) > MAX_NODE_ID_CHARS:
        raise BadInput(f"nodeId is longer than {MAX_NODE_ID_CHARS} characters")
    rest = node_id.removeprefix(f"{FIELD_PREFIX}:")
    colons = [i for i, char in enumerate(rest) if char == ":"]
    for first_n, first in enumerate(colons):
        if rest[:first] not in index.dataset_namespaces:
            continue  # keeps the search linear unless namespaces really match
        for second in colons[first_n + 1 :]:
            key = NodeKey(NodeKind.DATASET, rest[:first], rest[first + 1 : second])
            field = rest[second + 1 :]
            dataset = index.nodes.get(key)
            if dataset is not None and field in index.fields.get(dataset, ()):
                return FieldRef(dataset, field)
    if len(colons) < 2:
        raise BadInput(
            f"nodeId must look like '{FIELD_PREFIX}:NAMESPACE:NAME:FIELD', got {node_id!r}"
        )
    raise NotFound(f"no column with lineage matches nodeId {node_id!r}")
