"""Technician endpoints (read-only): stale, failing and drifting sources, and a summary."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from mdc_contracts import utc_now

from mdc_catalog.api.deps import SessionDep, require_provider
from mdc_catalog.config import CatalogSettings
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

# Who may read this view. The one line to change when the technician role exists.
require_technician = require_provider

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


@router.get("/failures", summary="Sources with an open check or processing error, newest first")
async def list_failures(
    query: Annotated[FailureFilter, Query()], repo: HealthRepositoryDep
) -> FailurePage:
    sources, total = await repo.failures(query)
    failures = [failure for source in sources if (failure := source_failure(source)) is not None]
    return FailurePage(items=failures, total=total)


@router.get("/schema-changes", summary="Recent schema changes across datasets, newest first")
async def list_schema_changes(
    query: Annotated[SchemaChangeFilter, Query()], repo: HealthRepositoryDep
) -> DatasetSchemaChangePage:
    rows, total = await repo.schema_changes(query)
    items = [dataset_schema_change(record, name, source_id) for record, name, source_id in rows]
    return DatasetSchemaChangePage(items=items, total=total)


@router.get("/summary", summary="Counts for a dashboard: sources, failing, stale, drifting")
async def summary(
    request: Request, repo: HealthRepositoryDep, now: NowDep, grace_factor: GraceDep
) -> HealthSummary:
    counts = await repo.counts(now=now, grace_factor=grace_factor)
    metrics: CatalogMetrics | None = getattr(request.app.state, "catalog_metrics", None)
    if metrics is not None:
        metrics.stale_sources.set(counts.stale)
        metrics.failing_sources.set(counts.failing)
    return HealthSummary(**counts.model_dump(), at=now, stale_grace_factor=grace_factor)
