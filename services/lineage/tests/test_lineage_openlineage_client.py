"""Events built by the stock openlineage-python client must be accepted as they are sent."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient
from openlineage.client.client import OpenLineageClient
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.facet_v2 import (
    dataset_version_dataset,
    error_message_run,
    job_type_job,
    output_statistics_output_dataset,
    parent_run,
    schema_dataset,
)
from openlineage.client.serde import Serde
from openlineage.client.transport.http import HttpCompression, HttpConfig, HttpTransport
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

OutputStatistics = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet
PRODUCER = "https://github.com/mdc-platform/mdc/tests"
EVENT_TIME = datetime(2026, 3, 1, 8, 0, tzinfo=UTC).isoformat()


def client_event(state: RunState, run_id: str, *, error: str | None = None) -> RunEvent:
    run_facets: dict[str, Any] = {
        "parent": parent_run.ParentRunFacet(
            run=parent_run.Run(runId=str(uuid.UUID(int=99))),
            job=parent_run.Job(namespace="airflow", name="mdc_pipeline"),
        )
    }
    if error:
        run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=error, programmingLanguage="python"
        )
    schema = schema_dataset.SchemaDatasetFacet(
        fields=[
            schema_dataset.SchemaDatasetFacetFields(name="id", type="Int64"),
            schema_dataset.SchemaDatasetFacetFields(name="region", type="String"),
        ]
    )
    return RunEvent(
        eventType=state,
        eventTime=EVENT_TIME,
        run=Run(runId=run_id, facets=run_facets),
        job=Job(
            namespace="airflow",
            name="mdc_pipeline.standardize_sales",
            facets={
                "jobType": job_type_job.JobTypeJobFacet(
                    processingType="BATCH", integration="AIRFLOW", jobType="TASK"
                )
            },
        ),
        inputs=[
            InputDataset(
                namespace="s3://mdc-raw",
                name="sales.csv",
                facets={
                    "version": dataset_version_dataset.DatasetVersionDatasetFacet(
                        datasetVersion="sha256:abc"
                    )
                },
            )
        ],
        outputs=[
            OutputDataset(
                namespace="s3://mdc-curated",
                name="sales.parquet",
                facets={"schema": schema},
                outputFacets={"outputStatistics": OutputStatistics(rowCount=1200, size=40_000)},
            )
        ],
        producer=PRODUCER,
    )


def test_serde_output_posts_and_maps(client: TestClient, store: Any) -> None:
    run_id = str(uuid.uuid4())
    body = Serde.to_json(client_event(RunState.COMPLETE, run_id))
    response = client.post(
        "/api/v1/lineage", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["warnings"] == []
    run = store.run(uuid.UUID(run_id))
    assert run.parent_run_id == uuid.UUID(int=99)
    dataset = client.get("/api/v1/namespaces/s3:%2F%2Fmdc-curated/datasets/sales.parquet").json()
    assert [f["name"] for f in dataset["fields"]] == ["id", "region"]
    assert dataset["versions"][0]["rowCount"] == 1200
    assert dataset["versions"][0]["byteCount"] == 40_000


class _ToTestClient(HTTPAdapter):
    """A requests adapter that hands the client's request to the app instead of the network."""

    def __init__(self, test_client: TestClient) -> None:
        super().__init__()
        self.test_client = test_client

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        answer = self.test_client.request(
            request.method or "POST",
            request.url or "",
            content=request.body,
            headers=dict(request.headers),
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers = CaseInsensitiveDict(answer.headers)
        response.url = request.url or ""
        response.request = request
        return response


@pytest.mark.parametrize("compression", [None, HttpCompression.GZIP])
def test_stock_http_transport_end_to_end(
    client: TestClient, store: Any, compression: HttpCompression | None
) -> None:
    transport = HttpTransport(
        HttpConfig(url="http://testserver", adapter=_ToTestClient(client), compression=compression)
    )
    ol = OpenLineageClient(transport=transport)
    run_id = str(uuid.uuid4())
    ol.emit(client_event(RunState.START, run_id))
    ol.emit(client_event(RunState.FAIL, run_id, error="KeyError: 'region'"))
    ol.emit(client_event(RunState.FAIL, run_id, error="KeyError: 'region'"))  # retried send
    assert len(store.events) == 2
    run = store.run(uuid.UUID(run_id))
    assert run.state.value == "FAIL"
    assert run.error_message == "KeyError: 'region'"
    runs = client.get("/api/v1/namespaces/airflow/jobs/mdc_pipeline.standardize_sales/runs")
    assert runs.json()["runs"][0]["state"] == "FAIL"
    graph = client.get(
        "/api/v1/lineage", params={"nodeId": "job:airflow:mdc_pipeline.standardize_sales"}
    ).json()["graph"]
    assert {n["id"] for n in graph} == {
        "job:airflow:mdc_pipeline.standardize_sales",
        "dataset:s3://mdc-raw:sales.csv",
        "dataset:s3://mdc-curated:sales.parquet",
    }


def test_stock_dataset_event_is_refused_clearly(client: TestClient, store: Any) -> None:
    event = DatasetEvent(
        eventTime=EVENT_TIME,
        producer=PRODUCER,
        dataset=StaticDataset(namespace="s3://mdc-raw", name="sales.csv"),
    )
    transport = HttpTransport(HttpConfig(url="http://testserver", adapter=_ToTestClient(client)))
    with pytest.raises(requests.HTTPError) as caught:
        OpenLineageClient(transport=transport).emit(event)
    assert caught.value.response.status_code == 400
    assert "DatasetEvent" in caught.value.response.json()["error"]["message"]
    assert store.events == {}
