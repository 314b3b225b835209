from __future__ import annotations

import json

import httpx
import pytest
from bridge_fakes import FakeAirflow
from mdc_common.errors import BadInput, DependencyFailed
from mdc_common.metrics import ServiceMetrics
from mdc_orchestrator_bridge.airflow import AirflowClient, AirflowRejected, AirflowUnavailable
from mdc_orchestrator_bridge.config import AirflowSettings
from mdc_orchestrator_bridge.metrics import BridgeMetrics

DAG = "mdc_pipeline"
CONF = {"steps": ["field_report"], "reason": "r", "dataset": "d", "version": 1, "change_id": "c"}


@pytest.fixture
def metrics() -> BridgeMetrics:
    return BridgeMetrics(ServiceMetrics("orchestrator-bridge"))


@pytest.fixture
def client(
    airflow_settings: AirflowSettings, fake_airflow: FakeAirflow, metrics: BridgeMetrics
) -> AirflowClient:
    transport = httpx.MockTransport(fake_airflow.handler)
    return AirflowClient(airflow_settings, transport=transport, metrics=metrics)


def errors(metrics: BridgeMetrics, kind: str) -> float:
    return metrics.airflow_errors.labels(kind)._value.get()


async def test_trigger_logs_in_unpauses_and_creates_the_run(
    client: AirflowClient, fake_airflow: FakeAirflow
) -> None:
    outcome = await client.trigger_run(DAG, "mdc__d__v1__abc", conf=CONF, note="why")

    assert outcome.already_requested is False
    assert fake_airflow.paused == {DAG: False}
    trigger = fake_airflow.calls("POST", "/api/v2/dags/mdc_pipeline/dagRuns")[0]
    assert json.loads(trigger.content) == {
        "dag_run_id": "mdc__d__v1__abc",
        "logical_date": None,
        "conf": CONF,
        "note": "why",
    }
    assert trigger.headers["Authorization"] == "Bearer token-1"


async def test_token_and_unpause_happen_once(
    client: AirflowClient, fake_airflow: FakeAirflow
) -> None:
    await client.trigger_run(DAG, "run-1", conf=CONF)
    await client.trigger_run(DAG, "run-2", conf=CONF)

    assert fake_airflow.logins == 1
    assert len(fake_airflow.calls("PATCH", "/api/v2/dags/mdc_pipeline")) == 1
    assert set(fake_airflow.runs) == {"run-1", "run-2"}


async def test_repeated_run_id_is_already_requested_not_an_error(
    client: AirflowClient, fake_airflow: FakeAirflow
) -> None:
    first = await client.trigger_run(DAG, "run-1", conf=CONF)
    again = await client.trigger_run(DAG, "run-1", conf=CONF)

    assert (first.already_requested, again.already_requested) == (False, True)
    assert len(fake_airflow.runs) == 1


async def test_expired_token_is_refreshed_once(
    client: AirflowClient, fake_airflow: FakeAirflow
) -> None:
    await client.trigger_run(DAG, "run-1", conf=CONF)
    fake_airflow.revoke_tokens()

    outcome = await client.trigger_run(DAG, "run-2", conf=CONF)

    assert outcome.already_requested is False
    assert fake_airflow.logins == 2
    assert fake_airflow.calls("POST", "/dagRuns")[-1].headers["Authorization"] == "Bearer token-2"


async def test_token_refused_after_fresh_login_is_transient(
    client: AirflowClient, fake_airflow: FakeAirflow, metrics: BridgeMetrics
) -> None:
    fake_airflow.failures = [401, 401]  # the unpause call, before and after logging in again

    with pytest.raises(AirflowUnavailable, match="refused access"):
        await client.trigger_run(DAG, "run-1", conf=CONF)
    assert fake_airflow.logins == 2
    assert errors(metrics, "unauthorized") == 1


async def test_wrong_password_is_transient_with_a_clear_message(
    airflow_settings: AirflowSettings, fake_airflow: FakeAirflow
) -> None:
    fake_airflow.password = "rotated"
    client = AirflowClient(airflow_settings, transport=httpx.MockTransport(fake_airflow.handler))

    with pytest.raises(AirflowUnavailable, match="refused the login of 'admin'"):
        await client.trigger_run(DAG, "run-1", conf=CONF)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_raise_a_transient_error(
    client: AirflowClient, fake_airflow: FakeAirflow, metrics: BridgeMetrics, status: int
) -> None:
    await client.ensure_unpaused(DAG)
    fake_airflow.failures = [status]

    with pytest.raises(AirflowUnavailable) as raised:
        await client.trigger_run(DAG, "run-1", conf=CONF)
    assert isinstance(raised.value, DependencyFailed)
    assert str(status) in raised.value.detail
    assert errors(metrics, "server_error") == 1
    assert fake_airflow.runs == {}


async def test_unreachable_airflow_raises_a_transient_error(
    client: AirflowClient, fake_airflow: FakeAirflow, metrics: BridgeMetrics
) -> None:
    fake_airflow.unreachable = True

    with pytest.raises(AirflowUnavailable, match="unreachable: ConnectError"):
        await client.trigger_run(DAG, "run-1", conf=CONF)
    assert errors(metrics, "unreachable") == 1


async def test_dag_not_parsed_yet_is_transient_and_unpause_is_retried(
    client: AirflowClient, fake_airflow: FakeAirflow, metrics: BridgeMetrics
) -> None:
    fake_airflow.dag_ids = set()

    with pytest.raises(AirflowUnavailable, match="not found in Airflow"):
        await client.trigger_run(DAG, "run-1", conf=CONF)
    assert errors(metrics, "dag_not_found") == 1

    fake_airflow.dag_ids = {DAG}  # the dag-processor has parsed it now
    outcome = await client.trigger_run(DAG, "run-1", conf=CONF)
    assert outcome.already_requested is False
    assert fake_airflow.paused == {DAG: False}


async def test_dag_with_import_errors_is_transient(
    client: AirflowClient, fake_airflow: FakeAirflow
) -> None:
    await client.ensure_unpaused(DAG)
    detail = "Dag with dag_id: 'mdc_pipeline' has import errors and cannot be triggered"
    fake_airflow.failures, fake_airflow.failure_detail = [400], detail

    with pytest.raises(AirflowUnavailable, match="has import errors"):
        await client.trigger_run(DAG, "run-1", conf=CONF)


@pytest.mark.parametrize("status", [400, 422])
async def test_other_client_errors_are_bad_input(
    client: AirflowClient, fake_airflow: FakeAirflow, metrics: BridgeMetrics, status: int
) -> None:
    await client.ensure_unpaused(DAG)
    fake_airflow.failures = [status]

    with pytest.raises(AirflowRejected, match=f"rejected the request \\({status}\\)") as raised:
        await client.trigger_run(DAG, "run-1", conf=CONF)
    assert isinstance(raised.value, BadInput)
    assert errors(metrics, "rejected") == 1


async def test_ids_are_url_encoded_in_paths(
    client: AirflowClient, fake_airflow: FakeAirflow
) -> None:
    fake_airflow.dag_ids = {"odd dag/id"}

    await client.trigger_run("odd dag/id", "run-1", conf=CONF)

    assert (
        fake_airflow.calls("POST", "/dagRuns")[0].url.raw_path
        == b"/api/v2/dags/odd%20dag%2Fid/dagRuns"
    )


async def test_long_reasons_are_cut_to_airflows_note_size(
    client: AirflowClient, fake_airflow: FakeAirflow
) -> None:
    await client.trigger_run(DAG, "run-1", conf=CONF, note="x" * 5000)

    assert len(fake_airflow.runs["run-1"]["note"]) == 1000


async def test_health(client: AirflowClient, fake_airflow: FakeAirflow) -> None:
    await client.check_health()
    fake_airflow.unreachable = True
    with pytest.raises(AirflowUnavailable):
        await client.check_health()
