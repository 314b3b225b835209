"""The health gauges of /metrics: what they hold, that they follow the database without
anyone calling the API, and that the Grafana dashboard asks for gauges that exist."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from health_fakes import (
    FakeHealthRepository,
    make_dataset,
    make_failure,
    make_schema_change,
    make_source,
)
from mdc_catalog.cadence import Cadence
from mdc_catalog.health_gauges import (
    FAILURE_RETENTION,
    keep_health_gauges_fresh,
    refresh_health_gauges,
    source_problems,
)
from mdc_catalog.health_repository import HealthRepository
from mdc_catalog.metrics import CatalogMetrics, SourceProblem
from mdc_common.metrics import ServiceMetrics

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
CREATED = NOW - timedelta(days=100)
DASHBOARD = Path(__file__).resolve().parents[3] / "deploy/grafana/dashboards/mdc-overview.json"


def _error(at: datetime, **extra: object) -> dict[str, object]:
    return {"reason": "http_status", "message": "HTTP 503", "at": at.isoformat(), **extra}


@pytest.fixture
def health_repo() -> FakeHealthRepository:
    """roads: failing (download and processing), stale and drifting (breaking); maps: stale
    only; bills: fine; parks: paused and failing (paused sources need no attention)."""
    repo = FakeHealthRepository()
    roads = make_source(
        "roads",
        CREATED,
        cadence=Cadence.WEEKLY,
        publisher="Region",
        last_checked_at=NOW - timedelta(hours=1),
        last_changed_at=NOW - timedelta(days=20),
        check_error=_error(NOW - timedelta(hours=1)),
        processing_error=_error(NOW - timedelta(days=2), reason="processing", stage="read"),
    )
    maps = make_source(
        "maps",
        CREATED,
        cadence=Cadence.MONTHLY,
        last_checked_at=NOW - timedelta(hours=1),
        last_changed_at=NOW - timedelta(days=50),
    )
    bills = make_source(
        "bills",
        CREATED,
        cadence=Cadence.DAILY,
        last_checked_at=NOW - timedelta(hours=1),
        last_changed_at=NOW - timedelta(hours=1),
    )
    parks = make_source("parks", CREATED, active=False, check_error=_error(NOW))
    repo.sources = [roads, maps, bills, parks]
    dataset = make_dataset("roads", roads, CREATED)
    repo.datasets = [dataset]
    repo.schema_change_records = [
        make_schema_change(dataset, 2, NOW - timedelta(days=1), breaking=True)
    ]
    repo.failure_records = [
        make_failure(roads, NOW - timedelta(hours=1)),
        make_failure(roads, NOW - FAILURE_RETENTION - timedelta(days=1)),  # past retention
    ]
    return repo


@pytest.fixture
def metrics() -> CatalogMetrics:
    return CatalogMetrics(ServiceMetrics("catalog"))


def _sample(metrics: CatalogMetrics, name: str, **labels: str) -> float | None:
    value: float | None = metrics.base.registry.get_sample_value(name, labels)
    return value


async def test_problems_name_each_reason_a_source_needs_attention(
    health_repo: FakeHealthRepository,
) -> None:
    rows = await health_repo.attention(now=NOW, grace_factor=1.5)
    assert [source.name for source, _, _ in rows] == ["maps", "roads"]  # not bills, not parks
    problems = source_problems(rows, now=NOW, grace_factor=1.5)
    assert problems == [
        SourceProblem("maps", "", "stale", "monthly", (timedelta(days=50 - 46.5)).total_seconds()),
        SourceProblem("roads", "Region", "failing", "http_status"),
        SourceProblem("roads", "Region", "failing", "processing:read"),
        SourceProblem("roads", "Region", "stale", "weekly", timedelta(days=9.5).total_seconds()),
        SourceProblem("roads", "Region", "drifting", "breaking"),
    ]


async def test_refresh_sets_totals_and_one_series_per_problem(
    health_repo: FakeHealthRepository, metrics: CatalogMetrics
) -> None:
    await refresh_health_gauges(health_repo, metrics, now=NOW, grace_factor=1.5)
    assert _sample(metrics, "mdc_catalog_stale_sources") == 2
    assert _sample(metrics, "mdc_catalog_failing_sources") == 2  # parks too: paused, not fixed
    assert _sample(metrics, "mdc_catalog_drifting_sources") == 1
    assert _sample(metrics, "mdc_catalog_sources", status="failing") == 1
    assert _sample(metrics, "mdc_catalog_sources", status="stale") == 1
    assert _sample(metrics, "mdc_catalog_sources", status="ok") == 1
    assert _sample(metrics, "mdc_catalog_sources", status="paused") == 1
    assert _sample(metrics, "mdc_catalog_recent_failures") == 1
    labels = {"source": "roads", "publisher": "Region", "problem": "drifting"}
    assert _sample(metrics, "mdc_catalog_source_problem", **labels, detail="breaking") == 1
    overdue = {"source": "maps", "publisher": "", "cadence": "monthly"}
    assert _sample(metrics, "mdc_catalog_source_overdue_seconds", **overdue) == 3.5 * 86400
    assert _sample(metrics, "mdc_catalog_health_refreshed_timestamp_seconds") == NOW.timestamp()


async def test_a_recovered_source_loses_its_series(
    health_repo: FakeHealthRepository, metrics: CatalogMetrics
) -> None:
    await refresh_health_gauges(health_repo, metrics, now=NOW, grace_factor=1.5)
    maps = next(s for s in health_repo.sources if s.name == "maps")
    maps.last_changed_at = NOW  # the publisher updated it
    await refresh_health_gauges(health_repo, metrics, now=NOW, grace_factor=1.5)
    problem = {"source": "maps", "publisher": "", "problem": "stale", "detail": "monthly"}
    assert _sample(metrics, "mdc_catalog_source_problem", **problem) is None
    overdue = {"source": "maps", "publisher": "", "cadence": "monthly"}
    assert _sample(metrics, "mdc_catalog_source_overdue_seconds", **overdue) is None
    assert _sample(metrics, "mdc_catalog_stale_sources") == 1


class _FlakyScope:
    """A scope over the fake whose first `failures` openings raise (database away)."""

    def __init__(self, repo: FakeHealthRepository, failures: int) -> None:
        self.repo = repo
        self.failures = failures
        self.openings = 0

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[HealthRepository]:
        self.openings += 1
        if self.openings <= self.failures:
            raise ConnectionError("database away")
        yield self.repo


async def test_the_loop_refreshes_prunes_and_survives_an_outage(
    health_repo: FakeHealthRepository, metrics: CatalogMetrics
) -> None:
    scope = _FlakyScope(health_repo, failures=1)
    task = asyncio.create_task(
        keep_health_gauges_fresh(scope, metrics, 1.5, interval=0.001, clock=lambda: NOW)
    )
    for _ in range(500):
        await asyncio.sleep(0.001)
        if scope.openings >= 3:
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert scope.openings >= 3  # kept going after the failed pass
    assert _sample(metrics, "mdc_catalog_stale_sources") == 2
    assert [f.occurred_at for f in health_repo.failure_records] == [NOW - timedelta(hours=1)]


async def test_metrics_endpoint_exposes_the_gauges(
    app: FastAPI, health_repo: FakeHealthRepository
) -> None:
    metrics: CatalogMetrics = app.state.catalog_metrics
    await refresh_health_gauges(health_repo, metrics, now=NOW, grace_factor=1.5)
    body = TestClient(app).get("/metrics").text
    assert 'mdc_catalog_sources{status="stale"} 1.0' in body
    assert "mdc_catalog_failing_sources 2.0" in body
    assert 'mdc_catalog_source_problem{detail="http_status",problem="failing"' in body


def test_every_catalog_metric_on_the_dashboard_exists(metrics: CatalogMetrics) -> None:
    board = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
    used = {name for expr in exprs for name in re.findall(r"mdc_catalog_\w+", expr)}
    assert {"mdc_catalog_sources", "mdc_catalog_source_problem"} <= used  # the health row
    # A counter's family is named without `_total`; unlabelled families have no sample yet.
    families = list(metrics.base.registry.collect())
    registered = {f.name for f in families} | {f"{f.name}_total" for f in families}
    assert used <= registered, used - registered
