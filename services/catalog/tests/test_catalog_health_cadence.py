"""Cadence and staleness rules, and the per-source view built from them (fixed clocks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from health_fakes import make_source
from mdc_catalog.cadence import CADENCE_PERIODS, Cadence, stale_cutoffs, staleness
from mdc_catalog.config import CatalogSettings
from mdc_catalog.health_view import (
    FailureFilter,
    SchemaChangeFilter,
    SourceStatus,
    source_health,
    source_status,
)
from mdc_catalog.schemas import SourceCreate, SourceUpdate
from pydantic import ValidationError

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
CREATED = NOW - timedelta(days=400)


def _staleness(cadence: Cadence, changed: datetime | None, *, active: bool = True, grace=1.5):
    return staleness(
        cadence=cadence,
        last_changed_at=changed,
        created_at=CREATED,
        active=active,
        now=NOW,
        grace_factor=grace,
    )


def test_daily_source_is_fresh_within_cadence_times_grace_and_stale_after() -> None:
    fresh = _staleness(Cadence.DAILY, NOW - timedelta(hours=35))
    assert not fresh.stale
    assert fresh.due_at == NOW + timedelta(hours=1)
    assert fresh.overdue_by is None

    late = _staleness(Cadence.DAILY, NOW - timedelta(hours=38))
    assert late.stale
    assert late.overdue_by == timedelta(hours=2)


def test_exactly_due_is_not_yet_stale() -> None:
    assert not _staleness(Cadence.WEEKLY, NOW - timedelta(days=7) * 1.5).stale


def test_grace_factor_widens_the_allowed_age() -> None:
    changed = NOW - timedelta(days=40)
    assert _staleness(Cadence.MONTHLY, changed, grace=1.0).stale
    assert not _staleness(Cadence.MONTHLY, changed, grace=1.5).stale


def test_a_source_that_never_changed_is_judged_from_its_creation() -> None:
    state = _staleness(Cadence.YEARLY, None)
    assert state.due_at == CREATED + timedelta(days=366) * 1.5
    assert not state.stale
    assert _staleness(Cadence.QUARTERLY, None).stale  # 400 days > 92 x 1.5


@pytest.mark.parametrize("cadence", list(Cadence))
def test_unknown_cadence_and_paused_sources_are_never_stale(cadence: Cadence) -> None:
    ancient = NOW - timedelta(days=10_000)
    assert not _staleness(cadence, ancient, active=False).stale
    assert _staleness(cadence, ancient).stale is (cadence is not Cadence.UNKNOWN)


@pytest.mark.parametrize("cadence", list(CADENCE_PERIODS))
def test_sql_cutoffs_agree_with_staleness(cadence: Cadence) -> None:
    cutoff = stale_cutoffs(NOW, 2.0)[cadence]
    second = timedelta(seconds=1)
    assert _staleness(cadence, cutoff - second, grace=2.0).stale
    assert not _staleness(cadence, cutoff, grace=2.0).stale


def test_cadence_is_a_source_field_defaulting_to_unknown() -> None:
    body = {"name": "bills", "url": "https://data.example.org/bills.csv"}
    assert SourceCreate.model_validate(body).cadence is Cadence.UNKNOWN
    assert SourceCreate.model_validate({**body, "cadence": "weekly"}).cadence is Cadence.WEEKLY
    with pytest.raises(ValidationError):
        SourceCreate.model_validate({**body, "cadence": "hourly"})
    assert SourceUpdate.model_validate({"cadence": "daily"}).changes() == {"cadence": "daily"}
    assert SourceUpdate.model_validate({"title": "x"}).changes() == {"title": "x"}
    with pytest.raises(ValidationError):
        SourceUpdate.model_validate({"cadence": None})


def test_grace_factor_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert CatalogSettings().stale_grace_factor == 1.5
    monkeypatch.setenv("MDC_CATALOG_STALE_GRACE_FACTOR", "2.5")
    assert CatalogSettings().stale_grace_factor == 2.5
    monkeypatch.setenv("MDC_CATALOG_STALE_GRACE_FACTOR", "0.5")  # would call punctual late
    with pytest.raises(ValidationError):
        CatalogSettings()


def _error(at: datetime, **extra: object) -> dict[str, object]:
    return {"reason": "http_status", "message": "boom", "at": at.isoformat(), **extra}


def test_source_view_reports_next_check_latest_error_and_drift() -> None:
    source = make_source(
        "bills",
        CREATED,
        cadence=Cadence.DAILY,
        check_interval_seconds=600,
        last_checked_at=NOW - timedelta(minutes=15),
        last_changed_at=NOW - timedelta(days=3),
        consecutive_failures=2,
        check_error=_error(NOW - timedelta(hours=2), http_status=503),
        processing_error=_error(
            NOW - timedelta(hours=1), reason="processing", stage="read", row=17, column="price"
        ),
    )
    view = source_health(
        source,
        last_schema_change_at=NOW - timedelta(days=6),
        now=NOW,
        grace_factor=1.5,
        drift_days=7,
    )
    assert view.next_check_at == NOW - timedelta(minutes=5)  # the check is 5 minutes late
    assert view.last_error is not None
    assert (view.last_error.stage, view.last_error.row, view.last_error.column) == (
        "read",
        17,
        "price",
    )
    assert view.stale
    assert view.overdue_by_seconds == timedelta(hours=36).total_seconds()
    assert view.drifting
    narrower = source_health(
        source,
        last_schema_change_at=NOW - timedelta(days=6),
        now=NOW,
        grace_factor=1.5,
        drift_days=5,
    )
    assert not narrower.drifting


def test_unchecked_source_is_due_for_a_check_since_its_creation() -> None:
    created = NOW - timedelta(hours=3)
    view = source_health(
        make_source("new", created),
        last_schema_change_at=None,
        now=NOW,
        grace_factor=1.5,
        drift_days=7,
    )
    # The change-detector checks a new source at once: three hours on, that check is late.
    assert view.next_check_at == created
    assert (view.last_checked_at, view.last_outcome, view.last_error) == (None, None, None)
    assert (view.stale, view.drifting, view.status) == (False, False, SourceStatus.OK)
    assert view.cadence is Cadence.UNKNOWN


def test_unchecked_daily_source_goes_stale_from_its_creation() -> None:
    view = source_health(
        make_source("new", NOW - timedelta(days=2), cadence=Cadence.DAILY),
        last_schema_change_at=None,
        now=NOW,
        grace_factor=1.5,
        drift_days=7,
    )
    assert view.status is SourceStatus.STALE
    assert view.overdue_by_seconds == timedelta(hours=12).total_seconds()


def test_paused_source_has_no_next_check() -> None:
    source = make_source("p", CREATED, active=False, last_checked_at=NOW - timedelta(days=1))
    view = source_health(
        source, last_schema_change_at=None, now=NOW, grace_factor=1.5, drift_days=7
    )
    assert view.next_check_at is None
    assert view.status is SourceStatus.PAUSED


@pytest.mark.parametrize(
    ("active", "failing", "stale", "expected"),
    [
        (False, True, True, SourceStatus.PAUSED),
        (True, True, True, SourceStatus.FAILING),
        (True, True, False, SourceStatus.FAILING),
        (True, False, True, SourceStatus.STALE),
        (True, False, False, SourceStatus.OK),
    ],
)
def test_one_status_per_source_in_order_of_precedence(
    active: bool, failing: bool, stale: bool, expected: SourceStatus
) -> None:
    assert source_status(active=active, failing=failing, stale=stale) is expected


def test_view_keeps_both_open_errors_and_shows_the_latest() -> None:
    source = make_source(
        "bad",
        CREATED,
        check_error=_error(NOW - timedelta(hours=1)),
        processing_error=_error(NOW - timedelta(hours=3), reason="processing", stage="parse"),
    )
    view = source_health(
        source, last_schema_change_at=None, now=NOW, grace_factor=1.5, drift_days=7
    )
    assert view.status is SourceStatus.FAILING
    assert view.last_error is not None
    assert view.last_error.reason == "http_status"
    assert view.check_error is not None
    assert view.check_error.reason == "http_status"
    assert view.processing_error is not None
    assert view.processing_error.stage == "parse"


@pytest.mark.parametrize("value", ["2025-06-15T10:00:00", "0001-01-01T00:00:00+14:00", "yesterday"])
def test_instants_need_a_zone_and_must_exist_in_utc(value: str) -> None:
    with pytest.raises(ValidationError):
        FailureFilter.model_validate({"since": value})


def test_instants_are_normalized_to_utc() -> None:
    query = SchemaChangeFilter.model_validate({"since": "2025-06-15T14:00:00+02:00"})
    assert query.since == datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
    assert query.since is not None
    assert query.since.utcoffset() == timedelta(0)
