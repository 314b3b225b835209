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


def test_every_dashboard_query_runs_on_live_prometheus(stack: Stack) -> None:
    """Each panel's PromQL parses and evaluates against the real Prometheus (step = 15 s)."""
    import json
    from pathlib import Path

    board = Path(__file__).resolve().parents[2] / "deploy/grafana/dashboards/mdc-overview.json"
    panels = [p for p in json.loads(board.read_text())["panels"] if p["type"] != "row"]
    for panel in panels:
        expr = panel["targets"][0]["expr"].replace("$__rate_interval", "1m")
        result = stack.prometheus.get("/api/v1/query", params={"query": expr}).json()
        assert result["status"] == "success", (panel["title"], result)
    up = stack.prometheus.get("/api/v1/query", params={"query": 'up{service!=""}'}).json()
    assert {s["metric"]["service"] for s in up["data"]["result"]} >= set(SERVICES)
