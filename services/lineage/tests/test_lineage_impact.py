"""The in-memory graph without a database: impact (dataset and column level), column lineage,
node-id resolution and the exports, on a small pipeline whose answers are written by hand.

    mdc-raw:penguins -[standardize]-> mdc:penguins (species, island, bill, mass)
    mdc:penguins -[summary]-> mdc:summary      species <- species (IDENTITY),
                                               mean_mass <- mass (AGGREGATION),
                                               whole <- island (FILTER)
    mdc:penguins -[report]-> mdc:report        (no column lineage reported)
    mdc:summary -[dashboard]-> s3://b:dash     species <- summary.species
"""

from __future__ import annotations

import io
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from faststream.kafka import KafkaBroker, TestKafkaBroker
from mdc_common.errors import BadInput, NotFound
from mdc_lineage.app import create_app
from mdc_lineage.config import LineageSettings
from mdc_lineage.exports import ExportFormat, GraphPart, _label, render
from mdc_lineage.graph_index import ColumnEdge, FieldRef, LineageGraphIndex
from mdc_lineage.graph_service import FixedGraph, find_field, find_node
from mdc_lineage.impact import impact, walk_columns
from mdc_lineage.nodes import NodeKey, NodeKind, NodeRef
from mdc_lineage.ports import GraphEdge
from mdc_lineage.records import Direction

_ids: dict[NodeKey, int] = {}


def node(kind: NodeKind, node_id: str) -> NodeRef:
    namespace, _, name = node_id.rpartition(":")
    key = NodeKey(kind, namespace, name)
    return NodeRef(key, _ids.setdefault(key, len(_ids) + 1))


def dataset(node_id: str) -> NodeRef:
    return node(NodeKind.DATASET, node_id)


def job(name: str) -> NodeRef:
    return node(NodeKind.JOB, f"mdc:{name}")


def step(name: str, inputs: list[str], outputs: list[str]) -> list[GraphEdge]:
    return [GraphEdge(job(name), dataset(i), Direction.INPUT) for i in inputs] + [
        GraphEdge(job(name), dataset(o), Direction.OUTPUT) for o in outputs
    ]


def columns(name: str, source: str, target: str, *pairs: tuple[str, str, str]) -> list[ColumnEdge]:
    return [
        ColumnEdge(
            job(name),
            FieldRef(dataset(source), i),
            FieldRef(dataset(target), o),
            "INDIRECT" if o == "" else "DIRECT",
            subtype,
        )
        for i, o, subtype in pairs
    ]


def pipeline() -> LineageGraphIndex:
    index = LineageGraphIndex()
    index.add_edges(
        [
            *step("standardize", ["mdc-raw:penguins"], ["mdc:penguins"]),
            *step("summary", ["mdc:penguins"], ["mdc:summary"]),
            *step("report", ["mdc:penguins"], ["mdc:report"]),
            *step("dashboard", ["mdc:summary"], ["s3://b:dash"]),
        ]
    )
    index.add_column_edges(
        [
            *columns(
                "summary",
                "mdc:penguins",
                "mdc:summary",
                ("species", "species", "IDENTITY"),
                ("mass", "mean_mass", "AGGREGATION"),
                ("island", "", "FILTER"),
            ),
            *columns("dashboard", "mdc:summary", "s3://b:dash", ("species", "species", "IDENTITY")),
        ]
    )
    return index


INDEX = pipeline()
PENGUINS = dataset("mdc:penguins")


def affected(columns: list[str] | None, depth: int = 20) -> dict[str, Any]:
    found = impact(INDEX, PENGUINS, columns, depth, max_nodes=100).as_json()
    return {a["id"]: a.get("columns", "job") for a in found["affected"]}


def test_a_whole_dataset_change_reaches_everything_downstream() -> None:
    assert affected(None) == {
        "job:mdc:summary": "job",
        "job:mdc:report": "job",
        "dataset:mdc:summary": None,
        "dataset:mdc:report": None,
        "job:mdc:dashboard": "job",
        "dataset:s3://b:dash": None,
    }


def test_a_column_nobody_derives_from_reaches_only_jobs_without_column_lineage() -> None:
    # summary reports its column lineage and does not use bill: unaffected. report reports
    # none: assumed to use it, and its output is affected whole.
    assert affected(["bill"]) == {"job:mdc:report": "job", "dataset:mdc:report": None}


def test_a_column_reaches_the_columns_derived_from_it_only() -> None:
    assert affected(["mass"]) == {
        "job:mdc:summary": "job",
        "job:mdc:report": "job",
        "dataset:mdc:summary": ["mean_mass"],
        "dataset:mdc:report": None,
        # the dashboard reads summary.species only: mean_mass does not reach it
    }


def test_a_filter_column_affects_the_whole_output_and_what_follows() -> None:
    found = affected(["island"])
    assert found["dataset:mdc:summary"] is None
    assert found["dataset:s3://b:dash"] is None
    assert "job:mdc:dashboard" in found


def test_paths_distances_and_reasons() -> None:
    found = impact(INDEX, PENGUINS, ["species"], 20, 100).as_json()
    by_id = {a["id"]: a for a in found["affected"]}
    dash = by_id["dataset:s3://b:dash"]
    assert dash["distance"] == 4
    assert dash["path"] == [
        "dataset:mdc:penguins",
        "job:mdc:summary",
        "dataset:mdc:summary",
        "job:mdc:dashboard",
        "dataset:s3://b:dash",
    ]
    assert dash["columns"] == ["species"]
    assert "species" in dash["reason"]
    assert "no column lineage" in by_id["job:mdc:report"]["reason"]
    distances = [a["distance"] for a in found["affected"]]
    assert distances == sorted(distances)


def test_depth_limits_the_walk() -> None:
    assert set(affected(None, depth=1)) == {"job:mdc:summary", "job:mdc:report"}
    assert "job:mdc:dashboard" not in affected(None, depth=2)
    assert "job:mdc:dashboard" in affected(None, depth=3)


def test_the_node_budget_truncates() -> None:
    found = impact(INDEX, PENGUINS, None, 20, max_nodes=2).as_json()
    assert found["truncated"] is True
    assert len(found["affected"]) == 2


def test_column_lineage_upstream_and_downstream() -> None:
    mean_mass = FieldRef(dataset("mdc:summary"), "mean_mass")
    upstream = walk_columns(INDEX, [mean_mass], 20, with_downstream=False, max_nodes=100)
    assert {f.node_id for f in upstream.hops} == {
        "datasetField:mdc:summary:mean_mass",
        "datasetField:mdc:penguins:mass",
    }
    species = FieldRef(PENGUINS, "species")
    both = walk_columns(INDEX, [species], 20, with_downstream=True, max_nodes=100)
    assert {f.node_id: hop for f, hop in both.hops.items()} == {
        "datasetField:mdc:penguins:species": 0,
        "datasetField:mdc:summary:species": 1,
        "datasetField:s3://b:dash:species": 2,
    }
    only_up = walk_columns(INDEX, [species], 20, with_downstream=False, max_nodes=100)
    assert list(only_up.hops) == [species]


def test_node_ids_with_colons_in_namespaces_resolve() -> None:
    assert find_node(INDEX, "dataset:s3://b:dash") == dataset("s3://b:dash")
    field = find_field(INDEX, "datasetField:s3://b:dash:species")
    assert (field.dataset, field.field) == (dataset("s3://b:dash"), "species")
    with pytest.raises(NotFound):
        find_field(INDEX, "datasetField:mdc:summary:nope")
    with pytest.raises(BadInput):
        find_field(INDEX, "datasetField:nonsense")
    with pytest.raises(BadInput):
        find_node(INDEX, "job:mdc:summary", NodeKind.DATASET)


def test_graphml_opens_in_networkx_with_the_same_nodes_and_edges() -> None:
    part = GraphPart(sorted(INDEX.nodes.values()), INDEX.all_edges(), [])
    graph = nx.read_graphml(io.StringIO(render(part, ExportFormat.GRAPHML)))
    assert set(graph.nodes) == {n.node_id for n in INDEX.nodes.values()}
    assert graph.number_of_edges() == len(INDEX.all_edges())
    assert graph.nodes["job:mdc:summary"]["kind"] == "JOB"
    assert graph.has_edge("dataset:mdc:penguins", "job:mdc:summary")


def test_mermaid_and_json_exports() -> None:
    part = GraphPart(sorted(INDEX.nodes.values()), INDEX.all_edges(), INDEX.all_column_edges())
    text = render(part, ExportFormat.MERMAID)
    assert text.startswith("flowchart LR\n")
    assert '[("s3://b:dash")]' in text  # a dataset: a cylinder labelled namespace:name
    assert '["mdc:summary"]' in text  # a job: a box
    assert _label('say "hi" <b>') == "say #34;hi#34; #60;b#62;"
    assert text.count("-->") == len(INDEX.all_edges())
    body = render(part, ExportFormat.JSON)
    assert '"datasetField:mdc:summary:mean_mass"' in body


async def test_the_graph_endpoints(store: Any, broker: KafkaBroker) -> None:
    settings = LineageSettings()
    app = create_app(settings, store=store, broker=broker, graph=FixedGraph(INDEX))
    async with TestKafkaBroker(broker):
        with TestClient(app) as client:
            check_graph_endpoints(client)


def check_graph_endpoints(client: TestClient) -> None:
    response = client.get(
        "/api/v1/impact", params={"nodeId": "dataset:mdc:penguins", "column": "mass"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["columns"] == ["mass"]
    response = client.get("/api/v1/export", params={"format": "mermaid"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/vnd.mermaid")
    missing = client.get("/api/v1/impact", params={"nodeId": "dataset:mdc:nothing"})
    assert missing.status_code == 404
    bad = client.get("/api/v1/impact", params={"nodeId": "dataset:mdc:penguins", "depth": 0})
    assert bad.status_code == 400
    lineage = client.get(
        "/api/v1/column-lineage",
        params={"nodeId": "datasetField:mdc:summary:species", "withDownstream": "true"},
    )
    assert lineage.status_code == 200, lineage.text
    ids = [n["id"] for n in lineage.json()["graph"]]
    assert ids[0] == "datasetField:mdc:summary:species"
    assert set(ids) == {
        "datasetField:mdc:summary:species",
        "datasetField:mdc:penguins:species",
        "datasetField:s3://b:dash:species",
    }


def test_an_output_without_column_lineage_is_affected_whole() -> None:
    """split reads penguins, writes males (column lineage: sex only) and notes (none)."""
    index = LineageGraphIndex()
    index.add_edges(step("split", ["mdc:penguins"], ["mdc:males", "mdc:notes"]))
    index.add_column_edges(
        columns("split", "mdc:penguins", "mdc:males", ("sex", "sex", "IDENTITY"))
    )
    found = impact(index, PENGUINS, ["mass"], 20, 100).as_json()
    by_id = {a["id"]: a for a in found["affected"]}
    assert set(by_id) == {"job:mdc:split", "dataset:mdc:notes"}
    assert by_id["dataset:mdc:notes"]["columns"] is None
    assert "no column lineage" in by_id["dataset:mdc:notes"]["reason"]
    both = impact(index, PENGUINS, ["sex"], 20, 100).as_json()
    assert {a["id"]: a.get("columns") for a in both["affected"]} == {
        "job:mdc:split": None,
        "dataset:mdc:males": ["sex"],
        "dataset:mdc:notes": None,
    }


def test_a_later_report_replaces_a_column_edges_transformation() -> None:
    index = LineageGraphIndex()
    index.add_column_edges(columns("j", "mdc:a", "mdc:b", ("x", "y", "IDENTITY")))
    index.add_column_edges(columns("j", "mdc:a", "mdc:b", ("x", "y", "AGGREGATION")))
    (edge,) = index.all_column_edges()
    assert edge.transformation_subtype == "AGGREGATION"
    assert index.column_edge_count == 1
    assert len(index.column_edges_by_reader[dataset("mdc:a")][job("j")]) == 1


def test_a_long_field_id_of_unknown_namespaces_is_not_found() -> None:
    with pytest.raises(NotFound):
        find_field(INDEX, "datasetField:" + ":" * 3000)
