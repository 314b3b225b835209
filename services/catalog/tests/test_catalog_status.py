"""Status transitions of a source, from checks, new versions and processing failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from catalog_fakes import checked, processing_failed, version_created
from mdc_catalog.models import Source
from mdc_catalog.service import last_error, source_public
from mdc_catalog.status import apply_check, apply_processing_failure, apply_version

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _source() -> Source:
    return Source(name="penguins", url="https://data.example.org/penguins.csv")


def test_failed_check_records_reason_and_failures() -> None:
    source = _source()
    event = checked(
        source.id,
        "failed",
        T0,
        failure={"reason": "http_status", "message": "HTTP 404 Not Found", "http_status": 404},
        consecutive_failures=3,
    )
    assert apply_check(source, event)
    assert (source.last_outcome, source.consecutive_failures) == ("failed", 3)
    error = last_error(source)
    assert error is not None
    assert (error.reason, error.http_status, error.at) == ("http_status", 404, T0)
    assert error.message == "HTTP 404 Not Found"


def test_failed_check_without_detail_still_counts() -> None:
    source = _source()
    apply_check(source, checked(source.id, "failed", T0))
    error = last_error(source)
    assert error is not None
    assert error.reason == "other"
    assert source.consecutive_failures == 1


def test_successful_check_clears_the_check_error_and_counts_changes() -> None:
    source = _source()
    apply_check(source, checked(source.id, "failed", T0, consecutive_failures=1))
    assert apply_check(source, checked(source.id, "changed", T0 + timedelta(hours=1)))
    assert last_error(source) is None
    assert source.consecutive_failures == 0
    assert source.last_changed_at == T0 + timedelta(hours=1)
    apply_check(source, checked(source.id, "unchanged", T0 + timedelta(hours=2)))
    assert source.last_changed_at == T0 + timedelta(hours=1)
    assert source.last_checked_at == T0 + timedelta(hours=2)


def test_older_check_is_ignored() -> None:
    source = _source()
    apply_check(source, checked(source.id, "unchanged", T0))
    assert not apply_check(source, checked(source.id, "failed", T0 - timedelta(seconds=1)))
    assert (source.last_outcome, source.last_checked_at) == ("unchanged", T0)


def test_processing_failure_is_shown_and_survives_successful_checks() -> None:
    source = _source()
    apply_check(source, checked(source.id, "changed", T0))
    assert apply_processing_failure(source, processing_failed(source.id, T0 + timedelta(seconds=5)))
    apply_check(source, checked(source.id, "unchanged", T0 + timedelta(hours=1)))
    public = source_public(source)
    assert public.last_error is not None
    assert public.last_error.reason == "processing"
    assert public.last_error.stage == "parse"
    assert public.last_error.row == 1
    assert "HTML" in public.last_error.message


def test_newest_error_wins_between_check_and_processing() -> None:
    source = _source()
    apply_processing_failure(source, processing_failed(source.id, T0))
    apply_check(source, checked(source.id, "failed", T0 + timedelta(minutes=1)))
    error = last_error(source)
    assert error is not None
    assert error.reason == "other"


def test_new_version_clears_an_older_processing_error_and_moves_forward_only() -> None:
    source = _source()
    apply_processing_failure(source, processing_failed(source.id, T0))
    assert apply_version(source, version_created(source.id, 2, created_at=T0 + timedelta(hours=1)))
    assert last_error(source) is None
    assert (source.dataset_id, source.latest_version) == (source.id, 2)
    assert not apply_version(source, version_created(source.id, 1, created_at=T0))
    assert source.latest_version == 2


def test_failure_older_than_the_last_success_is_ignored() -> None:
    source = _source()
    apply_version(source, version_created(source.id, 1, created_at=T0))
    assert not apply_processing_failure(source, processing_failed(source.id, T0 - timedelta(1)))
    assert last_error(source) is None
    # A later failure still shows, and a version made before it does not clear it.
    apply_processing_failure(source, processing_failed(source.id, T0 + timedelta(hours=2)))
    apply_version(source, version_created(source.id, 1, created_at=T0))
    error = last_error(source)
    assert error is not None
    assert error.reason == "processing"
