from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from bridge_fakes import DEMO_STEPS_FILE
from fastapi.testclient import TestClient
from mdc_orchestrator_bridge.app import create_app
from mdc_orchestrator_bridge.config import OrchestratorBridgeSettings
from mdc_orchestrator_bridge.steps import StepsFileError


@pytest.fixture
def client() -> TestClient:
    # No `with`: the lifespan (Kafka) does not start; the step routes do not need it.
    return TestClient(create_app(OrchestratorBridgeSettings(steps_file=DEMO_STEPS_FILE)))


def test_steps_lists_the_graph_in_dependency_order(client: TestClient) -> None:
    response = client.get("/steps")

    assert response.status_code == 200
    body = response.json()
    assert body["dag_id"] == "mdc_pipeline"
    assert body["steps_file"] == str(DEMO_STEPS_FILE)
    assert body["source_datasets"] == ["palmer-penguins", "seattle-weather"]
    assert body["error"] is None
    assert [s["name"] for s in body["steps"]] == [
        "penguins_by_species",
        "weather_monthly",
        "field_report",
        "weather_features",
    ]
    report = body["steps"][2]
    assert report["depends_on"] == ["penguins_by_species", "weather_monthly"]
    assert report["inputs"] == ["penguins-species-summary", "seattle-weather-monthly"]
    assert report["outputs"] == ["field-report"]
    assert report["command"] == '"$MDC_PYTHON" deploy/steps/field_report.py'


@pytest.mark.parametrize(
    ("dataset", "steps"),
    [
        ("palmer-penguins", ["penguins_by_species", "field_report"]),
        ("seattle-weather", ["weather_monthly", "field_report", "weather_features"]),
        ("unknown-dataset", []),
    ],
)
def test_downstream_tells_what_a_change_would_run(
    client: TestClient, dataset: str, steps: list[str]
) -> None:
    response = client.get("/steps/downstream", params={"dataset": dataset})

    assert response.status_code == 200
    assert response.json() == {
        "dataset": dataset,
        "dag_id": "mdc_pipeline",
        "steps": steps,
        "triggers_run": bool(steps),
    }


def test_downstream_needs_a_dataset(client: TestClient) -> None:
    assert client.get("/steps/downstream").status_code == 422
    assert client.get("/steps/downstream", params={"dataset": ""}).status_code == 422


def test_app_refuses_to_start_with_a_bad_steps_file(write_steps: Callable[[str], Path]) -> None:
    path = write_steps("- {name: a, command: x, inputs: [a-out], outputs: [a-out]}\n")

    with pytest.raises(StepsFileError, match="cycle: a -> a"):
        create_app(OrchestratorBridgeSettings(steps_file=path))


def test_settings_read_the_shared_airflow_and_steps_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MDC_STEPS_FILE", "/srv/mdc/steps.yaml")
    monkeypatch.setenv("MDC_AIRFLOW_URL", "http://127.0.0.1:58080")
    monkeypatch.setenv("MDC_AIRFLOW_PASSWORD", "pw")
    monkeypatch.setenv("MDC_AIRFLOW_DAG_ID", "other_dag")

    settings = OrchestratorBridgeSettings()

    assert settings.steps_file == Path("/srv/mdc/steps.yaml")
    assert settings.airflow.url == "http://127.0.0.1:58080"
    assert settings.airflow.password.get_secret_value() == "pw"
    assert settings.airflow.dag_id == "other_dag"
