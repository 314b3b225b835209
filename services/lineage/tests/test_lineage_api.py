import gzip
import json
import uuid
from typing import Any

from fastapi.testclient import TestClient


def ds(namespace: str, name: str, **facets: Any) -> dict[str, Any]:
    return {"namespace": namespace, "name": name, "facets": facets}


def test_post_stores_a_run_event_and_answers_201(
    client: TestClient, store: Any, make_event: Any
) -> None:
    event = make_event(inputs=[ds("mdc-raw", "x")], outputs=[ds("mdc", "x")])
    response = client.post("/api/v1/lineage", json=event)
    assert response.status_code == 201, response.text
    assert response.json() == {
        "runId": event["run"]["runId"],
        "eventType": "COMPLETE",
        "duplicate": False,
        "warnings": [],
    }
    assert len(store.events) == 1
    assert {d.ref.key.name for d in store.datasets_by_key.values()} == {"x"}


def test_posting_the_same_event_twice_changes_nothing(
    client: TestClient, store: Any, make_event: Any
) -> None:
    event = make_event(outputs=[ds("mdc", "x", version={"datasetVersion": "v1"})])
    first = client.post("/api/v1/lineage", json=event)
    before = (dict(store.events), dict(store.runs), dict(store.edges))
    second = client.post("/api/v1/lineage", json=event)
    assert first.status_code == second.status_code == 201
    assert second.json()["duplicate"] is True
    assert (store.events, store.runs, store.edges) == before
    metrics = client.get("/metrics").text
    assert (
        'mdc_lineage_events_ingested_total{door="http",event_type="COMPLETE",outcome="stored"} 1.0'
        in metrics
    )
    assert 'outcome="duplicate"} 1.0' in metrics


def test_extra_fields_and_json_content_type_are_accepted(
    client: TestClient, make_event: Any
) -> None:
    event = make_event()
    event["airflowExtra"] = {"dag_id": "mdc"}
    event["job"]["facets"]["jobType"] = {
        "integration": "AIRFLOW",
        "jobType": "TASK",
        "processingType": "BATCH",
    }
    response = client.post(
        "/api/v1/lineage", content=json.dumps(event), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text


def test_gzip_bodies_are_accepted(client: TestClient, make_event: Any) -> None:
    body = gzip.compress(json.dumps(make_event()).encode())
    response = client.post(
        "/api/v1/lineage",
        content=body,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 201, response.text


def assert_invalid(response: Any, *, field: str | None = None, says: str = "") -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_event"
    assert says in error["message"]
    if field is not None:
        assert field in [f["field"] for f in error["fields"]], error["fields"]


def test_invalid_run_event_is_400_with_the_fields(
    client: TestClient, store: Any, make_event: Any
) -> None:
    event = make_event()
    event["run"]["runId"] = "not-a-uuid"
    del event["producer"]
    response = client.post("/api/v1/lineage", json=event)
    assert_invalid(response, field="run.runId", says="not a valid OpenLineage RunEvent")
    assert "producer" in [f["field"] for f in response.json()["error"]["fields"]]
    assert store.events == {}


def test_naive_event_time_is_refused(client: TestClient, make_event: Any) -> None:
    event = make_event()
    event["eventTime"] = "2026-03-01T08:00:00"
    assert_invalid(client.post("/api/v1/lineage", json=event), field="eventTime")


def test_dataset_and_job_events_are_refused_with_a_reason(client: TestClient) -> None:
    dataset_event = {
        "eventTime": "2026-03-01T08:00:00Z",
        "producer": "p",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
        "dataset": {"namespace": "mdc", "name": "x", "facets": {}},
    }
    assert_invalid(
        client.post("/api/v1/lineage", json=dataset_event),
        field="run",
        says="this is a DatasetEvent",
    )
    job_event = {
        "eventTime": "2026-03-01T08:00:00Z",
        "producer": "p",
        "job": {"namespace": "mdc", "name": "x"},
        "inputs": [],
        "outputs": [],
    }
    assert_invalid(client.post("/api/v1/lineage", json=job_event), says="this is a JobEvent")
    metrics = client.get("/metrics").text
    assert 'mdc_lineage_events_rejected_total{door="http",reason="not_a_run_event"} 2.0' in metrics


def test_bodies_that_are_not_an_event_object(client: TestClient) -> None:
    assert_invalid(client.post("/api/v1/lineage", content=b"{oops"), says="not JSON")
    assert_invalid(client.post("/api/v1/lineage", json=[1, 2]), says="JSON object")
    assert_invalid(client.post("/api/v1/lineage", content=b"\xff\xfe"), says="not JSON")
    assert_invalid(
        client.post("/api/v1/lineage", content=b"nope", headers={"Content-Encoding": "gzip"}),
        says="gzip",
    )
    assert_invalid(
        client.post("/api/v1/lineage", content=b"{}", headers={"Content-Encoding": "br"}),
        says="Content-Encoding",
    )


def test_unstorable_values_are_400_not_500(client: TestClient, make_event: Any) -> None:
    event = make_event()
    event["job"]["name"] = "bad\u0000name"
    assert_invalid(client.post("/api/v1/lineage", json=event), field="job.name", says="NUL")
    body = json.dumps(make_event(run_facets={"x": {"v": float("inf")}}))
    assert_invalid(client.post("/api/v1/lineage", content=body), field="run.facets.x.v")


def test_a_run_id_reused_by_another_job_is_400(client: TestClient, make_event: Any) -> None:
    run_id = uuid.uuid4()
    assert client.post("/api/v1/lineage", json=make_event(run_id=run_id)).status_code == 201
    other = make_event("COMPLETE", run_id=run_id, job="other")
    other["eventTime"] = "2026-03-01T09:00:00Z"
    assert_invalid(client.post("/api/v1/lineage", json=other), says="belongs to job")


def test_too_large_is_413(client: TestClient, make_event: Any) -> None:
    event = make_event(run_facets={"blob": {"data": "x" * 70_000}})
    response = client.post("/api/v1/lineage", json=event)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    bomb = gzip.compress(json.dumps(event).encode())
    assert len(bomb) < 64 * 1024
    response = client.post("/api/v1/lineage", content=bomb, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 413


def test_get_lineage_in_marquez_shape(client: TestClient, make_event: Any) -> None:
    event = make_event(
        job="standardize", inputs=[ds("s3://bucket", "raw/x.csv")], outputs=[ds("mdc", "x")]
    )
    client.post("/api/v1/lineage", json=event)
    response = client.get(
        "/api/v1/lineage", params={"nodeId": "dataset:s3://bucket:raw/x.csv", "depth": 5}
    )
    assert response.status_code == 200, response.text
    graph = response.json()["graph"]
    assert [n["id"] for n in graph] == [
        "dataset:s3://bucket:raw/x.csv",
        "job:mdc:standardize",
        "dataset:mdc:x",
    ]
    assert {n["type"] for n in graph} == {"DATASET", "JOB"}
    assert graph[1]["inEdges"] == [
        {"origin": "dataset:s3://bucket:raw/x.csv", "destination": "job:mdc:standardize"}
    ]
    assert graph[1]["data"]["latestRun"]["state"] == "COMPLETE"


def test_get_lineage_errors(client: TestClient) -> None:
    unknown = client.get("/api/v1/lineage", params={"nodeId": "dataset:mdc:nope"})
    assert unknown.status_code == 404
    assert "no dataset matches nodeId" in unknown.json()["error"]["message"]
    malformed = client.get("/api/v1/lineage", params={"nodeId": "table:x:y"})
    assert malformed.status_code == 400
    too_deep = client.get("/api/v1/lineage", params={"nodeId": "dataset:mdc:x", "depth": 101})
    assert too_deep.status_code == 400
    assert too_deep.json()["error"]["code"] == "invalid_request"
    assert client.get("/api/v1/lineage").status_code == 400


def test_runs_and_dataset_paths_take_encoded_namespaces(
    client: TestClient, make_event: Any
) -> None:
    event = make_event(
        job="load", outputs=[ds("s3://bucket", "a/b.parquet", version={"datasetVersion": "v9"})]
    )
    event["job"]["namespace"] = "http://airflow:8080"
    client.post("/api/v1/lineage", json=event)
    runs = client.get("/api/v1/namespaces/http:%2F%2Fairflow:8080/jobs/load/runs")
    assert runs.status_code == 200, runs.text
    assert runs.json()["totalCount"] == 1
    assert runs.json()["runs"][0]["state"] == "COMPLETE"
    dataset = client.get("/api/v1/namespaces/s3:%2F%2Fbucket/datasets/a%2Fb.parquet")
    assert dataset.status_code == 200, dataset.text
    assert dataset.json()["currentVersion"] == "v9"
    assert [v["version"] for v in dataset.json()["versions"]] == ["v9"]
    missing = client.get("/api/v1/namespaces/mdc/datasets/nope")
    assert missing.status_code == 404
    assert client.get("/api/v1/namespaces/mdc/jobs/load/runs?limit=0").status_code == 400


def test_healthz_checks_db_and_kafka(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert set(body["checks"]) == {"db", "kafka"}
    assert body["checks"]["db"] == "ok"
