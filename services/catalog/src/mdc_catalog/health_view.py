"""The technician view of the catalog: which sources are stale, failing or drifting.

API models and pure functions only (the caller passes `now`); the SQL is in `health_queries.py`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from mdc_contracts import SchemaChange
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from mdc_catalog.cadence import Cadence, staleness
from mdc_catalog.models import SchemaChangeRecord, Source, SourceFailureRecord
from mdc_catalog.schemas import DEFAULT_PAGE_SIZE, INT4_MAX, MAX_PAGE_SIZE, SourceError
from mdc_catalog.service import last_error

DEFAULT_DRIFT_DAYS = 7
MAX_DRIFT_DAYS = 3660


class SourceStatus(StrEnum):
    """One status per source, the first that applies in this order: a paused source is
    `paused` whatever else holds, a failing one `failing` even if also stale."""

    PAUSED = "paused"  # not checked: nothing else about it is current
    FAILING = "failing"  # an open download or processing error
    STALE = "stale"  # no change within its cadence times the grace factor
    OK = "ok"


class FailureKind(StrEnum):
    DOWNLOAD = "download"  # a failed check of the source's URL (change-detector)
    PROCESSING = "processing"  # the downloaded file could not be read or profiled (profiler)


class HealthSort(StrEnum):
    NAME = "name"
    LAST_CHECKED_AT = "last_checked_at"
    LAST_CHANGED_AT = "last_changed_at"
    CONSECUTIVE_FAILURES = "consecutive_failures"
    DUE_AT = "due_at"  # ascending: the most overdue first


class SortOrder(StrEnum):
    ASC = "asc"
    DESC = "desc"


def _in_utc(value: datetime) -> datetime:
    # 0001-01-01T00:00+14:00 is valid ISO but not an instant PostgreSQL (or Python) can hold.
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range once converted to UTC") from None


Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]

# PostgreSQL text cannot hold NUL: refused here (422), not by the driver (500).
NO_NUL = r"^[^\x00]*$"


class _Page(BaseModel):
    limit: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0, le=INT4_MAX)


class SourceHealthFilter(_Page):
    """Query parameters of GET /admin/health/sources; every filter narrows the result."""

    model_config = ConfigDict(extra="forbid")

    status: list[SourceStatus] | None = Field(
        default=None,
        max_length=len(SourceStatus),
        description="Any of these statuses (repeat the parameter: `status=stale&status=failing`).",
    )
    stale: bool | None = Field(
        default=None, description="Only stale (true) or fresh (false), failing or not."
    )
    failing: bool | None = Field(
        default=None, description="Only sources with (true) or without (false) an open error."
    )
    drifting: bool | None = Field(
        default=None, description="Only sources whose schema changed in the last `drift_days`."
    )
    drift_days: int = Field(default=DEFAULT_DRIFT_DAYS, ge=1, le=MAX_DRIFT_DAYS)
    checked: bool | None = Field(default=None, description="false: only sources never checked yet.")
    publisher: str | None = Field(
        default=None,
        max_length=300,
        pattern=NO_NUL,
        description="Exact publisher, case-insensitive.",
    )
    tag: str | None = Field(
        default=None, max_length=64, pattern=NO_NUL, description="Sources with this tag."
    )
    cadence: Cadence | None = Field(default=None, description="Sources of this cadence.")
    name: str | None = Field(
        default=None,
        max_length=128,
        pattern=NO_NUL,
        description="Case-insensitive substring of the name.",
    )
    active: bool | None = None
    sort: HealthSort = HealthSort.NAME
    order: SortOrder = SortOrder.ASC


class SourceHealth(BaseModel):
    """One source as a technician sees it."""

    id: uuid.UUID
    name: str
    title: str | None = None
    publisher: str | None = None
    active: bool
    status: SourceStatus
    cadence: Cadence = Field(description="How often the publisher is expected to update it.")
    check_interval_seconds: int
    last_checked_at: datetime | None = Field(default=None, description="Null: never checked yet.")
    last_changed_at: datetime | None = Field(
        default=None, description="The last check that found new content."
    )
    next_check_at: datetime | None = Field(
        default=None,
        description="Estimated: last check + check interval, or creation for a source never "
        "checked (checked at once). In the past: the check is late. Null when paused.",
    )
    last_outcome: str | None = Field(
        default=None, description="Of the last check: changed, unchanged or failed."
    )
    consecutive_failures: int = Field(description="Consecutive failed checks (downloads).")
    last_error: SourceError | None = Field(
        default=None, description="The latest open error, of downloading or of processing."
    )
    check_error: SourceError | None = Field(
        default=None, description="The open download error (reason, HTTP status)."
    )
    processing_error: SourceError | None = Field(
        default=None, description="The open processing error (stage, row, column)."
    )
    due_at: datetime | None = Field(
        default=None,
        description="When the source becomes stale without a change (null: never).",
    )
    stale: bool
    overdue_by_seconds: float | None = Field(
        default=None, description="How long past `due_at` (stale sources only)."
    )
    last_schema_change_at: datetime | None = None
    drifting: bool = Field(description="The schema changed in the last `drift_days`.")
    dataset_id: uuid.UUID | None = None
    latest_version: int | None = None


class SourceHealthPage(BaseModel):
    items: list[SourceHealth]
    total: int


class SourceScope(BaseModel):
    """Which sources a history listing covers (all when nothing is given)."""

    source_id: uuid.UUID | None = None
    source: str | None = Field(
        default=None,
        max_length=128,
        pattern=NO_NUL,
        description="Case-insensitive substring of the source name.",
    )
    publisher: str | None = Field(
        default=None,
        max_length=300,
        pattern=NO_NUL,
        description="Exact publisher, case-insensitive.",
    )


class FailureFilter(_Page, SourceScope):
    """Query parameters of GET /admin/health/failures."""

    model_config = ConfigDict(extra="forbid")

    since: Instant | None = Field(default=None, description="Failures at or after this time.")
    until: Instant | None = Field(default=None, description="Failures before this time.")
    kind: FailureKind | None = None
    reason: str | None = Field(
        default=None,
        max_length=32,
        pattern=NO_NUL,
        description="Exact reason: a download's (`http_status`, `timeout`...) or `processing`.",
    )
    stage: str | None = Field(
        default=None,
        max_length=16,
        pattern=NO_NUL,
        description="Processing stage (read, parse, profile, write).",
    )


class SourceFailure(BaseModel):
    """One failed download or processing of a source."""

    event_id: uuid.UUID
    source_id: uuid.UUID
    source_name: str
    publisher: str | None = None
    kind: FailureKind
    reason: str = Field(examples=["http_status", "timeout", "processing"])
    stage: str | None = Field(default=None, description="Processing stage, for `processing`.")
    message: str
    http_status: int | None = None
    row: int | None = None
    column: str | None = None
    consecutive_failures: int | None = Field(
        default=None, description="Failed checks in a row, this one included (downloads)."
    )
    change_id: uuid.UUID | None = Field(
        default=None, description="The change whose file failed processing."
    )
    occurred_at: datetime


class FailurePage(BaseModel):
    items: list[SourceFailure] = Field(description="Newest first.")
    total: int


class SchemaChangeFilter(_Page, SourceScope):
    """Query parameters of GET /admin/health/schema-changes."""

    model_config = ConfigDict(extra="forbid")

    breaking: bool | None = Field(
        default=None, description="Only breaking (true) or only non-breaking (false) changes."
    )
    since: Instant | None = Field(default=None, description="Changes at or after this time.")
    until: Instant | None = Field(default=None, description="Changes before this time.")
    dataset_id: uuid.UUID | None = None
    dataset: str | None = Field(
        default=None, max_length=128, pattern=NO_NUL, description="Exact dataset name."
    )


class DatasetSchemaChange(BaseModel):
    event_id: uuid.UUID
    dataset_id: uuid.UUID
    dataset_name: str | None = None
    source_id: uuid.UUID | None = None
    source_name: str | None = None
    publisher: str | None = None
    from_version: int
    to_version: int
    breaking: bool
    changes: list[SchemaChange]
    occurred_at: datetime


class DatasetSchemaChangePage(BaseModel):
    items: list[DatasetSchemaChange] = Field(description="Newest first.")
    total: int


class HealthCounts(BaseModel):
    """What the summary counts, as the repository returns it."""

    sources: int = Field(description="Sources not deleted.")
    active: int
    failing: int = Field(description="Sources with an open error, paused ones included.")
    stale: int = Field(description="Active sources past their cadence, failing ones included.")
    drifting: int = Field(description="Sources whose schema changed in the last 7 days.")
    never_checked: int = Field(description="Active sources not checked yet.")
    by_status: dict[SourceStatus, int] = Field(
        description="Each source counted once, under its `status`; sums to `sources`."
    )
    recent_failures: int = Field(description="Failed downloads and processings, last 24 hours.")
    datasets: int
    recent_versions: int = Field(description="Versions created in the last 24 hours.")


class HealthSummary(HealthCounts):
    at: datetime = Field(description="When the counts were taken.")
    stale_grace_factor: float


SUMMARY_DRIFT_WINDOW = timedelta(days=7)
SUMMARY_RECENT_WINDOW = timedelta(hours=24)


# --- pure builders -------------------------------------------------------------------------


def has_open_error(source: Source) -> bool:
    # JSONB may hold a JSON null after an error cleared; only an object is an error.
    return isinstance(source.check_error, dict) or isinstance(source.processing_error, dict)


def source_status(*, active: bool, failing: bool, stale: bool) -> SourceStatus:
    if not active:
        return SourceStatus.PAUSED
    if failing:
        return SourceStatus.FAILING
    return SourceStatus.STALE if stale else SourceStatus.OK


def next_check_at(source: Source) -> datetime | None:
    if not source.active:
        return None
    if source.last_checked_at is None:
        # The change-detector checks a new source as soon as it learns of it.
        return source.created_at
    return source.last_checked_at + timedelta(seconds=source.check_interval_seconds)


def source_health(
    source: Source,
    *,
    last_schema_change_at: datetime | None,
    now: datetime,
    grace_factor: float,
    drift_days: int,
) -> SourceHealth:
    state = staleness(
        cadence=source.cadence,
        last_changed_at=source.last_changed_at,
        created_at=source.created_at,
        active=source.active,
        now=now,
        grace_factor=grace_factor,
    )
    drift_since = now - timedelta(days=drift_days)
    failing = has_open_error(source)
    return SourceHealth(
        id=source.id,
        name=source.name,
        title=source.title,
        publisher=source.publisher,
        active=source.active,
        status=source_status(active=source.active, failing=failing, stale=state.stale),
        cadence=Cadence(source.cadence),
        check_interval_seconds=source.check_interval_seconds,
        last_checked_at=source.last_checked_at,
        last_changed_at=source.last_changed_at,
        next_check_at=next_check_at(source),
        last_outcome=source.last_outcome,
        consecutive_failures=source.consecutive_failures,
        last_error=last_error(source) if failing else None,
        check_error=_error(source.check_error),
        processing_error=_error(source.processing_error),
        due_at=state.due_at,
        stale=state.stale,
        overdue_by_seconds=state.overdue_by.total_seconds() if state.overdue_by else None,
        last_schema_change_at=last_schema_change_at,
        drifting=last_schema_change_at is not None and last_schema_change_at >= drift_since,
        dataset_id=source.dataset_id,
        latest_version=source.latest_version,
    )


def source_failure(
    record: SourceFailureRecord, source_name: str, publisher: str | None
) -> SourceFailure:
    return SourceFailure(
        event_id=record.event_id,
        source_id=record.source_id,
        source_name=source_name,
        publisher=publisher,
        kind=FailureKind(record.kind),
        reason=record.reason,
        stage=record.stage,
        message=record.message,
        http_status=record.http_status,
        row=record.row,
        column=record.column_name,
        consecutive_failures=record.consecutive_failures,
        change_id=record.change_id,
        occurred_at=record.occurred_at,
    )


def dataset_schema_change(
    record: SchemaChangeRecord,
    dataset_name: str | None,
    source_id: uuid.UUID | None,
    source_name: str | None = None,
    publisher: str | None = None,
) -> DatasetSchemaChange:
    return DatasetSchemaChange(
        event_id=record.event_id,
        dataset_id=record.dataset_id,
        dataset_name=dataset_name,
        source_id=source_id,
        source_name=source_name,
        publisher=publisher,
        from_version=record.from_version,
        to_version=record.to_version,
        breaking=record.breaking,
        changes=[SchemaChange.model_validate(change) for change in record.changes],
        occurred_at=record.occurred_at,
    )


def _error(value: object) -> SourceError | None:
    return SourceError.model_validate(value) if isinstance(value, dict) else None
