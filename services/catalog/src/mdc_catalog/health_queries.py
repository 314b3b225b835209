"""Statements of the technician view; every value, and every instant, is a bound parameter.

The rules mirror the pure functions of `cadence.py` and `health_view.py` (stale: the reference
instant is before the cadence's cut-off; failing: an error object is stored; status: paused,
then failing, then stale, then ok), so that a filter and the flags of the rows it returns
always agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, or_
from sqlmodel import col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from mdc_catalog.cadence import CADENCE_PERIODS, stale_cutoffs
from mdc_catalog.facts import unicode_lower
from mdc_catalog.health_view import (
    SUMMARY_DRIFT_WINDOW,
    SUMMARY_RECENT_WINDOW,
    FailureFilter,
    HealthSort,
    SchemaChangeFilter,
    SortOrder,
    SourceHealthFilter,
    SourceScope,
    SourceStatus,
)
from mdc_catalog.models import (
    Dataset,
    DatasetVersion,
    SchemaChangeRecord,
    Source,
    SourceFailureRecord,
)

# --- conditions ----------------------------------------------------------------------------


def _open_error(column: Any) -> ColumnElement[bool]:
    # A cleared error may be stored as JSON null rather than SQL NULL: only an object counts.
    # coalesce: never NULL, so that NOT(failing) keeps the sources without any error.
    return func.coalesce(func.jsonb_typeof(column), "none") == "object"


def failing_condition() -> ColumnElement[bool]:
    return or_(_open_error(col(Source.check_error)), _open_error(col(Source.processing_error)))


def _reference_time() -> ColumnElement[datetime]:
    """The last change, or the creation of a source that never changed."""
    return func.coalesce(col(Source.last_changed_at), col(Source.created_at))


def stale_condition(now: datetime, grace_factor: float) -> ColumnElement[bool]:
    per_cadence = [
        and_(col(Source.cadence) == cadence.value, _reference_time() < cutoff)
        for cadence, cutoff in stale_cutoffs(now, grace_factor).items()
    ]
    return and_(col(Source.active), or_(*per_cadence))


def status_condition(
    status: SourceStatus, now: datetime, grace_factor: float
) -> ColumnElement[bool]:
    """Sources whose single status is `status` (see `health_view.source_status`)."""
    active = col(Source.active)
    match status:
        case SourceStatus.PAUSED:
            return ~active
        case SourceStatus.FAILING:
            return and_(active, failing_condition())
        case SourceStatus.STALE:
            return and_(~failing_condition(), stale_condition(now, grace_factor))
        case SourceStatus.OK:
            return and_(active, ~failing_condition(), ~stale_condition(now, grace_factor))


def due_at(grace_factor: float) -> ColumnElement[datetime]:
    """When the source becomes stale; NULL for unknown cadences and paused sources."""
    whens = [
        (
            and_(col(Source.active), col(Source.cadence) == cadence.value),
            _reference_time() + literal(period * grace_factor),
        )
        for cadence, period in CADENCE_PERIODS.items()
    ]
    return case(*whens, else_=None)


def last_schema_change_at() -> Any:
    return (
        select(func.max(col(SchemaChangeRecord.occurred_at)))
        .where(col(SchemaChangeRecord.dataset_id) == col(Source.dataset_id))
        .scalar_subquery()
    )


def drifting_condition(since: datetime, *, breaking_only: bool = False) -> ColumnElement[bool]:
    conditions = [
        col(SchemaChangeRecord.dataset_id) == col(Source.dataset_id),
        col(SchemaChangeRecord.occurred_at) >= since,
    ]
    if breaking_only:
        conditions.append(col(SchemaChangeRecord.breaking))
    return exists().where(*conditions)


def _flag(condition: ColumnElement[bool], wanted: bool) -> ColumnElement[bool]:
    return condition if wanted else ~condition


def _same_text(column: Any, value: str) -> ColumnElement[bool]:
    # Unicode lower-casing, as the search's (the database's C locale lowers ASCII only).
    return unicode_lower(column) == value.strip().lower()


def _scope_conditions(query: SourceScope) -> list[ColumnElement[bool]]:
    """The source name and publisher of a history listing (its source id is the caller's)."""
    conditions: list[ColumnElement[bool]] = []
    if query.source is not None:
        conditions.append(col(Source.name).icontains(query.source, autoescape=True))
    if query.publisher is not None:
        conditions.append(_same_text(col(Source.publisher), query.publisher))
    return conditions


# --- sources -------------------------------------------------------------------------------


def _source_conditions(
    query: SourceHealthFilter, now: datetime, grace_factor: float
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [col(Source.deleted_at).is_(None)]
    if query.status is not None:
        wanted = sorted(set(query.status))  # a stable statement for a given set
        conditions.append(or_(*(status_condition(s, now, grace_factor) for s in wanted)))
    if query.active is not None:
        conditions.append(col(Source.active) == query.active)
    if query.stale is not None:
        conditions.append(_flag(stale_condition(now, grace_factor), query.stale))
    if query.failing is not None:
        conditions.append(_flag(failing_condition(), query.failing))
    if query.drifting is not None:
        since = now - timedelta(days=query.drift_days)
        conditions.append(_flag(drifting_condition(since), query.drifting))
    if query.checked is not None:
        checked = col(Source.last_checked_at).is_not(None)
        conditions.append(checked if query.checked else ~checked)
    if query.publisher is not None:
        conditions.append(_same_text(col(Source.publisher), query.publisher))
    if query.tag is not None:
        conditions.append(col(Source.tags).contains([query.tag.strip()]))
    if query.cadence is not None:
        conditions.append(col(Source.cadence) == query.cadence.value)
    if query.name is not None:
        conditions.append(col(Source.name).icontains(query.name, autoescape=True))
    return conditions


def _sort_key(sort: HealthSort, grace_factor: float) -> Any:
    match sort:
        case HealthSort.NAME:
            return col(Source.name)
        case HealthSort.LAST_CHECKED_AT:
            return col(Source.last_checked_at)
        case HealthSort.LAST_CHANGED_AT:
            return col(Source.last_changed_at)
        case HealthSort.CONSECUTIVE_FAILURES:
            return col(Source.consecutive_failures)
        case HealthSort.DUE_AT:
            return due_at(grace_factor)


def source_health_search(
    query: SourceHealthFilter, now: datetime, grace_factor: float
) -> Select[Any]:
    key = _sort_key(query.sort, grace_factor)
    ordered = key.desc() if query.order is SortOrder.DESC else key.asc()
    return (
        select(Source, last_schema_change_at().label("last_schema_change_at"))
        .where(*_source_conditions(query, now, grace_factor))
        # Unknown values last in both directions; name and id keep pages stable.
        .order_by(ordered.nulls_last(), col(Source.name), col(Source.id))
        .limit(query.limit)
        .offset(query.offset)
    )


def source_health_count(
    query: SourceHealthFilter, now: datetime, grace_factor: float
) -> SelectOfScalar[int]:
    return (
        select(func.count())
        .select_from(Source)
        .where(*_source_conditions(query, now, grace_factor))
    )


def attention_search(now: datetime, grace_factor: float) -> Select[Any]:
    """Active sources that are failing, stale or drifting (last 7 days), with when their
    schema last changed and whether a breaking change is among the recent ones (gauges)."""
    drift_since = now - SUMMARY_DRIFT_WINDOW
    drifting = drifting_condition(drift_since)
    return (
        select(
            Source,
            last_schema_change_at().label("last_schema_change_at"),
            drifting_condition(drift_since, breaking_only=True).label("breaking_drift"),
        )
        .where(
            col(Source.deleted_at).is_(None),
            col(Source.active),
            or_(failing_condition(), stale_condition(now, grace_factor), drifting),
        )
        .order_by(col(Source.name), col(Source.id))
    )


# --- failures ------------------------------------------------------------------------------


def _failure_conditions(query: FailureFilter) -> list[ColumnElement[bool]]:
    record = SourceFailureRecord
    conditions: list[ColumnElement[bool]] = [col(Source.deleted_at).is_(None)]
    if query.since is not None:
        conditions.append(col(record.occurred_at) >= query.since)
    if query.until is not None:
        conditions.append(col(record.occurred_at) < query.until)
    if query.kind is not None:
        conditions.append(col(record.kind) == query.kind.value)
    if query.reason is not None:
        conditions.append(col(record.reason) == query.reason)
    if query.stage is not None:
        conditions.append(col(record.stage) == query.stage)
    if query.source_id is not None:
        conditions.append(col(record.source_id) == query.source_id)
    return conditions + _scope_conditions(query)


def failure_search(query: FailureFilter) -> Select[Any]:
    return (
        select(SourceFailureRecord, col(Source.name), col(Source.publisher))
        # Inner: failures are recorded for known sources only; deleted ones are left out.
        .join(Source, col(Source.id) == col(SourceFailureRecord.source_id))
        .where(*_failure_conditions(query))
        .order_by(col(SourceFailureRecord.occurred_at).desc(), col(SourceFailureRecord.event_id))
        .limit(query.limit)
        .offset(query.offset)
    )


def failure_count(query: FailureFilter) -> SelectOfScalar[int]:
    return (
        select(func.count())
        .select_from(SourceFailureRecord)
        .join(Source, col(Source.id) == col(SourceFailureRecord.source_id))
        .where(*_failure_conditions(query))
    )


def prune_failures(before: datetime) -> Any:
    """Forget failures older than the retention (the source row keeps its open errors)."""
    table = SourceFailureRecord.__table__  # type: ignore[attr-defined]
    return table.delete().where(table.c.occurred_at < before)


# --- schema changes ------------------------------------------------------------------------


def _schema_change_conditions(query: SchemaChangeFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.breaking is not None:
        conditions.append(col(SchemaChangeRecord.breaking) == query.breaking)
    if query.since is not None:
        conditions.append(col(SchemaChangeRecord.occurred_at) >= query.since)
    if query.until is not None:
        conditions.append(col(SchemaChangeRecord.occurred_at) < query.until)
    if query.dataset_id is not None:
        conditions.append(col(SchemaChangeRecord.dataset_id) == query.dataset_id)
    if query.dataset is not None:
        conditions.append(col(Dataset.name) == query.dataset)
    if query.source_id is not None:
        conditions.append(col(Dataset.source_id) == query.source_id)
    return conditions + _scope_conditions(query)


def _with_dataset_and_source(statement: Any) -> Any:
    # Outer: a change stays visible even if its dataset row is gone or has no source.
    return statement.outerjoin(
        Dataset, col(Dataset.id) == col(SchemaChangeRecord.dataset_id)
    ).outerjoin(Source, col(Source.id) == col(Dataset.source_id))


def schema_change_search(query: SchemaChangeFilter) -> Select[Any]:
    statement = select(
        SchemaChangeRecord,
        col(Dataset.name),
        col(Dataset.source_id),
        col(Source.name),
        col(Source.publisher),
    )
    return (
        _with_dataset_and_source(statement)
        .where(*_schema_change_conditions(query))
        .order_by(
            col(SchemaChangeRecord.occurred_at).desc(),
            col(SchemaChangeRecord.to_version).desc(),
            col(SchemaChangeRecord.event_id),
        )
        .limit(query.limit)
        .offset(query.offset)
    )


def schema_change_count(query: SchemaChangeFilter) -> SelectOfScalar[int]:
    statement = select(func.count()).select_from(SchemaChangeRecord)
    return _with_dataset_and_source(statement).where(*_schema_change_conditions(query))


# --- summary -------------------------------------------------------------------------------


def summary_statement(now: datetime, grace_factor: float) -> Select[Any]:
    """One row: sources, active, failing, stale, drifting, never_checked, one `status_<s>`
    per status, recent_failures, datasets, recent_versions."""
    datasets = select(func.count()).select_from(Dataset).scalar_subquery()
    recent_versions = (
        select(func.count())
        .select_from(DatasetVersion)
        .where(col(DatasetVersion.created_at) >= now - SUMMARY_RECENT_WINDOW)
        .scalar_subquery()
    )
    recent_failures = (
        select(func.count())
        .select_from(SourceFailureRecord)
        .join(Source, col(Source.id) == col(SourceFailureRecord.source_id))
        .where(
            col(Source.deleted_at).is_(None),
            col(SourceFailureRecord.occurred_at) >= now - SUMMARY_RECENT_WINDOW,
        )
        .scalar_subquery()
    )
    never_checked = and_(col(Source.active), col(Source.last_checked_at).is_(None))
    by_status = [
        func.count().filter(status_condition(status, now, grace_factor)).label(f"status_{status}")
        for status in SourceStatus
    ]
    return (
        select(
            func.count().label("sources"),
            func.count().filter(col(Source.active)).label("active"),
            func.count().filter(failing_condition()).label("failing"),
            func.count().filter(stale_condition(now, grace_factor)).label("stale"),
            func.count().filter(drifting_condition(now - SUMMARY_DRIFT_WINDOW)).label("drifting"),
            func.count().filter(never_checked).label("never_checked"),
            *by_status,
            recent_failures.label("recent_failures"),
            datasets.label("datasets"),
            recent_versions.label("recent_versions"),
        )
        .select_from(Source)
        .where(col(Source.deleted_at).is_(None))
    )
