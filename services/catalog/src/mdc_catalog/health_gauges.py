"""Keeps the health gauges of /metrics current, and the failure history bounded.

Prometheus scrapes /metrics whether or not anyone opens the technician API, so the catalog
recomputes the counts itself every `HEALTH_REFRESH_SECONDS`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta

from mdc_contracts import utc_now
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_catalog.health_repository import AttentionRow, HealthRepository, SqlHealthRepository
from mdc_catalog.health_view import SUMMARY_DRIFT_WINDOW, HealthCounts, source_health
from mdc_catalog.metrics import CatalogMetrics, SourceProblem

log = logging.getLogger(__name__)

HealthScope = Callable[[], AbstractAsyncContextManager[HealthRepository]]

HEALTH_REFRESH_SECONDS = 30.0
# Failures older than this leave the history (a source's open errors stay on the source).
FAILURE_RETENTION = timedelta(days=90)
PRUNE_EVERY = timedelta(hours=1)


def source_problems(
    rows: list[AttentionRow], *, now: datetime, grace_factor: float
) -> list[SourceProblem]:
    """The per-source series: one per problem of each source (a source may have three)."""
    problems: list[SourceProblem] = []
    drift_days = SUMMARY_DRIFT_WINDOW // timedelta(days=1)
    for source, changed_at, breaking in rows:
        view = source_health(
            source,
            last_schema_change_at=changed_at,
            now=now,
            grace_factor=grace_factor,
            drift_days=drift_days,
        )
        publisher = view.publisher or ""
        if view.check_error is not None:
            problems.append(SourceProblem(view.name, publisher, "failing", view.check_error.reason))
        if view.processing_error is not None:
            stage = view.processing_error.stage or "unknown"
            problems.append(SourceProblem(view.name, publisher, "failing", f"processing:{stage}"))
        if view.stale:
            problems.append(
                SourceProblem(
                    view.name, publisher, "stale", view.cadence.value, view.overdue_by_seconds
                )
            )
        if view.drifting:
            detail = "breaking" if breaking else "non_breaking"
            problems.append(SourceProblem(view.name, publisher, "drifting", detail))
    return problems


def publish_counts(
    metrics: CatalogMetrics,
    counts: HealthCounts,
    problems: list[SourceProblem] | None = None,
    at: datetime | None = None,
) -> None:
    metrics.set_health(
        by_status={status.value: n for status, n in counts.by_status.items()},
        stale=counts.stale,
        failing=counts.failing,
        drifting=counts.drifting,
        never_checked=counts.never_checked,
        recent_failures=counts.recent_failures,
        problems=problems,
        at=at.timestamp() if at is not None else None,
    )


async def refresh_health_gauges(
    repo: HealthRepository, metrics: CatalogMetrics, *, now: datetime, grace_factor: float
) -> HealthCounts:
    counts = await repo.counts(now=now, grace_factor=grace_factor)
    rows = await repo.attention(now=now, grace_factor=grace_factor)
    publish_counts(metrics, counts, source_problems(rows, now=now, grace_factor=grace_factor), now)
    return counts


def sql_health_scope(sessions: async_sessionmaker[AsyncSession]) -> HealthScope:
    @asynccontextmanager
    async def scope() -> AsyncIterator[HealthRepository]:
        async with sessions() as session:
            yield SqlHealthRepository(session)

    return scope


async def keep_health_gauges_fresh(
    scope: HealthScope,
    metrics: CatalogMetrics,
    grace_factor: float,
    *,
    interval: float = HEALTH_REFRESH_SECONDS,
    clock: Callable[[], datetime] = utc_now,
) -> None:
    """Runs until cancelled; a failed pass (database away) is logged and retried."""
    last_pruned: datetime | None = None
    while True:
        try:
            now = clock()
            async with scope() as repo:
                await refresh_health_gauges(repo, metrics, now=now, grace_factor=grace_factor)
                if last_pruned is None or now - last_pruned >= PRUNE_EVERY:
                    pruned = await repo.prune_failures(now - FAILURE_RETENTION)
                    last_pruned = now
                    if pruned:
                        log.info("failure history pruned", extra={"deleted": pruned})
        # A background loop, not a request: it must outlive a database outage.
        except Exception:
            log.exception("refreshing the health gauges failed; will retry")
        await asyncio.sleep(interval)
