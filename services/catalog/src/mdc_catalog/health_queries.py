"""Statements of the technician view; every value, and every instant, is a bound parameter.

The rules mirror the pure functions of `cadence.py` and `health_view.py` (stale: the reference
instant is before the cadence's cut-off; failing: an error object is stored), so that a filter
and the flags of the rows it returns always agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, DateTime, and_, case, cast, exists, func, literal, or_
from sqlmodel import col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from mdc_catalog.cadence import CADENCE_PERIODS, stale_cutoffs
from mdc_catalog.health_view import (
    SUMMARY_DRIFT_WINDOW,
    SUMMARY_VERSION_WINDOW,
    FailureFilter,
    HealthSort,
    SchemaChangeFilter,
    SortOrder,
    SourceHealthFilter,
)
from mdc_catalog.models import Dataset, DatasetVersion, SchemaChangeRecord, Source

# --- conditions ----------------------------------------------------------------------------


def _open_error(column: Any) -> ColumnElement[bool]:
    # A cleared error may be stored as JSON null rather than SQL NULL: only an object counts.
    # coalesce: never NULL, so that NOT(failing) keeps the sources without any error.
    return func.coalesce(func.jsonb_typeof(column), "none") == "object"


def failing_condition() -> ColumnElement[bool]:
    return or_(_open_error(col(Source.check_error)), _open_error(col(Source.processing_error)))


def _error_at(column: Any) -> ColumnElement[datetime]:
    return cast(column["at"].astext, DateTime(timezone=True))


def failed_at() -> ColumnElement[datetime]:
    # greatest() skips NULLs: the latest of the open errors.
    return func.greatest(
        _error_at(col(Source.check_error)), _error_at(col(Source.processing_error))
    )


def _reference_time() -> ColumnElement[datetime]:
    """The last change, or the creation of a source that never changed."""
    return func.coalesce(col(Source.last_changed_at), col(Source.created_at))


def stale_condition(now: datetime, grace_factor: float) -> ColumnElement[bool]:
    per_cadence = [
        and_(col(Source.cadence) == cadence.value, _reference_time() < cutoff)
        for cadence, cutoff in stale_cutoffs(now, grace_factor).items()
    ]
    return and_(col(Source.active), or_(*per_cadence))


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


def drifting_condition(since: datetime) -> ColumnElement[bool]:
    return exists().where(
        col(SchemaChangeRecord.dataset_id) == col(Source.dataset_id),
        col(SchemaChangeRecord.occurred_at) >= since,
    )


def _flag(condition: ColumnElement[bool], wanted: bool) -> ColumnElement[bool]:
    return condition if wanted else ~condition


# --- sources -------------------------------------------------------------------------------


def _source_conditions(
    query: SourceHealthFilter, now: datetime, grace_factor: float
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [col(Source.deleted_at).is_(None)]
    if query.active is not None:
        conditions.append(col(Source.active) == query.active)
    if query.stale is not None:
        conditions.append(_flag(stale_condition(now, grace_factor), query.stale))
    if query.failing is not None:
        conditions.append(_flag(failing_condition(), query.failing))
    if query.drifting is not None:
        since = now - timedelta(days=query.drift_days)
        conditions.append(_flag(drifting_condition(since), query.drifting))
    if query.publisher is not None:
        conditions.append(func.lower(col(Source.publisher)) == query.publisher.strip().lower())
    if query.tag is not None:
        conditions.append(col(Source.tags).contains([query.tag.strip()]))
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


# --- failures ------------------------------------------------------------------------------


def _failure_conditions(query: FailureFilter) -> list[ColumnElement[bool]]:
    conditions = [col(Source.deleted_at).is_(None), failing_condition()]
    if query.since is not None:
        conditions.append(failed_at() >= query.since)
    return conditions


def failure_search(query: FailureFilter) -> SelectOfScalar[Source]:
    return (
        select(Source)
        .where(*_failure_conditions(query))
        .order_by(failed_at().desc().nulls_last(), col(Source.name), col(Source.id))
        .limit(query.limit)
        .offset(query.offset)
    )


def failure_count(query: FailureFilter) -> SelectOfScalar[int]:
    return select(func.count()).select_from(Source).where(*_failure_conditions(query))


# --- schema changes ------------------------------------------------------------------------


def _schema_change_conditions(query: SchemaChangeFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.breaking is not None:
        conditions.append(col(SchemaChangeRecord.breaking) == query.breaking)
    if query.since is not None:
        conditions.append(col(SchemaChangeRecord.occurred_at) >= query.since)
    if query.dataset_id is not None:
        conditions.append(col(SchemaChangeRecord.dataset_id) == query.dataset_id)
    if query.dataset is not None:
        conditions.append(col(Dataset.name) == query.dataset)
    return conditions


def schema_change_search(query: SchemaChangeFilter) -> Select[Any]:
    return (
        select(SchemaChangeRecord, col(Dataset.name), col(Dataset.source_id))
        # Outer: a change stays visible even if its dataset row is gone.
        .outerjoin(Dataset, col(Dataset.id) == col(SchemaChangeRecord.dataset_id))
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
    return (
        select(func.count())
        .select_from(SchemaChangeRecord)
        .outerjoin(Dataset, col(Dataset.id) == col(SchemaChangeRecord.dataset_id))
        .where(*_schema_change_conditions(query))
    )


# --- summary -------------------------------------------------------------------------------


def summary_statement(now: datetime, grace_factor: float) -> Select[Any]:
    """One row: sources, active, failing, stale, drifting, datasets, recent versions."""
    datasets = select(func.count()).select_from(Dataset).scalar_subquery()
    recent_versions = (
        select(func.count())
        .select_from(DatasetVersion)
        .where(col(DatasetVersion.created_at) >= now - SUMMARY_VERSION_WINDOW)
        .scalar_subquery()
    )
    return (
        select(
            func.count().label("sources"),
            func.count().filter(col(Source.active)).label("active"),
            func.count().filter(failing_condition()).label("failing"),
            func.count().filter(stale_condition(now, grace_factor)).label("stale"),
            func.count().filter(drifting_condition(now - SUMMARY_DRIFT_WINDOW)).label("drifting"),
            datasets.label("datasets"),
            recent_versions.label("recent_versions"),
        )
        .select_from(Source)
        .where(col(Source.deleted_at).is_(None))
    )
