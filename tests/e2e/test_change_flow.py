"""A source change flows through all five services on the real stack, and Airflow runs only
the steps it reaches. Latencies are printed, never asserted."""

from __future__ import annotations

import io
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from tests.support.files import FileServer
from tests.support.report import report
from tests.support.stack import Stack, wait_for

pytestmark = pytest.mark.e2e

DAG_ID = "mdc_pipeline"
PENGUIN_STEPS = {"penguins_by_species", "field_report"}
WEATHER_ONLY_STEP = "weather_monthly"


def _demo_file(package: str, relative: str) -> bytes:
    import importlib.resources

    return (importlib.resources.files(package) / relative).read_bytes()


def _runs_for(stack: Stack, dataset: str, version: int) -> list[dict[str, Any]]:
    return [
        run
        for run in stack.airflow.dag_runs(DAG_ID)
        if (run.get("conf") or {}).get("dataset") == dataset
        and (run.get("conf") or {}).get("version") == version
    ]


def _finished(stack: Stack, run_id: str) -> dict[str, Any] | None:
    run = next(r for r in stack.airflow.dag_runs(DAG_ID) if r["dag_run_id"] == run_id)
    return run if run["state"] in {"success", "failed"} else None


def _lineage_node_ids(stack: Stack, node_id: str) -> set[str]:
    response = stack.lineage.get("/api/v1/lineage", params={"nodeId": node_id, "depth": 5})
    return (
        {node["id"] for node in response.json()["graph"]} if response.status_code == 200 else set()
    )


def test_change_reaches_catalog_lineage_and_only_affected_airflow_steps(
    stack: Stack, file_server: FileServer
) -> None:
    penguins = _demo_file("palmerpenguins", "data/penguins.csv")
    weather = _demo_file("vega_datasets", "_data/seattle-weather.csv")
    registered_at = time.monotonic()
    penguins_source = stack.register_source(
        "palmer-penguins", file_server.write("e2e/penguins.csv", penguins)
    )
    stack.register_source("seattle-weather", file_server.write("e2e/weather.csv", weather))

    first = stack.wait_for_version("palmer-penguins", 1)
    stack.wait_for_version("seattle-weather", 1)
    report(f"latency registered -> both searchable: {time.monotonic() - registered_at:.2f} s")
    assert first["row_count"] == 344

    # The first versions trigger their own runs; let them finish so the change below is clean.
    finished = {}
    for name in ("palmer-penguins", "seattle-weather"):
        run = wait_for(lambda n=name: _runs_for(stack, n, 1), timeout=120, what=f"{name} v1 run")
        finished[name] = wait_for(
            lambda r=run[0]: _finished(stack, r["dag_run_id"]),
            timeout=300,
            what="first runs to finish",
        )
    _check_the_r_style_step(stack, finished["seattle-weather"]["dag_run_id"])

    # Change one value of one source.
    changed = penguins.replace(b"Adelie,Torgersen,39.1,", b"Adelie,Torgersen,39.7,", 1)
    assert changed != penguins
    changed_at = time.monotonic()
    changed_at_wall = datetime.now().astimezone()
    file_server.write("e2e/penguins.csv", changed)

    second = stack.wait_for_version("palmer-penguins", 2)
    searchable_s = time.monotonic() - changed_at
    runs = wait_for(
        lambda: _runs_for(stack, "palmer-penguins", 2),
        timeout=120,
        what="Airflow run for palmer-penguins v2",
    )
    requested_s = time.monotonic() - changed_at
    queued_at = runs[0].get("queued_at") or runs[0].get("run_after")
    if queued_at:
        requested_s = (datetime.fromisoformat(queued_at) - changed_at_wall).total_seconds()
    report(f"latency file changed -> searchable in the catalog: {searchable_s:.2f} s")
    report(f"latency file changed -> Airflow run requested: {requested_s:.2f} s")
    assert second["row_count"] == 344
    assert len(runs) == 1, "one change must trigger exactly one run"

    run = wait_for(
        lambda: _finished(stack, runs[0]["dag_run_id"]),
        timeout=300,
        what="the targeted run to finish",
    )
    states = stack.airflow.task_states(DAG_ID, run["dag_run_id"])
    assert run["state"] == "success", states
    ran = {task for task, state in states.items() if state == "success"}
    assert ran == PENGUIN_STEPS, states
    assert states[WEATHER_ONLY_STEP] == "skipped"
    _check_the_step_lineage(stack)

    # Lineage: the standardize job links the raw zone to the new version.
    node = "dataset:mdc:palmer-penguins"
    ids = wait_for(
        lambda: (
            (found := _lineage_node_ids(stack, node))
            and "job:mdc:profiler.standardize.palmer-penguins" in found
            and found
        ),
        what="standardize job in the lineage graph",
    )
    assert "dataset:mdc-raw:palmer-penguins" in ids

    # An unchanged file yields no new version and no new run.
    outcome = stack.change_detector.post(f"/sources/{penguins_source['id']}/check").json()
    assert outcome["outcome"] == "unchanged", outcome
    wait_for(
        lambda: stack.source(penguins_source["id"])["last_outcome"] == "unchanged",
        what="the unchanged check to reach the catalog",
    )
    assert stack.dataset_by_name("palmer-penguins")["version"] == 2  # type: ignore[index]
    assert len(_runs_for(stack, "palmer-penguins", 3)) == 0


def _get(stack: Stack, path: str, **params: Any) -> dict[str, Any] | None:
    response = stack.lineage.get(path, params=params)
    return response.json() if response.status_code == 200 else None  # type: ignore[no-any-return]


def _check_the_r_style_step(stack: Stack, run_id: str) -> None:
    """weather_features (bash + awk through the mdc-step CLI, as an R script would) ran in
    Airflow and recorded its column lineage: declared mappings and found pass-throughs."""
    states = stack.airflow.task_states(DAG_ID, run_id)
    assert states["weather_features"] == "success", states
    features = "datasetField:mdc:seattle-weather-features"
    declared = _get(stack, "/api/v1/column-lineage", nodeId=f"{features}:temp_range_c")
    assert declared is not None
    assert {n["id"] for n in declared["graph"]} == {
        f"{features}:temp_range_c",
        "datasetField:mdc:seattle-weather:temp_max",
        "datasetField:mdc:seattle-weather:temp_min",
    }
    passed = _get(stack, "/api/v1/column-lineage", nodeId=f"{features}:precipitation")
    assert passed is not None
    assert "datasetField:mdc:seattle-weather:precipitation" in {n["id"] for n in passed["graph"]}


def _check_the_step_lineage(stack: Stack) -> None:
    """penguins_by_species ran in Airflow through the mdc_steps wrappers: its column-level
    edges, Airflow's own task events (the step's parent run) and the GraphML export."""
    summary = "datasetField:mdc:penguins-species-summary"
    columns = wait_for(
        lambda: _get(stack, "/api/v1/column-lineage", nodeId=f"{summary}:mean_body_mass_g"),
        what="the step's column lineage",
    )
    assert [n["id"] for n in columns["graph"]] == [
        f"{summary}:mean_body_mass_g",
        "datasetField:mdc:palmer-penguins:body_mass_g",
    ]
    (source,) = columns["graph"][0]["data"]["inputFields"]
    assert source["transformations"][0]["subtype"] == "AGGREGATION"
    # species is passed through unchanged: found by the wrapper without being declared
    species = _get(stack, "/api/v1/column-lineage", nodeId=f"{summary}:species")
    assert species is not None
    assert "datasetField:mdc:palmer-penguins:species" in {n["id"] for n in species["graph"]}

    # Airflow's own events for the task, and the step's run under the task's run.
    task_runs = wait_for(
        lambda: (
            (
                found := _get(
                    stack, "/api/v1/namespaces/mdc/jobs/mdc_pipeline.penguins_by_species/runs"
                )
            )
            and [r for r in found["runs"] if r["state"] == "COMPLETE"]
        ),
        timeout=120,
        what="Airflow's OpenLineage events of the task",
    )
    step_runs = _get(stack, "/api/v1/namespaces/mdc/jobs/penguins_by_species/runs")
    assert step_runs is not None
    latest = step_runs["runs"][0]
    assert latest["state"] == "COMPLETE"
    assert latest["parentRunId"] in {r["id"] for r in task_runs}
    assert latest["parentJob"] == {"namespace": "mdc", "name": "mdc_pipeline.penguins_by_species"}

    # Impact of one column: the summary column derived from it, nothing else of the summary.
    impact = _get(
        stack, "/api/v1/impact", nodeId="dataset:mdc:palmer-penguins", column="bill_depth_mm"
    )
    assert impact is not None
    affected = {a["id"]: a.get("columns") for a in impact["affected"]}
    assert affected["dataset:mdc:penguins-species-summary"] == ["mean_bill_depth_mm"]

    # The GraphML export of the neighbourhood has the nodes of the lineage answer.
    node = "dataset:mdc:palmer-penguins"
    lineage = _get(stack, "/api/v1/lineage", nodeId=node, depth=10)
    assert lineage is not None
    response = stack.lineage.get(
        "/api/v1/export", params={"format": "graphml", "nodeId": node, "depth": 10}
    )
    assert response.status_code == 200, response.text
    exported = nx.read_graphml(io.StringIO(response.text))
    assert set(exported.nodes) == {n["id"] for n in lineage["graph"]}
    assert "job:mdc:penguins_by_species" in exported.nodes


def test_demo_files_ship_in_packages() -> None:
    assert Path(__file__).exists()
    assert _demo_file("palmerpenguins", "data/penguins.csv").startswith(b"species,")
