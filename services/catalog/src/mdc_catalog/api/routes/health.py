"""Technician endpoints (read-only): stale, failing and drifting sources, the history of
failures and of schema changes, and a summary."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from mdc_contracts import utc_now

from mdc_catalog.api.deps import SessionDep, require_status_reader
from mdc_catalog.config import CatalogSettings
from mdc_catalog.health_gauges import publish_counts
from mdc_catalog.health_repository import HealthRepository, SqlHealthRepository
from mdc_catalog.health_view import (
    DatasetSchemaChangePage,
    FailureFilter,
    FailurePage,
    HealthSummary,
    SchemaChangeFilter,
    SourceHealthFilter,
    SourceHealthPage,
    dataset_schema_change,
    source_failure,
    source_health,
)
from mdc_catalog.metrics import CatalogMetrics

# Who may read this view: technicians, providers and admins.
require_technician = require_status_reader

router = APIRouter(
    prefix="/admin/health",
    tags=["health (technicians)"],
    dependencies=[Depends(require_technician)],
    responses={
        401: {"description": "No API key."},
        403: {"description": "The API key may not read the technician view."},
    },
)


def get_health_repository(session: SessionDep) -> HealthRepository:
    return SqlHealthRepository(session)


def get_now() -> datetime:
    """The instant staleness is judged at (a dependency, so tests fix the clock)."""
    return utc_now()


def get_grace_factor(request: Request) -> float:
    settings: CatalogSettings = request.app.state.settings
    return settings.stale_grace_factor


HealthRepositoryDep = Annotated[HealthRepository, Depends(get_health_repository)]
NowDep = Annotated[datetime, Depends(get_now)]
GraceDep = Annotated[float, Depends(get_grace_factor)]


@router.get("/sources", summary="Sources with their freshness, failures and drift")
async def list_source_health(
    query: Annotated[SourceHealthFilter, Query()],
    repo: HealthRepositoryDep,
    now: NowDep,
    grace_factor: GraceDep,
) -> SourceHealthPage:
    rows, total = await repo.source_health(query, now=now, grace_factor=grace_factor)
    items = [
        source_health(
            source,
            last_schema_change_at=changed_at,
            now=now,
            grace_factor=grace_factor,
            drift_days=query.drift_days,
        )
        for source, changed_at in rows
    ]
    return SourceHealthPage(items=items, total=total)


@router.get("/failures", summary="Failed downloads and processings, newest first")
async def list_failures(
    query: Annotated[FailureFilter, Query()], repo: HealthRepositoryDep
) -> FailurePage:
    """Every failure recorded (kept 90 days), whether or not the source recovered since;
    the sources failing now are `GET /admin/health/sources?status=failing`."""
    rows, total = await repo.failures(query)
    items = [source_failure(record, name, publisher) for record, name, publisher in rows]
    return FailurePage(items=items, total=total)


@router.get("/schema-changes", summary="Recent schema changes across datasets, newest first")
async def list_schema_changes(
    query: Annotated[SchemaChangeFilter, Query()], repo: HealthRepositoryDep
) -> DatasetSchemaChangePage:
    rows, total = await repo.schema_changes(query)
    items = [dataset_schema_change(*row) for row in rows]
    return DatasetSchemaChangePage(items=items, total=total)


@router.get("/summary", summary="Counts for a dashboard: sources, failing, stale, drifting")
async def summary(
    request: Request, repo: HealthRepositoryDep, now: NowDep, grace_factor: GraceDep
) -> HealthSummary:
    counts = await repo.counts(now=now, grace_factor=grace_factor)
    metrics: CatalogMetrics | None = getattr(request.app.state, "catalog_metrics", None)
    if metrics is not None:
        publish_counts(metrics, counts)  # the totals; the per-source series wait for the loop
    return HealthSummary(**counts.model_dump(), at=now, stale_grace_factor=grace_factor)
