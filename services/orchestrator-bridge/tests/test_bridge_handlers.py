from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import pytest
from bridge_fakes import DEMO_STEPS_FILE, FakeAirflow, make_change
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage
from mdc_common import consumer
from mdc_common.broker import EventPublisher
from mdc_common.metrics import ServiceMetrics
from mdc_contracts import DeadLetter, RunRequested, Topic
from mdc_orchestrator_bridge.airflow import AirflowClient, AirflowUnavailable
from mdc_orchestrator_bridge.config import AirflowSettings
from mdc_orchestrator_bridge.handlers import register_handlers
from mdc_orchestrator_bridge.metrics import BridgeMetrics
from mdc_orchestrator_bridge.service import RunRequester
from mdc_orchestrator_bridge.steps import StepGraphSource


@dataclass
class Wiring:
    broker: KafkaBroker
    publisher: EventPublisher
    metrics: BridgeMetrics
    requested: list[tuple[bytes | None, RunRequested]] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)

    def count(self, counter_name: str) -> float:
        value: float = getattr(self.metrics, counter_name)._value.get()
        return value


@pytest.fixture
def wiring(
    airflow_settings: AirflowSettings, fake_airflow: FakeAirflow, monkeypatch: pytest.MonkeyPatch
) -> Wiring:
    monkeypatch.setattr(consumer, "RETRY_PAUSE_SECONDS", 0.0)
    broker = KafkaBroker()
    base = ServiceMetrics("orchestrator-bridge")
    metrics = BridgeMetrics(base)
    publisher = EventPublisher(broker, base)
    airflow = AirflowClient(
        airflow_settings, transport=httpx.MockTransport(fake_airflow.handler), metrics=metrics
    )
    requester = RunRequester(
        StepGraphSource(DEMO_STEPS_FILE), airflow, publisher, metrics, "mdc_pipeline"
    )
    register_handlers(broker, requester, publisher)
    wiring = Wiring(broker, publisher, metrics)

    @broker.subscriber(Topic.RUN_REQUESTS.value)
    async def collect_runs(body: dict[str, object], message: KafkaMessage) -> None:
        key = message.raw_message.key  # type: ignore[union-attr]
        wiring.requested.append((key, RunRequested.model_validate(body)))

    @broker.subscriber(Topic.DEAD_LETTERS.value)
    async def collect_dead(body: dict[str, object]) -> None:
        wiring.dead.append(DeadLetter.model_validate(body))

    return wiring


async def test_change_triggers_only_the_steps_it_reaches(
    wiring: Wiring, fake_airflow: FakeAirflow
) -> None:
    change = make_change("palmer-penguins", version=3)
    async with TestKafkaBroker(wiring.broker):
        await wiring.publisher.publish(Topic.DATASET_VERSIONS, change, key="palmer-penguins")

    run_id = "mdc__palmer-penguins__v3__0b7e2f4c91d3"
    assert fake_airflow.runs[run_id]["conf"] == {
        "steps": ["penguins_by_species", "field_report"],
        "reason": "palmer-penguins v3 changed; reaches penguins_by_species, field_report",
        "dataset": "palmer-penguins",
        "version": 3,
        "change_id": str(change.change_id),
    }
    assert fake_airflow.paused == {"mdc_pipeline": False}
    [(key, event)] = wiring.requested
    assert key == run_id.encode()
    assert event.dag_run_id == run_id
    assert event.steps == ["penguins_by_species", "field_report"]
    assert event.reason == "palmer-penguins v3 changed; reaches penguins_by_species, field_report"
    assert event.already_requested is False
    assert event.correlation_id == change.correlation_id
    assert wiring.count("runs_requested") == 1
    assert wiring.metrics.trigger_seconds._sum.get() > 0


async def test_redelivered_change_never_triggers_twice(
    wiring: Wiring, fake_airflow: FakeAirflow
) -> None:
    change = make_change("seattle-weather", version=7)
    async with TestKafkaBroker(wiring.broker):
        await wiring.publisher.publish(Topic.DATASET_VERSIONS, change, key="seattle-weather")
        await wiring.publisher.publish(Topic.DATASET_VERSIONS, change, key="seattle-weather")

    assert list(fake_airflow.runs) == ["mdc__seattle-weather__v7__0b7e2f4c91d3"]
    assert len(fake_airflow.calls("POST", "/dagRuns")) == 2
    first, again = (event for _, event in wiring.requested)
    assert (first.already_requested, again.already_requested) == (False, True)
    assert first.event_id == again.event_id
    assert first.steps == again.steps == ["weather_monthly", "field_report", "weather_features"]
    assert wiring.count("runs_requested") == 1
    assert wiring.count("runs_already_requested") == 1


async def test_change_without_downstream_steps_triggers_nothing(
    wiring: Wiring, fake_airflow: FakeAirflow
) -> None:
    async with TestKafkaBroker(wiring.broker):
        await wiring.publisher.publish(Topic.DATASET_VERSIONS, make_change("nycflights13"), key="k")

    assert fake_airflow.requests == []
    assert wiring.requested == []
    assert wiring.dead == []
    assert wiring.count("no_downstream") == 1


async def test_airflow_down_leaves_the_change_for_redelivery(
    wiring: Wiring, fake_airflow: FakeAirflow
) -> None:
    fake_airflow.unreachable = True
    async with TestKafkaBroker(wiring.broker):
        with pytest.raises(AirflowUnavailable, match="unreachable"):  # re-raised by faststream
            await wiring.publisher.publish(Topic.DATASET_VERSIONS, make_change(), key="k")

    assert wiring.requested == []
    assert wiring.dead == []  # not acknowledged as handled: Kafka redelivers it
    topic = Topic.DATASET_VERSIONS.value
    assert wiring.metrics.base.events_handled.labels(topic, "failed")._value.get() == 1


async def test_request_airflow_rejects_is_dead_lettered(
    wiring: Wiring, fake_airflow: FakeAirflow
) -> None:
    fake_airflow.failures = [200, 422]  # unpause succeeds, the trigger is refused
    fake_airflow.failure_detail = "Extra inputs are not permitted"
    async with TestKafkaBroker(wiring.broker):
        await wiring.publisher.publish(Topic.DATASET_VERSIONS, make_change(), key="k")

    assert wiring.requested == []
    [dead] = wiring.dead
    assert dead.topic == Topic.DATASET_VERSIONS.value
    assert "AirflowRejected" in dead.error
    assert "(422): Extra inputs are not permitted" in dead.error
