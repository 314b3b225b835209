"""Clients for the running stack, with polling helpers (tests wait for outcomes, never for time)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T | None], *, timeout: float = 60, interval: float = 0.2, what: str = ""
) -> T:
    """Call `probe` until it returns something truthy; fail with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or probe}; last={last!r}")


class Stack:
    """The platform under test and ready-made HTTP clients for its APIs."""

    def __init__(self, platform: Any) -> None:
        self.platform = platform
        endpoints: dict[str, str] = platform.endpoints
        self.endpoints = endpoints
        env = platform.service_env()
        self.provider_key: str = env["MDC_CATALOG_PROVIDER_API_KEYS"].split(",")[0]
        self.admin_key: str = env["MDC_CATALOG_ADMIN_API_KEYS"].split(",")[0]
        self.catalog = httpx.Client(base_url=endpoints["catalog"], timeout=10)
        self.admin = httpx.Client(
            base_url=endpoints["catalog"],
            timeout=10,
            headers={"Authorization": f"Bearer {self.provider_key}"},
        )
        self.lineage = httpx.Client(base_url=endpoints["lineage"], timeout=10)
        self.change_detector = httpx.Client(base_url=endpoints["change-detector"], timeout=60)
        self.bridge = httpx.Client(base_url=endpoints["orchestrator-bridge"], timeout=10)
        self.prometheus = httpx.Client(base_url=endpoints["prometheus"], timeout=10)
        self.airflow = AirflowClient(
            endpoints["airflow"], env["MDC_AIRFLOW_USERNAME"], env["MDC_AIRFLOW_PASSWORD"]
        )
        self.env = env

    def register_source(
        self, name: str, url: str, interval: int = 2, **fields: Any
    ) -> dict[str, Any]:
        """POST /admin/sources; `fields` are further source fields (publisher, license, tags...)."""
        payload = {"name": name, "url": url, "check_interval_seconds": interval, **fields}
        response = self.admin.post("/admin/sources", json=payload)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def source(self, source_id: str) -> dict[str, Any]:
        response = self.admin.get(f"/admin/sources/{source_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def dataset_by_name(self, name: str) -> dict[str, Any] | None:
        items = self.catalog.get("/datasets", params={"name": name}).json()["items"]
        return items[0] if items else None

    def wait_for_version(self, name: str, version: int, timeout: float = 90) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            dataset = self.dataset_by_name(name)
            return dataset if dataset and dataset["version"] >= version else None

        return wait_for(probe, timeout=timeout, what=f"{name} v{version} in the catalog")


class AirflowClient:
    """Just enough of Airflow 3's REST API v2 for the tests to check what really ran."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=20)
        token = self.http.post("/auth/token", json={"username": username, "password": password})
        token.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def dag_runs(self, dag_id: str) -> list[dict[str, Any]]:
        response = self.http.get(f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 100})
        response.raise_for_status()
        runs: list[dict[str, Any]] = response.json()["dag_runs"]
        return runs

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{_quote(run_id)}/taskInstances"
        response = self.http.get(path)
        response.raise_for_status()
        return {ti["task_id"]: ti["state"] for ti in response.json()["task_instances"]}


def _quote(value: str) -> str:
    return quote(value, safe="")
