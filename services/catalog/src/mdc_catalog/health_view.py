"""The technician view of the catalog: which sources are stale, failing or drifting.

API models and pure functions only (the caller passes `now`); the SQL is in `health_queries.py`.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from mdc_contracts import SchemaChange
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mdc_catalog.cadence import Cadence, staleness
from mdc_catalog.models import SchemaChangeRecord, Source
from mdc_catalog.schemas import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SourceError
from mdc_catalog.service import last_error

DEFAULT_DRIFT_DAYS = 7
MAX_DRIFT_DAYS = 3660


class HealthSort(StrEnum):
    NAME = "name"
    LAST_CHECKED_AT = "last_checked_at"
    LAST_CHANGED_AT = "last_changed_at"
    CONSECUTIVE_FAILURES = "consecutive_failures"
    DUE_AT = "due_at"  # ascending: the most overdue first


class SortOrder(StrEnum):
    ASC = "asc"
    DESC = "desc"


class _Page(BaseModel):
    limit: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0)


class SourceHealthFilter(_Page):
    """Query parameters of GET /admin/health/sources; every filter narrows the result."""

    model_config = ConfigDict(extra="forbid")

    stale: bool | None = Field(default=None, description="Only stale (true) or fresh (false).")
    failing: bool | None = Field(
        default=None, description="Only sources with (true) or without (false) an open error."
    )
    drifting: bool | None = Field(
        default=None, description="Only sources whose schema changed in the last `drift_days`."
    )
    drift_days: int = Field(default=DEFAULT_DRIFT_DAYS, ge=1, le=MAX_DRIFT_DAYS)
    publisher: str | None = Field(
        default=None, max_length=300, description="Exact publisher, case-insensitive."
    )
    tag: str | None = Field(default=None, max_length=64, description="Sources with this tag.")
    name: str | None = Field(
        default=None, max_length=128, description="Case-insensitive substring of the name."
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
    cadence: Cadence
    last_checked_at: datetime | None = None
    last_changed_at: datetime | None = None
    next_check_at: datetime | None = Field(
        default=None, description="Last check + check interval; in the past: the check is late."
    )
    last_outcome: str | None = None
    consecutive_failures: int
    last_error: SourceError | None = Field(
        default=None, description="The latest open error, of checking or of processing."
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


class FailureFilter(_Page):
    """Query parameters of GET /admin/health/failures."""

    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime | None = Field(default=None, description="Failures at or after this time.")


class SourceFailure(BaseModel):
    """A source with an open error; a check error and a processing error may both be open."""

    source_id: uuid.UUID
    name: str
    active: bool
    failed_at: datetime = Field(description="When the latest of its open errors happened.")
    consecutive_failures: int = Field(description="Consecutive failed checks.")
    check_error: SourceError | None = None
    processing_error: SourceError | None = None


class FailurePage(BaseModel):
    items: list[SourceFailure] = Field(description="Newest failure first.")
    total: int


class SchemaChangeFilter(_Page):
    """Query parameters of GET /admin/health/schema-changes."""

    model_config = ConfigDict(extra="forbid")

    breaking: bool | None = Field(default=None, description="Only breaking (true) changes.")
    since: AwareDatetime | None = Field(default=None, description="Changes at or after this time.")
    dataset_id: uuid.UUID | None = None
    dataset: str | None = Field(default=None, max_length=128, description="Exact dataset name.")


class DatasetSchemaChange(BaseModel):
    event_id: uuid.UUID
    dataset_id: uuid.UUID
    dataset_name: str | None = None
    source_id: uuid.UUID | None = None
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
    failing: int
    stale: int
    drifting: int = Field(description="Sources whose schema changed in the last 7 days.")
    datasets: int
    recent_versions: int = Field(description="Versions created in the last 24 hours.")


class HealthSummary(HealthCounts):
    at: datetime = Field(description="When the counts were taken.")
    stale_grace_factor: float


SUMMARY_DRIFT_WINDOW = timedelta(days=7)
SUMMARY_VERSION_WINDOW = timedelta(hours=24)


# --- pure builders -------------------------------------------------------------------------


def has_open_error(source: Source) -> bool:
    # JSONB may hold a JSON null after an error cleared; only an object is an error.
    return isinstance(source.check_error, dict) or isinstance(source.processing_error, dict)


def next_check_at(source: Source) -> datetime | None:
    if source.last_checked_at is None:
        return None
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
    return SourceHealth(
        id=source.id,
        name=source.name,
        title=source.title,
        publisher=source.publisher,
        active=source.active,
        cadence=Cadence(source.cadence),
        last_checked_at=source.last_checked_at,
        last_changed_at=source.last_changed_at,
        next_check_at=next_check_at(source),
        last_outcome=source.last_outcome,
        consecutive_failures=source.consecutive_failures,
        last_error=last_error(source) if has_open_error(source) else None,
        due_at=state.due_at,
        stale=state.stale,
        overdue_by_seconds=state.overdue_by.total_seconds() if state.overdue_by else None,
        last_schema_change_at=last_schema_change_at,
        drifting=last_schema_change_at is not None and last_schema_change_at >= drift_since,
        dataset_id=source.dataset_id,
        latest_version=source.latest_version,
    )


def source_failure(source: Source) -> SourceFailure | None:
    """The source's open errors, or None when it has none."""
    check = _error(source.check_error)
    processing = _error(source.processing_error)
    times = [error.at for error in (check, processing) if error is not None]
    if not times:
        return None
    return SourceFailure(
        source_id=source.id,
        name=source.name,
        active=source.active,
        failed_at=max(times),
        consecutive_failures=source.consecutive_failures,
        check_error=check,
        processing_error=processing,
    )


def dataset_schema_change(
    record: SchemaChangeRecord, dataset_name: str | None, source_id: uuid.UUID | None
) -> DatasetSchemaChange:
    return DatasetSchemaChange(
        event_id=record.event_id,
        dataset_id=record.dataset_id,
        dataset_name=dataset_name,
        source_id=source_id,
        from_version=record.from_version,
        to_version=record.to_version,
        breaking=record.breaking,
        changes=[SchemaChange.model_validate(change) for change in record.changes],
        occurred_at=record.occurred_at,
    )


def _error(value: object) -> SourceError | None:
    return SourceError.model_validate(value) if isinstance(value, dict) else None
