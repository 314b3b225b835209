"""Every service is healthy on the real stack and Prometheus scrapes all of them."""

from __future__ import annotations

import httpx
import pytest

from tests.support.stack import Stack, wait_for

pytestmark = pytest.mark.integration

SERVICES = ("catalog", "lineage", "change-detector", "profiler", "orchestrator-bridge")


@pytest.mark.parametrize("service", SERVICES)
def test_service_is_healthy_and_exposes_metrics(stack: Stack, service: str) -> None:
    base = stack.endpoints[service]
    health = httpx.get(f"{base}/healthz", timeout=10)
    assert health.status_code == 200, health.text
    metrics = httpx.get(f"{base}/metrics", timeout=10)
    assert metrics.status_code == 200
    assert "mdc_events_handled_total" in metrics.text or "mdc_" in metrics.text


def test_prometheus_scrapes_every_service(stack: Stack) -> None:
    def all_up() -> list[dict[str, object]] | None:
        result = stack.prometheus.get("/api/v1/query", params={"query": "up == 1"}).json()
        series = result["data"]["result"]
        return series if len(series) >= len(SERVICES) else None

    series = wait_for(all_up, timeout=30, what="Prometheus to scrape all services")
    assert len(series) >= len(SERVICES)
