"""Lineage graph around a node: upstream and downstream, level by level (one store query per level).

A hop is one edge (dataset -> job or job -> dataset), so depth 2 from a dataset reaches the
datasets its producers read and the datasets its consumers write. Upstream and downstream are
walked separately, each in its own direction: siblings (other outputs of an upstream job) are not
lineage of the node and are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from mdc_lineage.nodes import NodeKey, NodeKind, NodeRef
from mdc_lineage.ports import DatasetView, GraphEdge, JobView
from mdc_lineage.presenters import dataset_data, job_data


@dataclass
class LineageGraph:
    focus: NodeRef
    hops: dict[NodeRef, int]  # every node reached, with its distance from the focus
    edges: set[GraphEdge] = field(default_factory=set)
    truncated: bool = False  # the node budget stopped the walk before `depth`


class EdgeSource(Protocol):
    """Where the walk finds edges: the in-memory graph, or the store (a query per level)."""

    async def edges_near(
        self, upstream_of: Collection[NodeRef], downstream_of: Collection[NodeRef]
    ) -> list[GraphEdge]: ...


class Direction(StrEnum):
    """Which way a lineage walk goes from its node."""

    BOTH = "both"
    UPSTREAM = "upstream"  # what the node comes from
    DOWNSTREAM = "downstream"  # what comes from the node


async def walk_lineage(
    store: EdgeSource,
    focus: NodeRef,
    depth: int,
    max_nodes: int,
    direction: Direction = Direction.BOTH,
) -> LineageGraph:
    graph = LineageGraph(focus=focus, hops={focus: 0})
    upstream = {focus} if direction is not Direction.DOWNSTREAM else set()
    downstream = {focus} if direction is not Direction.UPSTREAM else set()
    seen_upstream, seen_downstream = {focus}, {focus}
    for hop in range(1, depth + 1):
        if not upstream and not downstream:
            break
        next_upstream: set[NodeRef] = set()
        next_downstream: set[NodeRef] = set()
        for edge in sorted(await store.edges_near(upstream, downstream), key=edge_order):
            if edge.destination in upstream:
                _reach(graph, edge, edge.origin, hop, max_nodes, seen_upstream, next_upstream)
            if edge.origin in downstream:
                _reach(
                    graph, edge, edge.destination, hop, max_nodes, seen_downstream, next_downstream
                )
        upstream, downstream = next_upstream, next_downstream
    return graph


def edge_order(edge: GraphEdge) -> tuple[str, str]:
    """A total order of edges by their ends' ids (cheaper than comparing dataclasses)."""
    return edge.origin.node_id, edge.destination.node_id


def _reach(
    graph: LineageGraph,
    edge: GraphEdge,
    node: NodeRef,
    hop: int,
    max_nodes: int,
    seen: set[NodeRef],
    frontier: set[NodeRef],
) -> None:
    """Add `node` and the edge to it unless the node budget is spent; walk on from the node
    unless this direction has already been there."""
    if node not in graph.hops:
        if len(graph.hops) >= max_nodes:
            graph.truncated = True
            return
        graph.hops[node] = hop
    graph.edges.add(edge)
    if node not in seen:
        seen.add(node)
        frontier.add(node)


def render_graph(
    graph: LineageGraph, datasets: list[DatasetView], jobs: list[JobView]
) -> dict[str, Any]:
    """Marquez's lineage response: nodes nearest first, each with its in- and out-edges."""
    data: dict[NodeRef, dict[str, Any]] = {d.ref: dataset_data(d) for d in datasets}
    data.update({j.ref: job_data(j) for j in jobs})
    in_edges: dict[NodeRef, list[dict[str, str]]] = defaultdict(list)
    out_edges: dict[NodeRef, list[dict[str, str]]] = defaultdict(list)
    for edge in sorted(graph.edges, key=edge_order):
        as_json = {"origin": edge.origin.node_id, "destination": edge.destination.node_id}
        out_edges[edge.origin].append(as_json)
        in_edges[edge.destination].append(as_json)
    nodes = sorted(graph.hops, key=lambda n: (graph.hops[n], n.node_id))
    return {
        "graph": [
            {
                "id": node.node_id,
                "type": node.kind.value,
                "data": data.get(node, {}),
                "inEdges": in_edges[node],
                "outEdges": out_edges[node],
            }
            for node in nodes
        ],
        "truncated": graph.truncated,
    }


class GraphReader(EdgeSource, Protocol):
    """What a lineage answer reads: the store, or the in-memory graph with its details."""

    async def find_nodes(self, keys: Sequence[NodeKey]) -> list[NodeRef]: ...

    async def datasets(self, refs: Collection[NodeRef]) -> list[DatasetView]: ...

    async def jobs(self, refs: Collection[NodeRef]) -> list[JobView]: ...


async def lineage_graph(
    store: GraphReader,
    focus: NodeRef,
    depth: int,
    max_nodes: int,
    direction: Direction = Direction.BOTH,
) -> dict[str, Any]:
    graph = await walk_lineage(store, focus, depth, max_nodes, direction)
    datasets = [n for n in graph.hops if n.kind is NodeKind.DATASET]
    jobs = [n for n in graph.hops if n.kind is NodeKind.JOB]
    return render_graph(
        graph,
        await store.datasets(datasets) if datasets else [],
        await store.jobs(jobs) if jobs else [],
    )
