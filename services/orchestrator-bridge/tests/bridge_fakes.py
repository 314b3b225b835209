"""Test helpers: the demo steps file, change events and an in-memory Airflow REST API."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
from mdc_contracts import DatasetVersionCreated

REPO_ROOT = Path(__file__).resolve().parents[3]
DEMO_STEPS_FILE = REPO_ROOT / "deploy" / "steps.yaml"
AIRFLOW_URL = "http://airflow.test"


def make_change(
    dataset_name: str = "palmer-penguins", version: int = 3, change_id: uuid.UUID | None = None
) -> DatasetVersionCreated:
    change = change_id or uuid.UUID("0b7e2f4c-91d3-4c55-8a61-5f2e8c9d1a42")
    return DatasetVersionCreated(
        producer="profiler",
        correlation_id=change,
        dataset_id=uuid.uuid4(),
        dataset_name=dataset_name,
        source_id=uuid.UUID("5d6f1b8e-2a4c-4e7f-9b3d-1c2e3f4a5b6c"),
        change_id=change,
        version=version,
        raw_sha256="a" * 64,
        parquet_uri=f"s3://mdc-curated/datasets/{dataset_name}/v{version}.parquet",
        row_count=344,
        columns=[],
        encoding="utf-8",
        delimiter=",",
        created_at=datetime.now(UTC),
    )


@dataclass
class FakeAirflow:
    """Just enough of Airflow 3's API v2: JWT login, PATCH dag, POST dagRuns (409 on repeat)."""

    dag_ids: set[str] = field(default_factory=lambda: {"mdc_pipeline"})
    password: str = "secret"
    paused: dict[str, bool] = field(default_factory=dict)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    logins: int = 0
    valid_tokens: set[str] = field(default_factory=set)
    # Status to answer the next calls with (popped one per call), e.g. [503] or [404].
    failures: list[int] = field(default_factory=list)
    failure_detail: str = "injected failure"
    unreachable: bool = False

    def revoke_tokens(self) -> None:
        self.valid_tokens.clear()

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.unreachable:
            raise httpx.ConnectError("connection refused", request=request)
        path = request.url.path
        if path == "/auth/token":
            body = json.loads(request.content)
            if body != {"username": "admin", "password": self.password}:
                return httpx.Response(401, json={"detail": "Invalid credentials"})
            self.logins += 1
            token = f"token-{self.logins}"
            self.valid_tokens.add(token)
            return httpx.Response(201, json={"access_token": token})
        if path == "/api/v2/monitor/health":
            return httpx.Response(
                200,
                json={"metadatabase": {"status": "healthy"}, "scheduler": {"status": "healthy"}},
            )
        if (
            request.headers.get("Authorization", "").removeprefix("Bearer ")
            not in self.valid_tokens
        ):
            return httpx.Response(401, json={"detail": "Not authenticated"})
        if self.failures:
            return httpx.Response(self.failures.pop(0), json={"detail": self.failure_detail})
        # ['', 'api', 'v2', 'dags', dag_id, ...], each part as sent (URL-encoded)
        parts = [unquote(part) for part in request.url.raw_path.decode().split("?")[0].split("/")]
        dag_id = parts[4]
        if dag_id not in self.dag_ids:
            return httpx.Response(404, json={"detail": f"Dag with dag_id: '{dag_id}' not found"})
        if request.method == "PATCH" and len(parts) == 5:
            self.paused[dag_id] = json.loads(request.content)["is_paused"]
            return httpx.Response(200, json={"dag_id": dag_id, "is_paused": self.paused[dag_id]})
        if request.method == "POST" and parts[5:] == ["dagRuns"]:
            body = json.loads(request.content)
            if body["dag_run_id"] in self.runs:
                return httpx.Response(409, json={"detail": "Unique constraint violation"})
            self.runs[body["dag_run_id"]] = body
            return httpx.Response(200, json={"dag_run_id": body["dag_run_id"], "state": "queued"})
        return httpx.Response(405)

    def calls(self, method: str, path_suffix: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path.endswith(path_suffix)]
