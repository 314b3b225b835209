import uuid
from datetime import timedelta
from typing import Any

import pytest
from mdc_common.errors import NotFound
from mdc_contracts.lineage import RunEvent
from mdc_lineage.graph import Direction as WalkDirection
from mdc_lineage.service import Door, LineageService


def ds(namespace: str, name: str, **facets: Any) -> dict[str, Any]:
    return {"namespace": namespace, "name": name, "facets": facets}


@pytest.fixture
async def pipeline(service: LineageService, make_event: Any, t0: Any) -> LineageService:
    """source -> download -> raw -> standardize -> curated -> join -> joined
    raw -> profile -> profile_report          other -> join"""
    steps = [
        ("download", [ds("http://127.0.0.1:57010", "/x.csv")], [ds("mdc-raw", "x")]),
        ("standardize", [ds("mdc-raw", "x")], [ds("mdc", "x")]),
        ("profile", [ds("mdc-raw", "x")], [ds("mdc", "x_profile")]),
        ("join", [ds("mdc", "x"), ds("mdc", "other")], [ds("mdc", "joined")]),
    ]
    for minute, (job, inputs, outputs) in enumerate(steps):
        event = make_event(
            job=job, inputs=inputs, outputs=outputs, event_time=t0 + timedelta(minutes=minute)
        )
        await service.ingest(RunEvent.model_validate(event), Door.KAFKA)
    return service


def ids(graph: dict[str, Any]) -> list[str]:
    return [node["id"] for node in graph["graph"]]


async def test_upstream_and_downstream_without_siblings(pipeline: LineageService) -> None:
    graph = await pipeline.lineage("dataset:mdc:x", depth=20)
    assert ids(graph) == [
        "dataset:mdc:x",
        "job:mdc:join",
        "job:mdc:standardize",
        "dataset:mdc-raw:x",
        "dataset:mdc:joined",
        "job:mdc:download",
        "dataset:http://127.0.0.1:57010:/x.csv",
    ]
    assert graph["truncated"] is False
    node = graph["graph"][0]
    assert node["type"] == "DATASET"
    assert node["inEdges"] == [{"origin": "job:mdc:standardize", "destination": "dataset:mdc:x"}]
    assert node["outEdges"] == [{"origin": "dataset:mdc:x", "destination": "job:mdc:join"}]
    assert node["data"]["namespace"] == "mdc"
    assert node["data"]["name"] == "x"


async def test_depth_counts_edges(pipeline: LineageService) -> None:
    assert ids(await pipeline.lineage("dataset:mdc:x", depth=0)) == ["dataset:mdc:x"]
    assert ids(await pipeline.lineage("dataset:mdc:x", depth=1)) == [
        "dataset:mdc:x",
        "job:mdc:join",
        "job:mdc:standardize",
    ]


async def test_one_store_query_per_level(pipeline: LineageService, store: Any) -> None:
    store.edge_queries = 0
    await pipeline.lineage("dataset:mdc:x", depth=100)
    # 4 hops upstream (2 downstream, in the same queries), then one query that finds nothing.
    assert store.edge_queries == 5


async def test_job_node_shows_its_latest_run(pipeline: LineageService) -> None:
    graph = await pipeline.lineage("job:mdc:join", depth=1)
    assert ids(graph) == [
        "job:mdc:join",
        "dataset:mdc:joined",
        "dataset:mdc:other",
        "dataset:mdc:x",
    ]
    job = graph["graph"][0]
    assert job["type"] == "JOB"
    assert job["data"]["latestRun"]["state"] == "COMPLETE"
    assert len(job["inEdges"]) == 2
    assert len(job["outEdges"]) == 1


async def test_namespace_with_colons_is_found(pipeline: LineageService) -> None:
    graph = await pipeline.lineage("dataset:http://127.0.0.1:57010:/x.csv", depth=1)
    assert ids(graph) == ["dataset:http://127.0.0.1:57010:/x.csv", "job:mdc:download"]


async def test_unknown_node_is_not_found(pipeline: LineageService) -> None:
    with pytest.raises(NotFound, match="no dataset matches"):
        await pipeline.lineage("dataset:mdc:nope", depth=3)


async def test_cycles_terminate(service: LineageService, make_event: Any) -> None:
    loop = make_event(job="dedupe", inputs=[ds("mdc", "t")], outputs=[ds("mdc", "t")])
    await service.ingest(RunEvent.model_validate(loop), Door.HTTP)
    graph = await service.lineage("dataset:mdc:t", depth=100)
    assert ids(graph) == ["dataset:mdc:t", "job:mdc:dedupe"]
    assert len(graph["graph"][1]["inEdges"]) == 1
    assert len(graph["graph"][1]["outEdges"]) == 1


async def test_node_budget_truncates(store: Any, make_event: Any) -> None:
    from mdc_lineage.metrics import LineageMetrics

    small = LineageService(store, LineageMetrics("lineage"), graph_max_nodes=3)
    fan_out = make_event(
        job="split", inputs=[ds("mdc", "in")], outputs=[ds("mdc", f"out{i}") for i in range(5)]
    )
    await small.ingest(RunEvent.model_validate(fan_out), Door.HTTP)
    graph = await small.lineage("dataset:mdc:in", depth=5)
    assert graph["truncated"] is True
    assert len(graph["graph"]) == 3
    listed = set(ids(graph))
    for node in graph["graph"]:
        for edge in node["inEdges"] + node["outEdges"]:
            assert {edge["origin"], edge["destination"]} <= listed


async def test_run_history_and_dataset_versions(
    service: LineageService, make_event: Any, t0: Any
) -> None:
    run_id = uuid.uuid4()
    out = ds("mdc", "y", version={"datasetVersion": "v1"})
    for event_type, seconds in (("START", 0), ("COMPLETE", 30)):
        event = make_event(
            event_type,
            run_id=run_id,
            job="build",
            outputs=[out],
            event_time=t0 + timedelta(seconds=seconds),
        )
        await service.ingest(RunEvent.model_validate(event), Door.HTTP)
    runs = await service.job_runs("mdc", "build", limit=10, offset=0)
    assert runs["totalCount"] == 1
    assert runs["runs"][0]["state"] == "COMPLETE"
    assert runs["runs"][0]["durationMs"] == 30_000
    dataset = await service.dataset("mdc", "y", version_limit=10)
    assert dataset["currentVersion"] == "v1"
    assert [v["version"] for v in dataset["versions"]] == ["v1"]
    with pytest.raises(NotFound):
        await service.job_runs("mdc", "nope", limit=10, offset=0)


async def test_direction_walks_one_way(pipeline: LineageService) -> None:
    up = await pipeline.lineage("dataset:mdc:x", depth=20, direction=WalkDirection.UPSTREAM)
    assert ids(up) == [
        "dataset:mdc:x",
        "job:mdc:standardize",
        "dataset:mdc-raw:x",
        "job:mdc:download",
        "dataset:http://127.0.0.1:57010:/x.csv",
    ]
    down = await pipeline.lineage("dataset:mdc:x", depth=20, direction=WalkDirection.DOWNSTREAM)
    assert ids(down) == ["dataset:mdc:x", "job:mdc:join", "dataset:mdc:joined"]


def test_direction_is_a_query_parameter(client: Any) -> None:
    answer = client.get("/api/v1/lineage", params={"nodeId": "dataset:a:b", "direction": "up"})
    assert answer.status_code == 400  # not a direction
    assert "direction" in answer.text
