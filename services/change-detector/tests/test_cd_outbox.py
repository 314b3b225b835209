"""The outbox relay: in order, marked sent, and a failed publish is retried with the same id."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from cd_support import rig
from faststream.kafka import KafkaBroker, TestKafkaBroker
from mdc_change_detector.outbox import OutboxRelay
from mdc_change_detector.ports import PendingMessage
from mdc_common.broker import EventPublisher
from mdc_common.metrics import ServiceMetrics
from mdc_contracts import Topic

CSV = b"a,b\n1,2\n"


class FlakyPublisher(EventPublisher):
    """Fails on the n-th publish, like Kafka going away mid-batch."""

    def __init__(self, broker: KafkaBroker, fail_at: int) -> None:
        super().__init__(broker, ServiceMetrics("change-detector"))
        self.calls = 0
        self.fail_at = fail_at

    async def publish(self, topic: Topic, event: Any, key: str) -> None:
        self.calls += 1
        if self.calls == self.fail_at:
            raise ConnectionError("Kafka unavailable")
        await super().publish(topic, event, key)


def collect_all(broker: KafkaBroker) -> list[tuple[str, dict[str, Any]]]:
    received: list[tuple[str, dict[str, Any]]] = []
    for topic in (Topic.SOURCE_CHANGES, Topic.SOURCE_CHECKS, Topic.LINEAGE):

        def make(t: Topic) -> Any:
            async def handler(body: dict[str, Any]) -> None:
                received.append((t.value, body))

            return handler

        broker.subscriber(topic.value, group_id=f"test-{topic.value}")(make(topic))
    return received


async def test_relay_publishes_in_order_and_marks_sent() -> None:
    r = rig(lambda request: httpx.Response(200, content=CSV))
    report = await r.check(await r.watch())
    broker = KafkaBroker()
    received = collect_all(broker)
    relay = OutboxRelay(r.repository, EventPublisher(broker, ServiceMetrics("cd")), r.metrics)

    async with TestKafkaBroker(broker):
        assert await relay.publish_pending() == 4
        assert await relay.publish_pending() == 0

    assert [t for t, _ in received] == [
        Topic.SOURCE_CHANGES.value,
        Topic.SOURCE_CHECKS.value,
        Topic.LINEAGE.value,
        Topic.LINEAGE.value,
    ]
    assert received[0][1]["change_id"] == str(report.change_id)
    assert r.repository.unsent() == []


async def test_failed_publish_stops_the_batch_and_resends_the_same_event() -> None:
    r = rig(lambda request: httpx.Response(200, content=CSV))
    await r.check(await r.watch())
    broker = KafkaBroker()
    received = collect_all(broker)
    relay = OutboxRelay(r.repository, FlakyPublisher(broker, fail_at=2), r.metrics)

    async with TestKafkaBroker(broker):
        assert await relay.publish_pending() == 1
        assert len(r.repository.unsent()) == 3
        assert r.metrics.outbox_pending._value.get() == 3
        assert await relay.publish_pending() == 3

    checked_ids = [body["event_id"] for t, body in received if t == Topic.SOURCE_CHECKS.value]
    assert len(checked_ids) == 1
    stored = next(m for m in r.repository.outbox if m.topic == Topic.SOURCE_CHECKS)
    assert uuid.UUID(checked_ids[0]) == uuid.UUID(stored.payload["event_id"])
    assert r.repository.unsent() == []


async def test_a_message_invalid_under_the_current_contract_does_not_block_the_rest() -> None:
    r = rig(lambda request: httpx.Response(200, content=CSV))
    await r.check(await r.watch())

    r.repository.outbox.insert(0, PendingMessage(0, Topic.SOURCE_CHECKS, "k", {"bad": True}))
    broker = KafkaBroker()
    received = collect_all(broker)
    relay = OutboxRelay(r.repository, EventPublisher(broker, ServiceMetrics("cd")), r.metrics)
    async with TestKafkaBroker(broker):
        assert await relay.publish_pending() == 4
    assert len(received) == 4
    assert r.repository.unsent() == []
