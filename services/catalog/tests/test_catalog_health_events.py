"""Where the technician view's data comes from: SourceChecked (change-detector) and
DatasetProcessingFailed (profiler) become the source's status and the failure history,
idempotently and whatever the order of delivery."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from catalog_fakes import FakeRepository, checked, fake_scope, processing_failed
from faststream.kafka import KafkaBroker, TestKafkaBroker
from mdc_catalog.handlers import register_handlers
from mdc_catalog.metrics import CatalogMetrics
from mdc_catalog.models import Source
from mdc_catalog.status import failure_row, record_check, record_processing_failure
from mdc_common.broker import EventPublisher
from mdc_common.metrics import ServiceMetrics
from mdc_contracts import Topic

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HTTP_404 = {"reason": "http_status", "message": "HTTP 404 Not Found", "http_status": 404}


@pytest.fixture
def repo() -> FakeRepository:
    repo = FakeRepository()
    source = Source(name="penguins", url="https://data.example.org/penguins.csv")
    repo.sources[source.id] = source
    return repo


def _source(repo: FakeRepository) -> Source:
    return next(iter(repo.sources.values()))


def test_a_failed_check_is_a_download_failure_row() -> None:
    event = checked(uuid.uuid4(), "failed", T0, failure=HTTP_404, consecutive_failures=4)
    row = failure_row(event)
    assert row is not None
    assert (row.event_id, row.source_id, row.occurred_at) == (event.event_id, event.source_id, T0)
    assert (row.kind, row.reason, row.http_status, row.message) == (
        "download",
        "http_status",
        404,
        "HTTP 404 Not Found",
    )
    assert (row.consecutive_failures, row.stage) == (4, None)


def test_a_failed_check_without_detail_is_still_a_row() -> None:
    row = failure_row(checked(uuid.uuid4(), "failed", T0))
    assert row is not None
    assert (row.reason, row.consecutive_failures) == ("other", 1)


@pytest.mark.parametrize("outcome", ["changed", "unchanged"])
def test_a_good_check_is_no_failure(outcome: str) -> None:
    assert failure_row(checked(uuid.uuid4(), outcome, T0)) is None


def test_a_processing_failure_row_keeps_stage_row_and_change() -> None:
    event = processing_failed(uuid.uuid4(), T0)
    row = failure_row(event)
    assert row is not None
    assert (row.kind, row.reason, row.stage, row.row) == ("processing", "processing", "parse", 1)
    assert row.change_id == event.change_id
    assert "HTML" in row.message


async def test_a_redelivered_failure_is_recorded_once(repo: FakeRepository) -> None:
    source = _source(repo)
    event = checked(source.id, "failed", T0, failure=HTTP_404, consecutive_failures=1)
    for _ in range(2):
        await record_check(repo, event)
    assert list(repo.source_failures) == [event.event_id]
    assert repo.sources[source.id].consecutive_failures == 1
    processing = processing_failed(source.id, T0 + timedelta(minutes=1))
    for _ in range(2):
        await record_processing_failure(repo, processing)
    assert len(repo.source_failures) == 2


async def test_a_late_failure_joins_the_history_but_not_the_status(repo: FakeRepository) -> None:
    source = _source(repo)
    await record_check(repo, checked(source.id, "unchanged", T0))
    late = checked(source.id, "failed", T0 - timedelta(hours=1), failure=HTTP_404)
    assert not await record_check(repo, late)  # older than the last check: status kept
    stored = repo.sources[source.id]
    assert (stored.last_outcome, stored.check_error) == ("unchanged", None)
    assert [r.occurred_at for r in repo.source_failures.values()] == [T0 - timedelta(hours=1)]


async def test_a_good_check_records_no_failure(repo: FakeRepository) -> None:
    source = _source(repo)
    await record_check(repo, checked(source.id, "changed", T0))
    await record_check(repo, checked(source.id, "unchanged", T0 + timedelta(hours=1)))
    assert repo.source_failures == {}
    assert repo.sources[source.id].last_changed_at == T0


async def test_failures_of_unknown_sources_are_not_recorded(repo: FakeRepository) -> None:
    await record_check(repo, checked(uuid.uuid4(), "failed", T0, failure=HTTP_404))
    await record_processing_failure(repo, processing_failed(uuid.uuid4(), T0))
    assert repo.source_failures == {}


@pytest.fixture
async def broker(repo: FakeRepository) -> AsyncIterator[EventPublisher]:
    kafka = KafkaBroker()
    publisher = EventPublisher(kafka, ServiceMetrics("catalog"))
    register_handlers(kafka, publisher, fake_scope(repo), CatalogMetrics(publisher.metrics))
    async with TestKafkaBroker(kafka):
        yield publisher


async def test_the_topics_feed_status_and_history(
    repo: FakeRepository, broker: EventPublisher
) -> None:
    source = _source(repo)
    key = str(source.id)
    failed = checked(source.id, "failed", T0, failure=HTTP_404, consecutive_failures=2)
    for _ in range(2):  # at-least-once delivery
        await broker.publish(Topic.SOURCE_CHECKS, failed, key=key)
    await broker.publish(Topic.DATASET_FAILURES, processing_failed(source.id, T0), key=key)
    stored = repo.sources[source.id]
    assert (stored.last_checked_at, stored.last_outcome, stored.consecutive_failures) == (
        T0,
        "failed",
        2,
    )
    assert stored.check_error is not None
    assert stored.check_error["http_status"] == 404
    assert stored.processing_error is not None
    assert stored.processing_error["stage"] == "parse"
    kinds = sorted(r.kind for r in repo.source_failures.values())
    assert kinds == ["download", "processing"]
