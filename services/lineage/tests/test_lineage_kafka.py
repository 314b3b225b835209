import json
from typing import Any

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from mdc_common import consumer
from mdc_common.broker import EventPublisher
from mdc_common.errors import DependencyFailed
from mdc_contracts import DeadLetter, Topic
from mdc_lineage.handlers import register_handlers
from mdc_lineage.service import LineageService


@pytest.fixture
def wired(service: LineageService) -> tuple[KafkaBroker, list[DeadLetter]]:
    broker = KafkaBroker()
    register_handlers(broker, service, EventPublisher(broker, service.metrics))
    dead: list[DeadLetter] = []

    @broker.subscriber(Topic.DEAD_LETTERS.value)
    async def collect(body: dict[str, Any]) -> None:
        dead.append(DeadLetter.model_validate(body))

    return broker, dead


async def test_run_events_from_kafka_are_stored_once(
    wired: Any, store: Any, make_event: Any, service: LineageService
) -> None:
    broker, dead = wired
    event = make_event(outputs=[{"namespace": "mdc", "name": "x"}])
    async with TestKafkaBroker(broker) as br:
        await br.publish(event, topic=Topic.LINEAGE.value, key=b"k")
        await br.publish(event, topic=Topic.LINEAGE.value, key=b"k")  # redelivery
    assert len(store.events) == 1
    assert dead == []
    ingested = service.metrics.events_ingested
    assert ingested.labels("kafka", "COMPLETE", "stored")._value.get() == 1
    assert ingested.labels("kafka", "COMPLETE", "duplicate")._value.get() == 1


async def test_malformed_events_are_dead_lettered(wired: Any, store: Any) -> None:
    broker, dead = wired
    async with TestKafkaBroker(broker) as br:
        await br.publish({"eventType": "START"}, topic=Topic.LINEAGE.value, key=b"k")
    assert store.events == {}
    assert len(dead) == 1
    assert "malformed RunEvent" in dead[0].error
    assert "run" in dead[0].error


async def test_unstorable_events_are_dead_lettered_with_the_reason(
    wired: Any, store: Any, make_event: Any
) -> None:
    broker, dead = wired
    event = make_event()
    event["job"]["name"] = "bad\u0000name"
    async with TestKafkaBroker(broker) as br:
        await br.publish(json.dumps(event).encode(), topic=Topic.LINEAGE.value, key=b"k")
    assert store.events == {}
    assert len(dead) == 1
    assert "NUL" in dead[0].error


async def test_store_outages_are_not_acknowledged(
    wired: Any, store: Any, make_event: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker, dead = wired
    monkeypatch.setattr(consumer, "RETRY_PAUSE_SECONDS", 0)

    async def down(*_: Any) -> bool:
        raise DependencyFailed("database unavailable")

    monkeypatch.setattr(store, "store", down)
    async with TestKafkaBroker(broker) as br:
        with pytest.raises(DependencyFailed):
            await br.publish(make_event(), topic=Topic.LINEAGE.value, key=b"k")
    assert dead == []
