"""The Python API: datasets by name, and the OpenLineage events of a step run."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any
from urllib.parse import urljoin

import polars as pl
import pytest
from mdc_contracts.lineage import RunEvent as ContractRunEvent
from mdc_steps import (
    ColumnMappingError,
    DatasetConflict,
    InputNotReady,
    LineageEmitter,
    aggregation,
    identity,
    run_step_script,
    step_run,
    transformation,
)
from mdc_steps.lineage import lineage_client
from mdc_steps_fakes import BrokenTransport, World, dataset_of
from openlineage.client import OpenLineageClient
from openlineage.client.transport.http import HttpTransport

PARENT_RUN = "01980c8e-4d0a-7c3e-9b55-7a1f2e3d4c5b"
ROOT_RUN = "01980c8e-4c00-7aaa-8bbb-0123456789ab"
AIRFLOW_ENV = {
    "OPENLINEAGE_PARENT_ID": f"mdc/mdc_pipeline.penguins_by_species/{PARENT_RUN}",
    "OPENLINEAGE_ROOT_PARENT_ID": f"mdc/mdc_pipeline/{ROOT_RUN}",
}


def summarize(penguins: pl.DataFrame) -> pl.DataFrame:
    return (
        penguins.group_by("species")
        .agg(pl.len().alias("penguins"), pl.col("body_mass_g").mean().alias("mean_mass"))
        .sort("species")
    )


def run_summary(world: World, environ: dict[str, str] | None = None, **kwargs: Any) -> None:
    with step_run(
        "penguins_by_species",
        datasets=world.datasets,
        lineage=world.lineage,
        environ=environ or {},
    ) as run:
        penguins = run.read("palmer-penguins")
        run.write(
            "penguins-summary",
            summarize(penguins),
            columns={
                "penguins": aggregation("palmer-penguins.species"),
                "mean_mass": aggregation("palmer-penguins.body_mass_g"),
            },
            **kwargs,
        )


def test_a_run_sends_start_then_complete_for_one_job_run(with_penguins: World) -> None:
    run_summary(with_penguins)

    start, complete = with_penguins.events
    assert (start["eventType"], complete["eventType"]) == ("START", "COMPLETE")
    assert start["run"]["runId"] == complete["run"]["runId"]
    assert complete["job"]["namespace"] == "mdc"
    assert complete["job"]["name"] == "penguins_by_species"
    assert complete["job"]["facets"]["jobType"]["jobType"] == "STEP"
    for event in (start, complete):  # what the lineage service's contract accepts
        ContractRunEvent.model_validate(event)


def test_inputs_carry_their_schema_and_the_version_read(with_penguins: World) -> None:
    run_summary(with_penguins)

    source = dataset_of(with_penguins.events[-1], "inputs", "palmer-penguins")
    assert source["namespace"] == "mdc"
    assert source["facets"]["version"]["datasetVersion"] == "3"  # the catalog's version
    fields = source["facets"]["schema"]["fields"]
    assert [(f["name"], f["type"]) for f in fields] == [
        ("species", "String"),
        ("island", "String"),
        ("body_mass_g", "Int64"),
        ("sex", "String"),
    ]


def test_a_derived_input_is_versioned_by_its_content(with_penguins: World) -> None:
    run_summary(with_penguins)
    with step_run(
        "report", datasets=with_penguins.datasets, lineage=with_penguins.lineage, environ={}
    ) as run:
        run.read("penguins-summary")

    written = dataset_of(with_penguins.events[1], "outputs", "penguins-summary")
    read = dataset_of(with_penguins.events[-1], "inputs", "penguins-summary")
    assert read["facets"]["version"] == written["facets"]["version"]


def test_outputs_carry_schema_statistics_and_the_content_hash(
    with_penguins: World, penguins: pl.DataFrame
) -> None:
    run_summary(with_penguins)

    output = dataset_of(with_penguins.events[-1], "outputs", "penguins-summary")
    stored = with_penguins.objects.objects["s3://mdc-curated/derived/penguins-summary.parquet"]
    assert output["namespace"] == "mdc"
    assert output["facets"]["version"]["datasetVersion"] == (
        "sha256:" + hashlib.sha256(stored).hexdigest()
    )
    assert output["outputFacets"]["outputStatistics"]["rowCount"] == 3
    assert output["outputFacets"]["outputStatistics"]["size"] == len(stored)
    fields = output["facets"]["schema"]["fields"]
    assert [(f["name"], f["type"]) for f in fields] == [
        ("species", "String"),
        ("penguins", "UInt32"),
        ("mean_mass", "Float64"),
    ]
    assert with_penguins.stored("penguins-summary").equals(summarize(penguins))


def output_version(world: World) -> str:
    output = dataset_of(world.events[-1], "outputs", "penguins-summary")
    return str(output["facets"]["version"]["datasetVersion"])


def test_identical_data_is_the_same_version_and_is_not_uploaded_again(
    with_penguins: World,
) -> None:
    run_summary(with_penguins)
    first = output_version(with_penguins)
    run_summary(with_penguins)

    assert output_version(with_penguins) == first
    assert with_penguins.objects.puts == ["s3://mdc-curated/derived/penguins-summary.parquet"]


def test_different_data_is_a_new_version(with_penguins: World, penguins: pl.DataFrame) -> None:
    run_summary(with_penguins)
    first = output_version(with_penguins)
    with_penguins.add_source("palmer-penguins", penguins.head(2), version=4)
    run_summary(with_penguins)

    assert output_version(with_penguins) != first
    assert len(with_penguins.objects.puts) == 2
    assert with_penguins.stored("penguins-summary")["penguins"].to_list() == [2]


def column_lineage(event: dict[str, Any], output: str) -> dict[str, list[tuple[str, str, str]]]:
    """output column -> [(input dataset, input column, subtype)]"""
    facet = dataset_of(event, "outputs", output)["facets"]["columnLineage"]
    return {
        column: [
            (f["name"], f["field"], f["transformations"][0]["subtype"])
            for f in value["inputFields"]
        ]
        for column, value in facet["fields"].items()
    }


def test_column_lineage_joins_explicit_mappings_and_pass_through_columns(
    with_penguins: World,
) -> None:
    run_summary(with_penguins)

    complete = with_penguins.events[-1]
    assert column_lineage(complete, "penguins-summary") == {
        "species": [("palmer-penguins", "species", "IDENTITY")],  # detected
        "penguins": [("palmer-penguins", "species", "AGGREGATION")],
        "mean_mass": [("palmer-penguins", "body_mass_g", "AGGREGATION")],
    }
    field = dataset_of(complete, "outputs", "penguins-summary")["facets"]["columnLineage"]
    input_field = field["fields"]["species"]["inputFields"][0]
    assert input_field["namespace"] == "mdc"
    assert input_field["transformations"][0]["type"] == "DIRECT"
    assert field["_schemaURL"].startswith(
        "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json"
    )


def test_pass_through_needs_same_dtype_and_one_input_only(world: World) -> None:
    world.add_source("left", pl.DataFrame({"id": [1], "name": ["a"], "score": [1.5]}))
    world.add_source("right", pl.DataFrame({"id": [1], "score": [2]}))
    with step_run("join", datasets=world.datasets, lineage=world.lineage, environ={}) as run:
        left, right = run.read("left"), run.read("right")
        joined = left.join(right, on="id", suffix="_right")
        out = joined.with_columns(pl.col("score").cast(pl.Float32))
        run.write("joined", out, columns={"score_right": identity("right.score")})

    assert column_lineage(world.events[-1], "joined") == {
        # "id" is in both inputs: ambiguous, left out; "score" changed its dtype: not detected.
        "name": [("left", "name", "IDENTITY")],
        "score_right": [("right", "score", "IDENTITY")],
    }


def test_an_explicit_mapping_overrides_detection(world: World) -> None:
    world.add_source("a", pl.DataFrame({"x": [1.0], "y": [2.0]}))
    with step_run("t", datasets=world.datasets, lineage=world.lineage, environ={}) as run:
        frame = run.read("a")
        run.write(
            "b",
            frame.with_columns(pl.col("x") + pl.col("y")),
            columns={"x": transformation("a.x", "a.y", description="x + y")},
        )

    assert column_lineage(world.events[-1], "b") == {
        "x": [("a", "x", "TRANSFORMATION"), ("a", "y", "TRANSFORMATION")],
        "y": [("a", "y", "IDENTITY")],
    }
    facet = dataset_of(world.events[-1], "outputs", "b")["facets"]["columnLineage"]
    assert facet["fields"]["x"]["inputFields"][0]["transformations"][0]["description"] == "x + y"


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"nope": "palmer-penguins.species"}, "the output has no column 'nope'"),
        ({"penguins": "seattle-weather.date"}, "does not start with one of the datasets"),
        ({"penguins": "palmer-penguins.beak"}, "has no column 'beak'"),
    ],
)
def test_a_bad_column_mapping_fails_the_run_with_the_reason(
    with_penguins: World, columns: dict[str, str], message: str
) -> None:
    with (
        pytest.raises(ColumnMappingError, match=message),
        step_run(
            "s", datasets=with_penguins.datasets, lineage=with_penguins.lineage, environ={}
        ) as run,
    ):
        run.write("summary", summarize(run.read("palmer-penguins")), columns=columns)

    assert with_penguins.states() == ["START", "FAIL"]
    assert with_penguins.objects.puts == []  # nothing written on a bad mapping


def test_an_exception_sends_fail_with_the_error_message(with_penguins: World) -> None:
    def failing_step() -> None:
        with step_run(
            "s", datasets=with_penguins.datasets, lineage=with_penguins.lineage, environ={}
        ) as run:
            run.read("palmer-penguins")
            _ = 1 / 0

    with pytest.raises(ZeroDivisionError):
        failing_step()

    start, fail = with_penguins.events
    assert fail["eventType"] == "FAIL"
    assert fail["run"]["runId"] == start["run"]["runId"]
    error = fail["run"]["facets"]["errorMessage"]
    assert error["message"] == "ZeroDivisionError: division by zero"
    assert error["programmingLanguage"] == "python"
    assert "1 / 0" in error["stackTrace"]
    assert [d["name"] for d in fail["inputs"]] == ["palmer-penguins"]  # read before failing
    ContractRunEvent.model_validate(fail)


def test_writing_over_a_catalog_dataset_is_refused(with_penguins: World) -> None:
    with (
        pytest.raises(DatasetConflict, match="is a catalog dataset"),
        step_run(
            "s", datasets=with_penguins.datasets, lineage=with_penguins.lineage, environ={}
        ) as run,
    ):
        run.write("palmer-penguins", run.read("palmer-penguins"))

    assert with_penguins.states() == ["START", "FAIL"]


def test_an_input_not_produced_yet_aborts_and_the_script_exits_99(world: World) -> None:
    def main() -> None:
        with step_run("s", datasets=world.datasets, lineage=world.lineage, environ={}) as run:
            run.read("penguins-summary")

    with pytest.raises(SystemExit) as exited:
        run_step_script(main)

    assert exited.value.code == 99  # the DAG's skip_on_exit_code
    assert world.states() == ["START", "ABORT"]
    message = world.events[-1]["run"]["facets"]["errorMessage"]["message"]
    assert "'penguins-summary' is not available" in message
    with pytest.raises(InputNotReady):
        main()


def test_the_parent_run_comes_from_airflow_environment(with_penguins: World) -> None:
    run_summary(with_penguins, environ=AIRFLOW_ENV)

    for event in with_penguins.events:
        parent = event["run"]["facets"]["parent"]
        assert parent["run"]["runId"] == PARENT_RUN
        assert (parent["job"]["namespace"], parent["job"]["name"]) == (
            "mdc",
            "mdc_pipeline.penguins_by_species",
        )
        assert parent["root"]["run"]["runId"] == ROOT_RUN
        assert (parent["root"]["job"]["namespace"], parent["root"]["job"]["name"]) == (
            "mdc",
            "mdc_pipeline",
        )


def test_without_airflow_there_is_no_parent(with_penguins: World) -> None:
    run_summary(with_penguins, environ={"OPENLINEAGE_PARENT_ID": "not-a-parent-id"})

    assert all("parent" not in e["run"]["facets"] for e in with_penguins.events)


def run_ids(world: World) -> set[str]:
    return {e["run"]["runId"] for e in world.events}


def test_under_a_parent_the_run_id_is_derived_from_it(with_penguins: World) -> None:
    run_summary(with_penguins, environ=AIRFLOW_ENV)
    first = run_ids(with_penguins)
    with_penguins.transport.events.clear()
    run_summary(with_penguins, environ=AIRFLOW_ENV)  # the same task try again
    again = run_ids(with_penguins)
    with_penguins.transport.events.clear()
    retry = AIRFLOW_ENV | {
        "OPENLINEAGE_PARENT_ID": f"mdc/mdc_pipeline.penguins_by_species/{uuid.uuid4()}"
    }
    run_summary(with_penguins, environ=retry)  # a new try: a new parent run

    assert len(first) == 1
    assert again == first
    assert run_ids(with_penguins) != first
    assert uuid.UUID(first.pop()).version == 7


def test_runs_without_parent_get_fresh_run_ids(with_penguins: World) -> None:
    run_summary(with_penguins)
    run_summary(with_penguins)

    assert len(run_ids(with_penguins)) == 2


def test_an_unreachable_lineage_service_does_not_fail_the_step(
    with_penguins: World, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = LineageEmitter(OpenLineageClient(transport=BrokenTransport()))
    with step_run("s", datasets=with_penguins.datasets, lineage=broken, environ={}) as run:
        run.write("copy", run.read("palmer-penguins"))

    assert "copy" in str(with_penguins.objects.puts)
    assert "could not send the START event of s" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("url", "posted_to"),
    [
        ("http://127.0.0.1:8105", "http://127.0.0.1:8105/api/v1/lineage"),
        ("http://lineage.local/mdc", "http://lineage.local/mdc/api/v1/lineage"),
    ],
)
def test_events_go_to_the_lineage_service_s_endpoint(url: str, posted_to: str) -> None:
    client = lineage_client({"MDC_LINEAGE_URL": url})

    assert client is not None
    assert isinstance(client.transport, HttpTransport)  # the stock client's HTTP transport
    assert urljoin(client.transport.url, client.transport.endpoint) == posted_to


def test_without_a_lineage_url_the_run_is_not_recorded(capsys: pytest.CaptureFixture[str]) -> None:
    assert lineage_client({}) is None
    assert "MDC_LINEAGE_URL is not set" in capsys.readouterr().err
