"""What each run read and wrote (run_datasets): recorded from every event, statistics kept even
when they make no new version, and read back per dataset, per job run and as version lists."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from mdc_contracts.lineage import RunEvent
from mdc_lineage.ingest import map_run_event
from mdc_lineage.merging import merge_run_dataset
from mdc_lineage.records import Direction, EntityKey, RunDatasetRecord, RunDatasetSnapshot

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
RAW = EntityKey("mdc-raw", "sales")
SALES = EntityKey("mdc", "sales")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def event(
    event_type: str = "COMPLETE",
    *,
    run_id: uuid.UUID | None = None,
    job: str = "standardize",
    minutes: int = 0,
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "eventType": event_type,
        "eventTime": at(minutes).isoformat(),
        "run": {"runId": str(run_id or uuid.uuid4()), "facets": {}},
        "job": {"namespace": "mdc", "name": job, "facets": {}},
        "inputs": inputs or [],
        "outputs": outputs or [],
        "producer": "https://example.org/test",
    }


def raw_input(version: str | None = "abc", rows: int | None = None) -> dict[str, Any]:
    facets = {"version": {"datasetVersion": version}} if version else {}
    stats = {"inputStatistics": {"rowCount": rows, "size": 10 * rows}} if rows else {}
    return {"namespace": "mdc-raw", "name": "sales", "facets": facets, "inputFacets": stats}


def sales_output(
    rows: int | None = 42, version: str | None = None, name: str = "sales"
) -> dict[str, Any]:
    facets: dict[str, Any] = {"schema": {"fields": [{"name": "id", "type": "Int64"}]}}
    if version:
        facets["version"] = {"datasetVersion": version}
    stats = {"outputStatistics": {"rowCount": rows, "size": 100 * rows}} if rows else {}
    return {"namespace": "mdc", "name": name, "facets": facets, "outputFacets": stats}


def post(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post("/api/v1/lineage", json=body)
    assert response.status_code == 201, response.text


def get(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- records and merge rules -------------------------------------------------------------------


def test_every_input_and_output_is_a_run_dataset() -> None:
    records = map_run_event(
        RunEvent.model_validate(event(inputs=[raw_input(rows=7)], outputs=[sales_output()]))
    )
    (written, read) = records.run_datasets
    assert read == RunDatasetRecord(RAW, Direction.INPUT, "abc", 7, 70)
    assert (written.dataset, written.direction) == (SALES, Direction.OUTPUT)
    assert str(written.version).startswith("sha256:")
    assert (written.row_count, written.byte_count) == (42, 4200)


def test_statistics_of_an_event_that_makes_no_version_are_kept() -> None:
    """A START derives no content version, but its outputStatistics are still the run's."""
    records = map_run_event(RunEvent.model_validate(event("START", outputs=[sales_output(5)])))
    assert records.versions == ()
    assert records.run_datasets == (RunDatasetRecord(SALES, Direction.OUTPUT, None, 5, 500),)


def test_a_dataset_listed_twice_keeps_the_first_value_of_each_kind() -> None:
    twice = [raw_input(version=None, rows=3), raw_input(version="v2"), raw_input(version="v3")]
    records = map_run_event(RunEvent.model_validate(event(inputs=twice)))
    assert records.run_datasets == (RunDatasetRecord(RAW, Direction.INPUT, "v2", 3, 30),)


def test_merge_run_dataset_takes_the_later_values_and_never_erases() -> None:
    start = (RunDatasetRecord(SALES, Direction.OUTPUT, "v1", None, None), at(0))
    running = (RunDatasetRecord(SALES, Direction.OUTPUT, None, 10, None), at(1))
    complete = (RunDatasetRecord(SALES, Direction.OUTPUT, None, 42, 4200), at(2))
    for order in itertools.permutations([start, running, complete]):
        merged = None
        for record, when in order:
            merged = merge_run_dataset(merged, record, when)
        assert merged == RunDatasetSnapshot("v1", 42, 4200, at(2)), order


# --- through the API ---------------------------------------------------------------------------


def test_an_identical_rerun_makes_no_version_but_keeps_its_statistics(
    client: TestClient, store: Any
) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    for minutes, run_id in ((0, first), (60, second)):
        post(client, event("START", run_id=run_id, minutes=minutes, outputs=[sales_output(42)]))
        post(client, event(run_id=run_id, minutes=minutes + 5, outputs=[sales_output(42)]))
    versions = get(client, "/api/v1/namespaces/mdc/datasets/sales/versions")
    assert versions["totalCount"] == 1
    runs = get(client, "/api/v1/namespaces/mdc/datasets/sales/runs")
    assert [r["id"] for r in runs["runs"]] == [str(second), str(first)]
    assert {r["datasetVersion"] for r in runs["runs"]} == {versions["versions"][0]["version"]}
    assert [(r["rowCount"], r["byteCount"]) for r in runs["runs"]] == [(42, 4200)] * 2


def test_dataset_runs_newest_first_with_the_job_and_direction(client: TestClient) -> None:
    load, dedupe, report = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    sales = {"namespace": "mdc", "name": "sales"}
    post(client, event(run_id=load, minutes=0, inputs=[raw_input()], outputs=[sales_output()]))
    # dedupe rewrites the dataset it reads: one entry per direction.
    post(
        client,
        event(
            job="dedupe",
            run_id=dedupe,
            minutes=10,
            inputs=[sales],
            outputs=[sales_output(40, version="v-dedup")],
        ),
    )
    post(client, event("START", job="report", run_id=report, minutes=20, inputs=[sales]))
    body = get(client, "/api/v1/namespaces/mdc/datasets/sales/runs")
    assert body["totalCount"] == 4
    seen = [
        (r["id"], r["jobId"]["name"], r["state"], r["direction"], r["datasetVersion"])
        for r in body["runs"]
    ]
    content_version = body["runs"][3]["datasetVersion"]
    assert content_version.startswith("sha256:")
    assert seen == [
        (str(report), "report", "START", "input", None),
        (str(dedupe), "dedupe", "COMPLETE", "input", None),
        (str(dedupe), "dedupe", "COMPLETE", "output", "v-dedup"),
        (str(load), "standardize", "COMPLETE", "output", content_version),
    ]
    assert body["runs"][0]["startedAt"] == at(20).isoformat()
    assert body["runs"][0]["jobId"] == {"namespace": "mdc", "name": "report"}
    page = get(client, "/api/v1/namespaces/mdc/datasets/sales/runs", limit=2, offset=1)
    assert [(r["id"], r["direction"]) for r in page["runs"]] == [
        (str(dedupe), "input"),
        (str(dedupe), "output"),
    ]
    assert page["totalCount"] == 4


def test_job_runs_list_the_dataset_versions_read_and_written(client: TestClient) -> None:
    run_id = uuid.uuid4()
    post(client, event("START", run_id=run_id, inputs=[raw_input()], outputs=[sales_output(None)]))
    post(client, event(run_id=run_id, minutes=3, outputs=[sales_output(42, version="v7")]))
    (run,) = get(client, "/api/v1/namespaces/mdc/jobs/standardize/runs")["runs"]
    assert run["inputDatasetVersions"] == [
        {
            "datasetVersionId": {"namespace": "mdc-raw", "name": "sales", "version": "abc"},
            "facets": {},
        }
    ]
    assert run["outputDatasetVersions"] == [
        {
            "datasetVersionId": {"namespace": "mdc", "name": "sales", "version": "v7"},
            "facets": {"outputStatistics": {"rowCount": 42, "size": 4200}},
        }
    ]
    assert run["state"] == "COMPLETE"


def test_dataset_versions_newest_first_with_paging(client: TestClient) -> None:
    for minutes, version in ((0, "v1"), (10, "v2"), (20, "v3")):
        post(client, event(minutes=minutes, outputs=[sales_output(version=version)]))
    body = get(client, "/api/v1/namespaces/mdc/datasets/sales/versions")
    assert body["totalCount"] == 3
    assert [v["version"] for v in body["versions"]] == ["v3", "v2", "v1"]
    newest = body["versions"][0]
    assert newest["id"] == {"namespace": "mdc", "name": "sales", "version": "v3"}
    assert (newest["namespace"], newest["name"], newest["origin"]) == ("mdc", "sales", "facet")
    assert newest["createdAt"] == at(20).isoformat()
    assert (newest["rowCount"], newest["byteCount"]) == (42, 4200)
    page = get(client, "/api/v1/namespaces/mdc/datasets/sales/versions", limit=1, offset=1)
    assert [v["version"] for v in page["versions"]] == ["v2"]


def test_encoded_names_and_a_dataset_named_like_a_suffix(client: TestClient) -> None:
    """`/runs` and `/versions` are suffixes, unless the raw path shows them inside an encoded
    name: `x%2Fruns` is the dataset named `x/runs` itself."""
    bucket = {"namespace": "s3://b", "name": "a/b.parquet", "facets": {}}
    post(client, event(outputs=[bucket, {"namespace": "mdc", "name": "x/runs", "facets": {}}]))
    post(client, event(job="other", outputs=[{"namespace": "mdc", "name": "x", "facets": {}}]))
    runs = get(client, "/api/v1/namespaces/s3:%2F%2Fb/datasets/a%2Fb.parquet/runs")
    assert runs["totalCount"] == 1
    versions = get(client, "/api/v1/namespaces/s3:%2F%2Fb/datasets/a%2Fb.parquet/versions")
    assert versions == {"versions": [], "totalCount": 0}
    itself = get(client, "/api/v1/namespaces/mdc/datasets/x%2Fruns")
    assert (itself["name"], itself["type"]) == ("x/runs", "DATASET")
    # Unencoded, the suffix wins: the runs of dataset `x`.
    of_x = get(client, "/api/v1/namespaces/mdc/datasets/x/runs")
    assert [r["jobId"]["name"] for r in of_x["runs"]] == ["other"]
    assert get(client, "/api/v1/namespaces/mdc/datasets/x%2Fruns/runs")["totalCount"] == 1


@pytest.mark.parametrize("suffix", ["runs", "versions"])
def test_unknown_datasets_and_bad_paging(client: TestClient, suffix: str) -> None:
    missing = client.get(f"/api/v1/namespaces/mdc/datasets/nope/{suffix}")
    assert missing.status_code == 404
    assert "no dataset named 'nope'" in missing.json()["error"]["message"]
    post(client, event(outputs=[sales_output()]))
    for params in ({"limit": 0}, {"limit": 1001}, {"offset": -1}):
        bad = client.get(f"/api/v1/namespaces/mdc/datasets/sales/{suffix}", params=params)
        assert bad.status_code == 400, bad.text
        assert bad.json()["error"]["code"] == "invalid_request"
