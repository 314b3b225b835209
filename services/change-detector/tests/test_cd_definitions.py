"""SourceDefined handling: upsert by revision, interval caps, and the Kafka subscriber."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from cd_support import FakeRepository, settings
from faststream.kafka import KafkaBroker, TestKafkaBroker
from mdc_change_detector.config import ChangeDetectorSettings
from mdc_change_detector.handlers import register_handlers
from mdc_change_detector.ports import CheckRecord
from mdc_change_detector.repository import definition_upsert
from mdc_change_detector.service import apply_definition, definition_from_event
from mdc_common.broker import EventPublisher
from mdc_common.metrics import ServiceMetrics
from mdc_contracts import CheckOutcome, DeadLetter, SourceDefined, Topic
from sqlalchemy.dialects import postgresql


def defined(
    revision: int,
    *,
    url: str = "https://x.org/a.csv",
    interval: int = 3600,
    source_id: uuid.UUID | None = None,
    active: bool = True,
    check_requested_at: datetime | None = None,
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
        check_requested_at=check_requested_at,
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


# --- check now: a newer check_requested_at makes the source due at once ----------------------

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def _checked(repo: FakeRepository, source_id: uuid.UUID, at: datetime) -> None:
    """One unchanged check at `at`, through the repository (next check: `at` + interval)."""
    (claimed,) = await repo.claim_due(at, 10, 60)
    assert claimed.source_id == source_id
    record = CheckRecord(source_id, claimed.lease_token, claimed.url, at, CheckOutcome.UNCHANGED, 0)
    assert await repo.record_check(record)


async def _due(repo: FakeRepository, at: datetime) -> list[uuid.UUID]:
    due = [s.source_id for s in await repo.claim_due(at, 10, 60)]
    for source_id in due:  # give the claims back: only "is it due" is asked
        row = repo.rows[source_id]
        assert row.lease_token is not None
        await repo.release(source_id, row.lease_token)
    return due


async def test_a_new_check_request_makes_the_source_due_at_once_and_only_once() -> None:
    repo, cfg = FakeRepository(), settings()
    first = defined(1)
    source_id = first.source_id
    assert await apply_definition(first, repo, cfg, clock=lambda: T0)
    await _checked(repo, source_id, T0)
    assert await _due(repo, T0 + timedelta(minutes=5)) == []  # next check in an hour

    asked = T0 + timedelta(minutes=5)
    request = defined(2, source_id=source_id, check_requested_at=asked)
    assert await apply_definition(request, repo, cfg, clock=lambda: asked)
    assert repo.rows[source_id].next_check_at == asked
    assert await _due(repo, asked) == [source_id]
    await _checked(repo, source_id, asked + timedelta(seconds=2))

    # Re-delivered: nothing. A later change repeating the same request: applied, no check.
    assert not await apply_definition(request, repo, cfg, clock=lambda: asked + HOUR / 6)
    renamed = defined(3, source_id=source_id, check_requested_at=asked, url=first.url)
    assert await apply_definition(renamed, repo, cfg, clock=lambda: asked + HOUR / 6)
    assert await _due(repo, asked + HOUR / 2) == []
    # An older request than the one seen (a producer replaying history): nothing either.
    older = defined(4, source_id=source_id, check_requested_at=asked - HOUR)
    assert await apply_definition(older, repo, cfg, clock=lambda: asked + HOUR / 6)
    assert await _due(repo, asked + HOUR / 2) == []
    assert repo.rows[source_id].definition.check_requested_at == asked  # the newest is kept

    again = asked + HOUR / 3
    assert await apply_definition(
        defined(5, source_id=source_id, check_requested_at=again), repo, cfg, clock=lambda: again
    )
    assert await _due(repo, again) == [source_id]


async def test_a_request_never_postpones_a_check_that_is_due_earlier() -> None:
    repo, cfg = FakeRepository(), settings()
    first = defined(1)
    assert await apply_definition(first, repo, cfg, clock=lambda: T0)  # due at T0, unchecked
    later = defined(2, source_id=first.source_id, check_requested_at=T0 + HOUR)
    assert await apply_definition(later, repo, cfg, clock=lambda: T0 + HOUR)
    assert repo.rows[first.source_id].next_check_at == T0


POSTGRES = postgresql.dialect()  # type: ignore[no-untyped-call]


def _compiled_upsert(check_requested_at: datetime | None) -> tuple[str, dict[str, object]]:
    event = defined(2, check_requested_at=check_requested_at)
    compiled = definition_upsert(definition_from_event(event, settings()), T0).compile(
        dialect=POSTGRES
    )
    return " ".join(str(compiled).split()), dict(compiled.params)


def test_the_postgres_upsert_keeps_the_newest_request_and_checks_only_a_newer_one() -> None:
    asked = T0 + HOUR
    sql, params = _compiled_upsert(asked)
    table, new = "change_detector.watched_source", "excluded"
    assert params["check_requested_at"] == asked  # inserted as given for a new source
    assert (
        f"check_requested_at = greatest({table}.check_requested_at, {new}.check_requested_at)"
        in sql
    )
    # Due at the request's time only when it is newer than the one stored (or none is).
    assert (
        f"CASE WHEN ({new}.check_requested_at IS NOT NULL AND ({table}.check_requested_at IS NULL"
        f" OR {new}.check_requested_at > {table}.check_requested_at)) "
        f"THEN {new}.check_requested_at ELSE NULL END" in sql
    )
    next_check = sql[sql.index("next_check_at = least(") :]
    assert "THEN excluded.check_requested_at" in next_check
    assert sql.endswith(f"WHERE {table}.revision < {new}.revision RETURNING {table}.source_id")
    assert _compiled_upsert(None)[1]["check_requested_at"] is None
