"""The lineage store on the stack's PostgreSQL: column lineage (`column_edges`) and run history
(`run_datasets`), written through the service's HTTP door and read back through its endpoints,
through SQL, and through PostgresLineageStore itself.

Every name lives in a namespace unique to this session, so other tests' events (and earlier runs
of a kept stack) never interfere.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

import networkx as nx
import pytest
from mdc_contracts.lineage import RunEvent
from mdc_lineage.ingest import map_run_event
from mdc_lineage.merging import merge_run_dataset
from mdc_lineage.nodes import NodeKey, NodeKind
from mdc_lineage.records import Direction, RunDatasetSnapshot
from mdc_lineage.repository import PostgresLineageStore
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.stack import Stack

pytestmark = pytest.mark.integration

NS = f"it-lineage-{uuid.uuid4().hex[:8]}"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
T = TypeVar("T")


# --- helpers ---------------------------------------------------------------------------------


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def event(
    event_type: str,
    run_id: uuid.UUID,
    job: str,
    at: datetime,
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "eventType": event_type,
        "eventTime": at.isoformat(),
        "run": {"runId": str(run_id), "facets": {}},
        "job": {"namespace": NS, "name": job, "facets": {}},
        "inputs": inputs or [],
        "outputs": outputs or [],
        "producer": "https://github.com/mdc-platform/mdc/tests",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }


def dataset(name: str, **parts: Any) -> dict[str, Any]:
    """A dataset of NS; `parts` are facets, inputFacets, outputFacets."""
    return {"namespace": NS, "name": name, "facets": {}, **parts}


def post(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    response = stack.lineage.post("/api/v1/lineage", json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    assert answer["warnings"] == [], answer
    return answer


def get(stack: Stack, path: str) -> dict[str, Any]:
    response = stack.lineage.get(path)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def encoded(name: str) -> str:
    return quote(name, safe="")


def _dsn(stack: Stack) -> str:
    return stack.endpoints["postgres"].replace("postgresql://", "postgresql+asyncpg://", 1)


def with_engine(stack: Stack, work: Callable[[Any], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_async_engine(_dsn(stack))
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def sql(stack: Stack, statement: str, **params: Any) -> list[dict[str, Any]]:
    async def run(engine: Any) -> list[dict[str, Any]]:
        async with engine.connect() as conn:
            result = await conn.execute(text(statement), params)
            return [dict(row._mapping) for row in result]

    return with_engine(stack, run)


def at_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- column lineage --------------------------------------------------------------------------


def input_field(
    name: str, field: str, kind: str, subtype: str, description: str | None = None
) -> dict[str, Any]:
    transformation = {"type": kind, "subtype": subtype, "masking": False}
    if description:
        transformation["description"] = description
    return {"namespace": NS, "name": name, "field": field, "transformations": [transformation]}


def summarize(
    event_type: str, run_id: uuid.UUID, at: datetime, total: tuple[str, str | None]
) -> dict[str, Any]:
    """`summarize` reads sales and writes summary; `regions` is named by the facet only."""
    facet = {
        "_producer": "https://github.com/mdc-platform/mdc/tests",
        "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
        "fields": {
            "region": {"inputFields": [input_field("sales", "region", "DIRECT", "IDENTITY")]},
            "total": {"inputFields": [input_field("sales", "amount", "DIRECT", *total)]},
        },
        "dataset": [input_field("regions", "active", "INDIRECT", "FILTER")],
    }
    return event(
        event_type,
        run_id,
        "summarize",
        at,
        inputs=[dataset("sales")],
        outputs=[dataset("summary", facets={"columnLineage": facet})],
    )


COLUMN_EDGES = """
    SELECT i.name AS input, ce.input_field, o.name AS output, ce.output_field,
           ce.transformation_type, ce.transformation_subtype, ce.description, ce.run_id,
           ce.first_seen_at, ce.last_seen_at
    FROM lineage.column_edges ce
    JOIN lineage.jobs j ON j.id = ce.job_id
    JOIN lineage.datasets i ON i.id = ce.input_dataset_id
    JOIN lineage.datasets o ON o.id = ce.output_dataset_id
    WHERE j.namespace = :ns AND j.name = 'summarize'
    ORDER BY i.name, ce.input_field, o.name, ce.output_field
"""

EDGE_RUNS = """
    SELECT d.name AS dataset, e.direction, e.run_id
    FROM lineage.edges e
    JOIN lineage.jobs j ON j.id = e.job_id
    JOIN lineage.datasets d ON d.id = e.dataset_id
    WHERE j.namespace = :ns AND j.name = :job
    ORDER BY d.name, e.direction
"""


def column_edges(stack: Stack) -> list[tuple[Any, ...]]:
    return [tuple(row.values()) for row in sql(stack, COLUMN_EDGES, ns=NS)]


def total_row(
    subtype: str, description: str, run_id: uuid.UUID, first: datetime, last: datetime
) -> tuple[Any, ...]:
    """The column edge sales.amount -> summary.total as COLUMN_EDGES reads it."""
    return (
        "sales",
        "amount",
        "summary",
        "total",
        "DIRECT",
        subtype,
        description,
        run_id,
        first,
        last,
    )


def test_column_lineage_is_stored_once_per_pair_with_the_latest_transformation(
    stack: Stack,
) -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    # A START introduces the column edges (first sighting).
    post(stack, summarize("START", a, minutes(0), ("TRANSFORMATION", "amount * 1.2")))
    assert column_edges(stack) == [
        ("regions", "active", "summary", "", "INDIRECT", "FILTER", None, a, T0, T0),
        total_row("TRANSFORMATION", "amount * 1.2", a, T0, T0),
        ("sales", "region", "summary", "region", "DIRECT", "IDENTITY", None, a, T0, T0),
    ]
    # The facet-only input is a dataset (so column lineage can reach it), not a dataset edge.
    regions = sql(
        stack, "SELECT id FROM lineage.datasets WHERE namespace = :ns AND name = 'regions'", ns=NS
    )
    assert len(regions) == 1
    assert [r["dataset"] for r in sql(stack, EDGE_RUNS, ns=NS, job="summarize")] == [
        "sales",
        "summary",
    ]

    # The COMPLETE records them: its transformation and time.
    complete = summarize("COMPLETE", a, minutes(5), ("AGGREGATION", "sum(amount)"))
    post(stack, complete)
    after_complete = column_edges(stack)
    assert after_complete[1] == total_row("AGGREGATION", "sum(amount)", a, T0, minutes(5))
    assert {row[-1] for row in after_complete} == {minutes(5)}

    # The same event again changes nothing.
    events_before = sql(
        stack, "SELECT count(*) AS n FROM lineage.run_events WHERE run_id = :r", r=a
    )
    assert post(stack, complete)["duplicate"] is True
    assert column_edges(stack) == after_complete
    assert (
        sql(stack, "SELECT count(*) AS n FROM lineage.run_events WHERE run_id = :r", r=a)
        == events_before
    )

    # An older COMPLETE (arriving late) only moves first_seen_at back.
    post(stack, summarize("COMPLETE", b, minutes(-60), ("IDENTITY", None)))
    older = column_edges(stack)
    assert older[1] == total_row("AGGREGATION", "sum(amount)", a, minutes(-60), minutes(5))

    # A later run still under way does not take the edges over; a failed one neither.
    post(stack, summarize("START", c, minutes(60), ("FILTER", None)))
    post(stack, summarize("FAIL", c, minutes(61), ("FILTER", None)))
    assert column_edges(stack) == older
    assert {r["run_id"] for r in sql(stack, EDGE_RUNS, ns=NS, job="summarize")} == {a}


# --- run history -----------------------------------------------------------------------------

RAW, CURATED = "raw/sales.csv", "curated/sales"


def standardize(event_type: str, run_id: uuid.UUID, at: datetime) -> dict[str, Any]:
    """Reads RAW at version abc (7 rows), writes CURATED with 42 rows: the same every run."""
    raw = dataset(
        RAW,
        facets={"version": {"datasetVersion": "abc"}},
        inputFacets={"inputStatistics": {"rowCount": 7, "size": 70}},
    )
    facets = {"schema": {"fields": [{"name": "id", "type": "Int64"}]}}
    if event_type == "START":
        facets = {}  # the schema is known once the data is written
    curated = dataset(
        CURATED,
        facets=facets,
        outputFacets={"outputStatistics": {"rowCount": 42, "size": 4200}},
    )
    return event(event_type, run_id, "standardize", at, inputs=[raw], outputs=[curated])


RUN_DATASETS = """
    SELECT d.name AS dataset, rd.direction, rd.version, rd.row_count, rd.byte_count,
           rd.event_time
    FROM lineage.run_datasets rd JOIN lineage.datasets d ON d.id = rd.dataset_id
    WHERE rd.run_id = :run
    ORDER BY d.name, rd.direction
"""


def test_run_history_keeps_every_runs_versions_and_statistics(stack: Stack) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()

    # A START makes no version, but what it says of the run is kept.
    post(stack, standardize("START", first, minutes(0)))
    assert sql(stack, RUN_DATASETS, run=first) == [
        {
            "dataset": CURATED,
            "direction": "output",
            "version": None,
            "row_count": 42,
            "byte_count": 4200,
            "event_time": minutes(0),
        },
        {
            "dataset": RAW,
            "direction": "input",
            "version": "abc",
            "row_count": 7,
            "byte_count": 70,
            "event_time": minutes(0),
        },
    ]
    post(stack, standardize("COMPLETE", first, minutes(5)))
    # An identical re-run: no new version, its own history row.
    post(stack, standardize("START", second, minutes(60)))
    post(stack, standardize("COMPLETE", second, minutes(65)))

    versions = get(stack, f"/api/v1/namespaces/{NS}/datasets/{encoded(CURATED)}/versions")
    assert versions["totalCount"] == 1
    (version,) = versions["versions"]
    assert version["id"] == {"namespace": NS, "name": CURATED, "version": version["version"]}
    assert version["version"].startswith("sha256:")
    assert version["createdByRun"] == str(first)
    assert at_time(version["createdAt"]) == minutes(5)
    content = version["version"]

    for run_id, completed in ((first, minutes(5)), (second, minutes(65))):
        assert sql(stack, RUN_DATASETS, run=run_id) == [
            {
                "dataset": CURATED,
                "direction": "output",
                "version": content,
                "row_count": 42,
                "byte_count": 4200,
                "event_time": completed,
            },
            {
                "dataset": RAW,
                "direction": "input",
                "version": "abc",
                "row_count": 7,
                "byte_count": 70,
                "event_time": completed,
            },
        ]

    runs = get(stack, f"/api/v1/namespaces/{NS}/datasets/{encoded(CURATED)}/runs")
    assert runs["totalCount"] == 2
    assert [
        (r["id"], r["jobId"], r["state"], r["direction"], r["datasetVersion"], r["rowCount"])
        for r in runs["runs"]
    ] == [
        (str(second), {"namespace": NS, "name": "standardize"}, "COMPLETE", "output", content, 42),
        (str(first), {"namespace": NS, "name": "standardize"}, "COMPLETE", "output", content, 42),
    ]
    assert at_time(runs["runs"][0]["startedAt"]) == minutes(60)
    assert at_time(runs["runs"][0]["endedAt"]) == minutes(65)
    read = get(stack, f"/api/v1/namespaces/{NS}/datasets/{encoded(RAW)}/runs?limit=1&offset=1")
    assert read["totalCount"] == 2
    assert [(r["id"], r["direction"], r["datasetVersion"]) for r in read["runs"]] == [
        (str(first), "input", "abc")
    ]

    job_runs = get(stack, f"/api/v1/namespaces/{NS}/jobs/standardize/runs")
    assert [r["id"] for r in job_runs["runs"]] == [str(second), str(first)]
    for run in job_runs["runs"]:
        assert run["inputDatasetVersions"] == [
            {
                "datasetVersionId": {"namespace": NS, "name": RAW, "version": "abc"},
                "facets": {"inputStatistics": {"rowCount": 7, "size": 70}},
            }
        ]
        assert run["outputDatasetVersions"] == [
            {
                "datasetVersionId": {"namespace": NS, "name": CURATED, "version": content},
                "facets": {"outputStatistics": {"rowCount": 42, "size": 4200}},
            }
        ]

    missing = stack.lineage.get(f"/api/v1/namespaces/{NS}/datasets/nope/runs")
    assert missing.status_code == 404
    bad = stack.lineage.get(f"/api/v1/namespaces/{NS}/datasets/{encoded(CURATED)}/runs?limit=0")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_request"


# --- PostgresLineageStore directly -----------------------------------------------------------


def records(body: dict[str, Any]) -> Any:
    return map_run_event(RunEvent.model_validate(body))


def test_the_store_merges_out_of_order_events_as_the_pure_rules_say(stack: Stack) -> None:
    """Arrival order COMPLETE then START (late): the SQL upserts give what merging.py gives."""
    run_id = uuid.uuid4()
    complete = event(
        "COMPLETE",
        run_id,
        "load",
        minutes(10),
        outputs=[
            dataset(
                "loaded",
                facets={"version": {"datasetVersion": "v2"}},
                outputFacets={"outputStatistics": {"rowCount": 42}},
            )
        ],
    )
    start = event(
        "START",
        run_id,
        "load",
        minutes(0),
        outputs=[
            dataset(
                "loaded",
                facets={"version": {"datasetVersion": "v1"}},
                outputFacets={"outputStatistics": {"rowCount": 5, "size": 50}},
            )
        ],
    )
    expected: RunDatasetSnapshot | None = None
    for body in (complete, start):
        record = records(body)
        (io,) = record.run_datasets
        expected = merge_run_dataset(expected, io, record.run.event_time)
    assert expected == RunDatasetSnapshot("v2", 42, 50, minutes(10))

    async def work(engine: Any) -> tuple[Any, ...]:
        store = PostgresLineageStore(engine)
        for body in (complete, start):
            assert await store.store(records(body), "test") is True
        assert await store.store(records(start), "test") is False  # a repeat
        (ref,) = await store.find_nodes([NodeKey(NodeKind.DATASET, NS, "loaded")])
        return (
            await store.run_datasets([run_id]),
            await store.dataset_runs(ref, 10, 0),
            await store.dataset_version_page(ref, 1, 0),
            await store.dataset_version_page(ref, 10, 1),
        )

    ios, (dataset_runs, total_runs), (newest, total_versions), (rest, _) = with_engine(stack, work)
    (io,) = ios
    assert (io.dataset.namespace, io.dataset.name, io.direction) == (NS, "loaded", Direction.OUTPUT)
    assert expected == RunDatasetSnapshot(io.version, io.row_count, io.byte_count, io.event_time)
    assert total_runs == 1
    assert dataset_runs[0].run.run_id == run_id
    assert dataset_runs[0].run.job.name == "load"
    assert dataset_runs[0].io == io
    # Versions newest first (by the eventTime that first reported each), paged.
    assert total_versions == 2
    assert [v.version for v in newest] == ["v2"]
    assert [v.version for v in rest] == ["v1"]


def test_edges_follow_completed_runs(stack: Stack) -> None:
    done, running, broken = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    io = {"inputs": [dataset("orders")], "outputs": [dataset("orders_clean")]}
    post(stack, event("COMPLETE", done, "clean", minutes(0), **io))
    post(stack, event("START", running, "clean", minutes(10), **io))
    post(stack, event("FAIL", running, "clean", minutes(11), **io))
    assert {r["run_id"] for r in sql(stack, EDGE_RUNS, ns=NS, job="clean")} == {done}
    post(stack, event("COMPLETE", running, "clean", minutes(12), **io))
    assert {r["run_id"] for r in sql(stack, EDGE_RUNS, ns=NS, job="clean")} == {running}

    # A job whose only run failed has no edges, but its run history is kept.
    post(stack, event("FAIL", broken, "never_worked", minutes(0), **io))
    assert sql(stack, EDGE_RUNS, ns=NS, job="never_worked") == []
    assert [(r["dataset"], r["direction"]) for r in sql(stack, RUN_DATASETS, run=broken)] == [
        ("orders", "input"),
        ("orders_clean", "output"),
    ]


# --- graph reads from memory, right after the writes -----------------------------------------


def column_facet(*mappings: tuple[str, str, str]) -> dict[str, Any]:
    """columnLineage: (output field, input dataset.field, subtype), each DIRECT."""
    fields: dict[str, Any] = {}
    for output, source, subtype in mappings:
        name, _, field = source.rpartition(".")
        fields.setdefault(output, {"inputFields": []})["inputFields"].append(
            input_field(name, field, "DIRECT", subtype)
        )
    return {
        "_producer": "https://github.com/mdc-platform/mdc/tests",
        "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
        "fields": fields,
    }


def test_graph_reads_answer_from_memory_right_after_the_writes(stack: Stack) -> None:
    """orders -[clean]-> orders_clean (amount, region mapped) -[report]-> report (no column
    lineage). Each read comes right after the POST that made it possible."""
    run = uuid.uuid4()
    clean = column_facet(
        ("amount", "orders.amount", "IDENTITY"), ("region", "orders.region", "IDENTITY")
    )
    post(
        stack,
        event(
            "COMPLETE",
            run,
            "clean",
            minutes(0),
            inputs=[dataset("orders")],
            outputs=[dataset("orders_clean", facets={"columnLineage": clean})],
        ),
    )
    field = f"datasetField:{NS}:orders_clean:amount"
    graph = get(stack, f"/api/v1/column-lineage?nodeId={quote(field)}")
    assert [node["id"] for node in graph["graph"]] == [field, f"datasetField:{NS}:orders:amount"]
    assert (
        graph["graph"][0]["data"]["inputFields"][0]["transformations"][0]["subtype"] == "IDENTITY"
    )

    post(
        stack,
        event(
            "COMPLETE",
            uuid.uuid4(),
            "report",
            minutes(1),
            inputs=[dataset("orders_clean")],
            outputs=[dataset("report")],
        ),
    )
    focus = quote(f"dataset:{NS}:orders")
    impact = get(stack, f"/api/v1/impact?nodeId={focus}&column=region")
    found = {a["id"]: a.get("columns", "job") for a in impact["affected"]}
    assert found == {
        f"job:{NS}:clean": "job",
        f"dataset:{NS}:orders_clean": ["region"],
        f"job:{NS}:report": "job",  # reports no column lineage: assumed to use region
        f"dataset:{NS}:report": None,
    }

    lineage = get(stack, f"/api/v1/lineage?nodeId={focus}&depth=10")
    # ... answered from the in-memory graph, not from the database fallback.
    metrics = stack.lineage.get("/metrics").text
    from_memory = [line for line in metrics.splitlines() if 'reads_total{source="memory"}' in line]
    assert from_memory
    assert float(from_memory[0].split()[-1]) > 0
    response = stack.lineage.get(f"/api/v1/export?format=graphml&nodeId={focus}&depth=10")
    assert response.status_code == 200, response.text
    exported = nx.read_graphml(io.StringIO(response.text))
    assert set(exported.nodes) == {node["id"] for node in lineage["graph"]}
    assert set(exported.nodes) == {
        f"dataset:{NS}:orders",
        f"job:{NS}:clean",
        f"dataset:{NS}:orders_clean",
        f"job:{NS}:report",
        f"dataset:{NS}:report",
    }
