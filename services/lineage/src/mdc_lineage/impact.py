"""Questions answered from the in-memory graph: column lineage, impact, and the graph itself.

- Column lineage (Marquez's `GET /api/v1/column-lineage`): the columns a column derives from,
  and optionally those derived from it, to a depth.
- Impact: what a change of a dataset (or of some of its columns) reaches downstream, each
  affected job and dataset with the path to it and the reason. Precise where producers report
  column lineage; conservative where they do not: a job that reads the dataset but reports no
  column lineage from it is assumed to use every column, and what it writes is affected whole.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mdc_lineage.graph_index import WHOLE_DATASET, ColumnEdge, FieldRef, LineageGraphIndex
from mdc_lineage.nodes import NodeKind, NodeRef

# --- column lineage ------------------------------------------------------------------------


@dataclass
class ColumnGraph:
    hops: dict[FieldRef, int]
    edges: set[ColumnEdge] = field(default_factory=set)
    truncated: bool = False


def walk_columns(
    index: LineageGraphIndex,
    start: list[FieldRef],
    depth: int,
    with_downstream: bool,
    max_nodes: int,
) -> ColumnGraph:
    """Breadth first from `start`: upstream always, downstream on request; one hop per column
    edge. Whole-dataset dependencies (a filter or join column) are not column nodes: they show
    as the input column's `transformations` on every output column instead."""
    graph = ColumnGraph(hops=dict.fromkeys(start, 0))
    directions: list[tuple[Mapping[FieldRef, set[ColumnEdge]], Callable[[ColumnEdge], FieldRef]]]
    directions = [(index.column_edges_to, _input_of)]
    if with_downstream:
        directions.append((index.column_edges_from, _output_of))
    for edges_at, other_end in directions:
        frontier, seen = list(start), set(start)
        for hop in range(1, depth + 1):
            following: list[FieldRef] = []
            for node in frontier:
                for edge in sorted(edges_at.get(node, ())):
                    if edge.whole_output:
                        continue
                    reached = other_end(edge)
                    if reached not in graph.hops:
                        if len(graph.hops) >= max_nodes:
                            graph.truncated = True
                            continue
                        graph.hops[reached] = hop
                    graph.edges.add(edge)
                    if reached not in seen:
                        seen.add(reached)
                        following.append(reached)
            frontier = following
    return graph


def _input_of(edge: ColumnEdge) -> FieldRef:
    return edge.input


def _output_of(edge: ColumnEdge) -> FieldRef:
    return edge.output


def dataset_fields(index: LineageGraphIndex, dataset: NodeRef) -> list[FieldRef]:
    return [FieldRef(dataset, name) for name in sorted(index.fields.get(dataset, ()))]


def transformation(edge: ColumnEdge) -> dict[str, Any]:
    return {
        "type": edge.transformation_type,
        "subtype": edge.transformation_subtype,
        "description": edge.description,
        "job": edge.job.node_id,
    }


def render_columns(
    index: LineageGraphIndex, graph: ColumnGraph, field_types: dict[FieldRef, str | None]
) -> dict[str, Any]:
    """Marquez's column-lineage shape: a node per column, with the columns it derives from."""
    nodes = sorted(graph.hops, key=lambda f: (graph.hops[f], f.node_id))
    in_edges: dict[FieldRef, list[dict[str, str]]] = {f: [] for f in nodes}
    out_edges: dict[FieldRef, list[dict[str, str]]] = {f: [] for f in nodes}
    for edge in sorted(graph.edges):
        pair = {"origin": edge.input.node_id, "destination": edge.output.node_id}
        out_edges[edge.input].append(pair)
        in_edges[edge.output].append(pair)
    return {
        "graph": [
            {
                "id": node.node_id,
                "type": "DATASET_FIELD",
                "data": _field_data(index, node, field_types.get(node)),
                "inEdges": in_edges[node],
                "outEdges": out_edges[node],
            }
            for node in nodes
        ],
        "truncated": graph.truncated,
    }


def _field_data(index: LineageGraphIndex, node: FieldRef, field_type: str | None) -> dict[str, Any]:
    key = node.dataset.key
    inputs = sorted(index.column_edges_to.get(node, ()))
    # Columns the whole dataset depends on (filters, join keys) feed every one of its columns.
    whole = sorted(index.column_edges_to.get(FieldRef(node.dataset, WHOLE_DATASET), ()))
    return {
        "namespace": key.namespace,
        "dataset": key.name,
        "field": node.field,
        "fieldType": field_type,
        "inputFields": [
            {
                "namespace": e.input.dataset.key.namespace,
                "dataset": e.input.dataset.key.name,
                "field": e.input.field,
                "transformationType": e.transformation_type,
                "transformationDescription": e.description,
                "transformations": [transformation(e)],
            }
            for e in [*inputs, *whole]
        ],
    }


# --- impact ----------------------------------------------------------------------------------

Columns = set[str] | None  # of a dataset: the affected ones; None: all of them (the whole)


@dataclass
class Affected:
    node: NodeRef
    distance: int
    path: list[NodeRef]
    reason: str
    columns: Columns = None  # datasets only

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "id": self.node.node_id,
            "type": self.node.kind.value,
            "distance": self.distance,
            "path": [n.node_id for n in self.path],
            "reason": self.reason,
        }
        if self.node.kind is NodeKind.DATASET:
            found["columns"] = None if self.columns is None else sorted(self.columns)
        return found


@dataclass
class Impact:
    focus: NodeRef
    columns: list[str] | None
    max_nodes: int
    affected: dict[NodeRef, Affected] = field(default_factory=dict)
    truncated: bool = False

    def as_json(self) -> dict[str, Any]:
        ordered = sorted(self.affected.values(), key=lambda a: (a.distance, a.node.node_id))
        return {
            "nodeId": self.focus.node_id,
            "columns": self.columns,
            "affected": [a.as_json() for a in ordered],
            "truncated": self.truncated,
        }

    def room(self) -> bool:
        if len(self.affected) < self.max_nodes:
            return True
        self.truncated = True
        return False

    def reach_job(self, job: NodeRef, distance: int, path: list[NodeRef], why: str) -> None:
        if job not in self.affected and self.room():
            self.affected[job] = Affected(job, distance, path, why)

    def reach_dataset(
        self, dataset: NodeRef, columns: Columns, distance: int, path: list[NodeRef], why: str
    ) -> tuple[bool, Columns]:
        """Record what reached `dataset`. Returns whether something is new to walk on from,
        and what (the new columns, or None for the whole)."""
        known = self.affected.get(dataset)
        if known is None:
            if not self.room():
                return False, None
            self.affected[dataset] = Affected(dataset, distance, path, why, columns)
            return True, columns
        if known.columns is None:
            return False, None  # already affected as a whole
        if columns is None:
            known.columns = None
            return True, None
        new = columns - known.columns
        known.columns |= new
        return bool(new), new


def impact(
    index: LineageGraphIndex,
    focus: NodeRef,
    columns: list[str] | None,
    depth: int,
    max_nodes: int,
) -> Impact:
    """Everything downstream of `focus` that a change reaches, to `depth` edges.

    A dataset is reached with a set of changed columns (None: changed as a whole). For each job
    reading it: with the whole dataset changed, the job and all it writes are affected; with
    some columns changed, only the column edges from those columns count (to an output column,
    or to the whole output when the column decides its rows), unless the job reports no column
    lineage from this dataset at all (then it is assumed to use every column)."""
    result = Impact(focus, sorted(set(columns)) if columns is not None else None, max_nodes)
    start: Columns = set(columns) if columns is not None else None
    queue: deque[tuple[NodeRef, Columns, int, list[NodeRef]]] = deque([(focus, start, 0, [focus])])
    while queue:
        dataset, changed, distance, path = queue.popleft()
        if distance + 1 > depth:
            continue
        by_job = index.column_edges_by_reader.get(dataset, {})
        for job in index.readers(dataset):
            reported = by_job.get(job, set())
            if changed is None or not reported:
                why, outputs = _whole_job(index, job, dataset, changed)
            else:
                found = _column_job(index, job, dataset, reported, changed)
                if found is None:
                    continue  # it reads other columns only
                why, outputs = found
            job_path = [*path, job]
            result.reach_job(job, distance + 1, job_path, why)
            if distance + 2 > depth:
                continue
            for output, (output_columns, output_why) in sorted(outputs.items()):
                path_to = [*job_path, output]
                news, new = result.reach_dataset(
                    output, output_columns, distance + 2, path_to, output_why
                )
                if news:
                    queue.append((output, new, distance + 2, path_to))
    return result


Outputs = dict[NodeRef, tuple[Columns, str]]


def _whole_job(
    index: LineageGraphIndex, job: NodeRef, dataset: NodeRef, changed: Columns
) -> tuple[str, Outputs]:
    if changed is None:
        why = f"reads {dataset.node_id}, which changed"
    else:
        why = (
            f"reads {dataset.node_id} and reports no column lineage from it: assumed to use "
            f"the changed columns {', '.join(sorted(changed))}"
        )
    outputs: Outputs = {out: (None, f"written by {job.node_id}") for out in index.outputs(job)}
    return why, outputs


def _column_job(
    index: LineageGraphIndex,
    job: NodeRef,
    dataset: NodeRef,
    reported: set[ColumnEdge],
    changed: set[str],
) -> tuple[str, Outputs] | None:
    """What `job` passes on of the changed columns of `dataset`, by its column lineage. An
    output it reports no column lineage for (from this dataset) is assumed affected whole."""
    used = sorted(e for e in reported if e.input.field in changed)
    described = {e.output.dataset for e in reported}
    undescribed = [out for out in index.outputs(job) if out not in described]
    if not used and not undescribed:
        return None
    outputs: Outputs = {}
    for target in sorted({e.output.dataset for e in used}):
        feeding = [e for e in used if e.output.dataset == target]
        columns: Columns = (
            None if any(e.whole_output for e in feeding) else {e.output.field for e in feeding}
        )
        sources = ", ".join(sorted({e.input.field for e in feeding}))
        shape = "all of it" if columns is None else f"columns {', '.join(sorted(columns))}"
        outputs[target] = (columns, f"{shape} derived from {sources}")
    for target in undescribed:
        outputs[target] = (
            None,
            f"written by {job.node_id}, which reports no column lineage for it from "
            f"{dataset.node_id}: assumed affected",
        )
    if used:
        names = ", ".join(sorted({e.input.field for e in used}))
        return f"derives its output from the changed columns {names}", outputs
    names = ", ".join(sorted(changed))
    why = f"reads {dataset.node_id} (changed: {names}) for outputs without column lineage"
    return why, outputs
