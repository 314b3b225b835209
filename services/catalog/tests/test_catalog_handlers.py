"""The consumers, driven through faststream's in-memory Kafka broker with a fake repository."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from catalog_fakes import FakeRepository, checked, fake_scope, processing_failed, version_created
from faststream.kafka import KafkaBroker, TestKafkaBroker
from mdc_catalog.handlers import register_handlers
from mdc_catalog.metrics import CatalogMetrics
from mdc_catalog.models import Source
from mdc_catalog.service import source_public
from mdc_common.broker import EventPublisher
from mdc_common.metrics import ServiceMetrics
from mdc_contracts import DeadLetter, SchemaChange, SchemaChanged, SchemaChangeKind, Topic

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class Wiring:
    broker: KafkaBroker
    publisher: EventPublisher
    repo: FakeRepository
    metrics: CatalogMetrics
    source: Source
    dead: list[DeadLetter]

    def count(self, outcome: str) -> float:
        value: float = self.metrics.dataset_versions.labels(outcome)._value.get()
        return value


@pytest.fixture
async def wiring() -> AsyncIterator[Wiring]:
    broker = KafkaBroker()
    publisher = EventPublisher(broker, ServiceMetrics("catalog"))
    metrics = CatalogMetrics(publisher.metrics)
    repo = FakeRepository()
    source = Source(name="penguins", url="https://data.example.org/penguins.csv")
    repo.sources[source.id] = source
    register_handlers(broker, publisher, fake_scope(repo), metrics)
    dead: list[DeadLetter] = []

    @broker.subscriber(Topic.DEAD_LETTERS.value)
    async def collect(body: dict[str, object]) -> None:
        dead.append(DeadLetter.model_validate(body))

    async with TestKafkaBroker(broker):
        yield Wiring(broker, publisher, repo, metrics, source, dead)


async def test_same_version_event_twice_stores_one_version(wiring: Wiring) -> None:
    event = version_created(wiring.source.id, 1, created_at=T0)
    for _ in range(2):
        await wiring.publisher.publish(Topic.DATASET_VERSIONS, event, key=str(event.dataset_id))
    assert list(wiring.repo.versions) == [(event.dataset_id, 1)]
    assert len(wiring.repo.columns[(event.dataset_id, 1)]) == 2
    assert (wiring.count("new"), wiring.count("duplicate")) == (1, 1)
    dataset = wiring.repo.datasets[event.dataset_id]
    assert (dataset.name, dataset.latest_version, dataset.row_count) == ("penguins", 1, 344)
    source = wiring.repo.sources[wiring.source.id]
    assert (source.dataset_id, source.latest_version, source.last_processed_at) == (
        event.dataset_id, 1, T0,
    )  # fmt: skip
    assert wiring.dead == []


async def test_late_older_version_is_kept_but_not_latest(wiring: Wiring) -> None:
    newer = version_created(wiring.source.id, 2, created_at=T0, row_count=10)
    older = version_created(wiring.source.id, 1, created_at=T0 - timedelta(days=1), row_count=5)
    for event in (newer, older):
        await wiring.publisher.publish(Topic.DATASET_VERSIONS, event, key=str(event.dataset_id))
    assert sorted(v for _, v in wiring.repo.versions) == [1, 2]
    dataset = wiring.repo.datasets[newer.dataset_id]
    assert (dataset.latest_version, dataset.row_count) == (2, 10)
    assert wiring.repo.sources[wiring.source.id].latest_version == 2


async def test_source_checked_updates_status_and_ignores_out_of_order(wiring: Wiring) -> None:
    source_id = wiring.source.id
    failed = checked(
        source_id, "failed", T0,
        failure={"reason": "timeout", "message": "no answer in 30 s"}, consecutive_failures=2,
    )  # fmt: skip
    older = checked(source_id, "changed", T0 - timedelta(minutes=5))
    for event in (failed, older, failed):  # older one arrives late; then a re-delivery
        await wiring.publisher.publish(Topic.SOURCE_CHECKS, event, key=str(source_id))
    public = source_public(wiring.repo.sources[source_id])
    assert public.last_checked_at == T0
    assert public.last_outcome == "failed"
    assert public.last_changed_at is None
    assert public.consecutive_failures == 2
    assert public.last_error is not None
    assert (public.last_error.reason, public.last_error.message) == ("timeout", "no answer in 30 s")
    ignored = wiring.metrics.events_ignored.labels("SourceChecked", "out_of_order")
    assert ignored._value.get() == 1


async def test_check_of_unknown_source_is_ignored_not_dead_lettered(wiring: Wiring) -> None:
    event = checked(uuid.uuid4(), "unchanged", T0)
    await wiring.publisher.publish(Topic.SOURCE_CHECKS, event, key=str(event.source_id))
    assert wiring.dead == []
    assert event.source_id not in wiring.repo.sources
    ignored = wiring.metrics.events_ignored.labels("SourceChecked", "unknown_source")
    assert ignored._value.get() == 1


async def test_processing_failure_becomes_the_sources_last_error(wiring: Wiring) -> None:
    event = processing_failed(wiring.source.id, T0)
    await wiring.publisher.publish(Topic.DATASET_FAILURES, event, key=str(event.source_id))
    public = source_public(wiring.repo.sources[wiring.source.id])
    assert public.last_error is not None
    assert public.last_error.reason == "processing"
    assert public.last_error.stage == "parse"
    assert public.last_error.message == "not a CSV file: looks like an HTML page"
    # The next good version clears it.
    good = version_created(wiring.source.id, 1, created_at=T0 + timedelta(minutes=1))
    await wiring.publisher.publish(Topic.DATASET_VERSIONS, good, key=str(good.dataset_id))
    assert source_public(wiring.repo.sources[wiring.source.id]).last_error is None


async def test_malformed_version_event_is_dead_lettered(wiring: Wiring) -> None:
    await wiring.broker.publish(
        {"event_type": "DatasetVersionCreated", "version": 0},
        topic=Topic.DATASET_VERSIONS.value,
        key=b"k",
    )
    assert wiring.repo.versions == {}
    [letter] = wiring.dead
    assert letter.consumer_group == "catalog"
    assert "malformed DatasetVersionCreated" in letter.error


async def test_schema_changed_event_is_stored_once(wiring: Wiring) -> None:
    event = SchemaChanged(
        producer="profiler",
        correlation_id=uuid.uuid4(),
        dataset_id=wiring.source.id,
        dataset_name="penguins",
        from_version=1,
        to_version=2,
        breaking=False,
        changes=[
            SchemaChange(kind=SchemaChangeKind.COLUMN_ADDED, column="x", breaking=False, detail="d")
        ],
    )
    for _ in range(2):
        await wiring.publisher.publish(Topic.SCHEMA_CHANGES, event, key=str(event.dataset_id))
    assert list(wiring.repo.schema_changes) == [event.event_id]
    assert wiring.dead == []
