import uuid
from datetime import UTC, datetime

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from mdc_common.broker import EventPublisher
from mdc_common.consumer import subscribe
from mdc_common.errors import BadInput
from mdc_common.metrics import ServiceMetrics
from mdc_contracts import DeadLetter, SourceChecked, Topic


def _checked() -> SourceChecked:
    return SourceChecked(
        producer="test",
        correlation_id=uuid.uuid4(),
        source_id=uuid.uuid4(),
        url="http://127.0.0.1/x.csv",
        outcome="unchanged",
        checked_at=datetime.now(UTC),
        duration_ms=1.0,
    )


class Panic(BaseException):
    """Like pyo3's PanicException: outside the Exception tree."""


@pytest.fixture
def wiring() -> tuple[KafkaBroker, EventPublisher, list[SourceChecked], list[DeadLetter]]:
    broker = KafkaBroker()
    publisher = EventPublisher(broker, ServiceMetrics("test"))
    handled: list[SourceChecked] = []
    dead: list[DeadLetter] = []

    async def handler(event: SourceChecked) -> None:
        if event.url.endswith("bad.csv"):
            raise BadInput("cannot use this event")
        if event.url.endswith("panic.csv"):
            raise Panic("Rust panicked")
        handled.append(event)

    subscribe(
        broker,
        Topic.SOURCE_CHECKS,
        SourceChecked,
        handler,
        group_id="g",
        publisher=publisher,
        service="test",
    )

    @broker.subscriber(Topic.DEAD_LETTERS.value)
    async def collect(body: dict[str, object]) -> None:
        dead.append(DeadLetter.model_validate(body))

    return broker, publisher, handled, dead


async def test_valid_event_reaches_handler(wiring) -> None:  # type: ignore[no-untyped-def]
    broker, publisher, handled, dead = wiring
    async with TestKafkaBroker(broker):
        event = _checked()
        await publisher.publish(Topic.SOURCE_CHECKS, event, key="k")
    assert handled == [event]
    assert dead == []


async def test_malformed_event_is_dead_lettered_with_reason(wiring) -> None:  # type: ignore[no-untyped-def]
    broker, _, handled, dead = wiring
    async with TestKafkaBroker(broker) as br:
        await br.publish({"outcome": "maybe"}, topic=Topic.SOURCE_CHECKS.value, key=b"k")
    assert handled == []
    assert len(dead) == 1
    assert dead[0].topic == Topic.SOURCE_CHECKS.value
    assert "outcome" in dead[0].error
    assert "malformed SourceChecked" in dead[0].error


async def test_bad_input_from_handler_is_dead_lettered(wiring) -> None:  # type: ignore[no-untyped-def]
    broker, publisher, handled, dead = wiring
    async with TestKafkaBroker(broker):
        event = _checked().model_copy(update={"url": "http://127.0.0.1/bad.csv"})
        await publisher.publish(Topic.SOURCE_CHECKS, event, key="k")
    assert handled == []
    assert dead[0].error == "BadInput: cannot use this event"
    assert (
        publisher.metrics.events_handled.labels(Topic.SOURCE_CHECKS.value, "rejected")._value.get()
        == 1
    )


async def test_crash_outside_exception_tree_is_dead_lettered_and_consuming_goes_on(wiring) -> None:  # type: ignore[no-untyped-def]
    broker, publisher, handled, dead = wiring
    async with TestKafkaBroker(broker):
        crash = _checked().model_copy(update={"url": "http://127.0.0.1/panic.csv"})
        await publisher.publish(Topic.SOURCE_CHECKS, crash, key="k")
        good = _checked()
        await publisher.publish(Topic.SOURCE_CHECKS, good, key="k")
    assert dead[0].error == "handler crashed: Panic: Rust panicked"
    assert handled == [good]
