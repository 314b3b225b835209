"""The lineage graph as files: GraphML (what the platform's layers produced), Mermaid, JSON.

A node is a dataset or a job (`dataset:NS:NAME`, `job:NS:NAME`), an edge runs dataset -> job
(the job reads it) or job -> dataset (the job writes it). With columns, each column that takes
part in column lineage is a node too (`datasetField:NS:NAME:FIELD`, linked from its dataset by
a `has_field` edge) and each column edge a `derives` edge labelled with its job.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import networkx as nx

from mdc_lineage.graph_index import ColumnEdge
from mdc_lineage.nodes import NodeRef
from mdc_lineage.ports import GraphEdge


class ExportFormat(StrEnum):
    GRAPHML = "graphml"
    MERMAID = "mermaid"
    JSON = "json"


MEDIA_TYPES = {
    ExportFormat.GRAPHML: "application/graphml+xml",
    ExportFormat.MERMAID: "text/vnd.mermaid; charset=utf-8",
    ExportFormat.JSON: "application/json",
}


@dataclass(frozen=True)
class GraphPart:
    """What to export: nodes (datasets and jobs) and the edges among them."""

    nodes: list[NodeRef]
    edges: list[GraphEdge]
    column_edges: list[ColumnEdge]


def to_networkx(part: GraphPart) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for node in sorted(part.nodes):
        key = node.key
        graph.add_node(
            node.node_id,
            kind=node.kind.value,
            namespace=key.namespace,
            name=key.name,
            label=key.name,
        )
    for edge in sorted(part.edges):
        graph.add_edge(edge.origin.node_id, edge.destination.node_id, kind=edge.direction.value)
    for column_edge in sorted(part.column_edges):
        for end in (column_edge.input, column_edge.output):
            if end.field and end.node_id not in graph:
                dataset = end.dataset.key
                graph.add_node(
                    end.node_id,
                    kind="DATASET_FIELD",
                    namespace=dataset.namespace,
                    name=dataset.name,
                    label=f"{dataset.name}.{end.field}",
                    field=end.field,
                )
                graph.add_edge(end.dataset.node_id, end.node_id, kind="has_field")
        target = column_edge.output if column_edge.output.field else column_edge.output.dataset
        graph.add_edge(
            column_edge.input.node_id,
            target.node_id,
            kind="derives",
            job=column_edge.job.node_id,
            transformation=column_edge.transformation_subtype or "",
        )
    return graph


def graphml(part: GraphPart) -> str:
    buffer = io.BytesIO()
    nx.write_graphml(to_networkx(part), buffer, encoding="utf-8")
    return buffer.getvalue().decode()


def as_json(part: GraphPart) -> str:
    graph = to_networkx(part)
    body: dict[str, Any] = {
        "nodes": [{"id": n, **attrs} for n, attrs in graph.nodes(data=True)],
        "edges": [
            {"origin": origin, "destination": destination, **attrs}
            for origin, destination, attrs in graph.edges(data=True)
        ],
    }
    return json.dumps(body, indent=2)


_UNSAFE_LABEL = re.compile(r'["<>#&]')
CLASS_STYLES = {
    "dataset": "fill:#e8f1fb,stroke:#3b73b9",
    "job": "fill:#fdf3e1,stroke:#c27c0e",
    "field": "fill:#f4f4f4,stroke:#888888",
}


def mermaid(part: GraphPart) -> str:
    """A `flowchart LR`: datasets as cylinders, jobs as boxes; node ids are generated (Mermaid
    ids cannot hold ':' or '/'), labels are escaped."""
    graph = to_networkx(part)
    ids = {node: f"n{n}" for n, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for node, attrs in graph.nodes(data=True):
        label = _label(f"{attrs['namespace']}:{attrs['label']}")
        shape = {"DATASET": '[("{}")]', "JOB": '["{}"]', "DATASET_FIELD": '(["{}"])'}
        lines.append(f"    {ids[node]}{shape[attrs['kind']].format(label)}")
    for origin, destination, attrs in graph.edges(data=True):
        arrow = "-.->" if attrs["kind"] in ("has_field", "derives") else "-->"
        lines.append(f"    {ids[origin]} {arrow} {ids[destination]}")
    lines += [f"    classDef {css} {style}" for css, style in CLASS_STYLES.items()]
    classes = {"DATASET": "dataset", "JOB": "job", "DATASET_FIELD": "field"}
    for kind, css in classes.items():
        members = [ids[n] for n, a in graph.nodes(data=True) if a["kind"] == kind]
        if members:
            lines.append(f"    class {','.join(members)} {css}")
    return "\n".join(lines) + "\n"


def _label(text: str) -> str:
    return _UNSAFE_LABEL.sub(lambda m: f"#{ord(m.group())};", text)


def render(part: GraphPart, export_format: ExportFormat) -> str:
    return {
        ExportFormat.GRAPHML: graphml,
        ExportFormat.MERMAID: mermaid,
        ExportFormat.JSON: as_json,
    }[export_format](part)
