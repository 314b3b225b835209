"""SourceDefined handling: upsert by revision, interval caps, and the Kafka subscriber."""

from __future__ import annotations

import uuid

from cd_support import FakeRepository, settings
from faststream.kafka import KafkaBroker, TestKafkaBroker
from mdc_change_detector.config import ChangeDetectorSettings
from mdc_change_detector.handlers import register_handlers
from mdc_change_detector.service import apply_definition
from mdc_common.broker import EventPublisher
from mdc_common.metrics import ServiceMetrics
from mdc_contracts import DeadLetter, SourceDefined, Topic


def defined(
    revision: int,
    *,
    url: str = "https://x.org/a.csv",
    interval: int = 3600,
    source_id: uuid.UUID | None = None,
    active: bool = True,
) -> SourceDefined:
    return SourceDefined(
        producer="catalog",
        correlation_id=uuid.uuid4(),
        source_id=source_id or uuid.uuid4(),
        name="penguins",
        url=url,
        check_interval_seconds=interval,
        active=active,
        revision=revision,
    )


def test_interval_is_floored_and_can_be_overridden() -> None:
    assert ChangeDetectorSettings().effective_interval(1) == 5
    assert ChangeDetectorSettings().effective_interval(3600) == 3600
    demo = ChangeDetectorSettings(default_interval_seconds=10)
    assert demo.effective_interval(86400) == 10
    assert ChangeDetectorSettings(default_interval_seconds=2).effective_interval(60) == 5


def test_settings_from_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MDC_CHANGE_DETECTOR_MIN_INTERVAL_SECONDS", "30")
    monkeypatch.setenv("MDC_CHANGE_DETECTOR_DEFAULT_INTERVAL_SECONDS", "45")
    monkeypatch.setenv("MDC_S3_RAW_BUCKET", "raw-test")
    s = ChangeDetectorSettings()
    assert (s.min_interval_seconds, s.default_interval_seconds) == (30, 45)
    assert s.s3.raw_bucket == "raw-test"


async def test_newer_revision_wins_and_older_or_repeated_ones_are_ignored() -> None:
    repo = FakeRepository()
    first = defined(1)
    assert await apply_definition(first, repo, settings())
    assert not await apply_definition(first, repo, settings())  # re-delivery
    newer = defined(3, source_id=first.source_id, url="https://x.org/b.csv", active=False)
    assert await apply_definition(newer, repo, settings())
    stale = defined(2, source_id=first.source_id, url="https://x.org/old.csv")
    assert not await apply_definition(stale, repo, settings())
    stored = repo.rows[first.source_id].definition
    assert (stored.revision, stored.url, stored.active) == (3, "https://x.org/b.csv", False)
    assert await repo.count_active() == 0


async def test_subscriber_applies_definitions_and_dead_letters_malformed_ones() -> None:
    broker = KafkaBroker()
    publisher = EventPublisher(broker, ServiceMetrics("change-detector"))
    repo = FakeRepository()
    register_handlers(broker, publisher, repo, settings(default_interval_seconds=7))
    dead: list[DeadLetter] = []

    @broker.subscriber(Topic.DEAD_LETTERS.value)
    async def collect(body: dict[str, object]) -> None:
        dead.append(DeadLetter.model_validate(body))

    event = defined(1)
    async with TestKafkaBroker(broker) as br:
        await publisher.publish(Topic.SOURCE_DEFINITIONS, event, key=str(event.source_id))
        await publisher.publish(Topic.SOURCE_DEFINITIONS, event, key=str(event.source_id))
        await br.publish({"source_id": "nope"}, topic=Topic.SOURCE_DEFINITIONS.value, key=b"k")

    assert list(repo.rows) == [event.source_id]
    assert repo.rows[event.source_id].definition.interval_seconds == 7
    assert len(dead) == 1
    assert "malformed SourceDefined" in dead[0].error
