"""Airflow 3 REST API v2 client: log in with a JWT, unpause the DAG once, trigger idempotent runs.

Errors are classified for the consumer: `AirflowUnavailable` (Airflow down, 5xx, the DAG not parsed
yet, credentials refused) is transient and the change is redelivered; `AirflowRejected` (another
4xx: our request is wrong) will not get better and the change is dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import quote

import httpx
from mdc_common.errors import BadInput, DependencyFailed

from mdc_orchestrator_bridge.config import AirflowSettings
from mdc_orchestrator_bridge.metrics import BridgeMetrics

log = logging.getLogger(__name__)

NOTE_MAX_CHARS = 1000  # Airflow's dag_run_note column


class AirflowUnavailable(DependencyFailed):
    """Airflow cannot take the request now; retrying later may succeed."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


class AirflowRejected(BadInput):
    """Airflow refused the request itself; retrying the same request will not help."""


@dataclass(frozen=True)
class TriggerOutcome:
    dag_run_id: str
    already_requested: bool


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    detail = body.get("detail", body) if isinstance(body, dict) else body
    return str(detail)[:500]


def _dag_path(dag_id: str) -> str:
    return f"/api/v2/dags/{quote(dag_id, safe='')}"


class AirflowClient:
    def __init__(
        self,
        settings: AirflowSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        metrics: BridgeMetrics | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self._http = httpx.AsyncClient(
            base_url=settings.url.rstrip("/"), timeout=settings.timeout_seconds, transport=transport
        )
        self._token: str | None = None
        self._token_lock = asyncio.Lock()
        self._unpaused: set[str] = set()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _fail(self, kind: str, detail: str) -> NoReturn:
        if self.metrics is not None:
            self.metrics.airflow_errors.labels(kind).inc()
        log.warning("Airflow call failed", extra={"kind": kind, "detail": detail})
        raise AirflowUnavailable(kind, detail)

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.request(method, path, **kwargs)
        except httpx.TransportError as err:  # refused, reset, timeout
            self._fail(
                "unreachable",
                f"Airflow at {self.settings.url} unreachable: {type(err).__name__} {err}",
            )

    async def _login(self) -> str:
        user = self.settings.username
        response = await self._send(
            "POST",
            "/auth/token",
            json={"username": user, "password": self.settings.password.get_secret_value()},
        )
        if response.status_code in (401, 403):
            self._fail(
                "login_rejected",
                f"Airflow refused the login of {user!r}: check MDC_AIRFLOW_USERNAME/PASSWORD",
            )
        if not response.is_success:
            self._fail(
                "login_failed",
                f"Airflow login answered {response.status_code}: {_detail(response)}",
            )
        try:
            token = response.json().get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            self._fail("login_failed", "Airflow login answered without an access_token")
        return token

    async def _bearer_token(self) -> str:
        async with self._token_lock:
            if self._token is None:
                self._token = await self._login()
            return self._token

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An authenticated call; a 401 (token expired, secret rotated) logs in again once."""
        for attempt in (1, 2):
            token = await self._bearer_token()
            response = await self._send(
                method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
            )
            if response.status_code != 401 or attempt == 2:
                return response
            log.info("Airflow token refused; logging in again")
            async with self._token_lock:
                if self._token == token:
                    self._token = None
        raise AssertionError("unreachable")  # pragma: no cover

    def _raise_for(self, response: httpx.Response, action: str, dag_id: str) -> NoReturn:
        status, detail = response.status_code, _detail(response)
        if status == 404:
            self._fail(
                "dag_not_found",
                f"{action}: DAG {dag_id!r} not found in Airflow (not parsed by the dag-processor "
                f"yet, or MDC_AIRFLOW_DAG_ID is wrong); will retry: {detail}",
            )
        if status in (401, 403):
            self._fail("unauthorized", f"{action}: Airflow refused access ({status}): {detail}")
        if status == 400 and "import errors" in detail:
            # The DAG file (or steps.yaml) is broken; fixing it makes the same request succeed.
            self._fail("dag_import_errors", f"{action}: {detail}")
        if status >= 500:
            self._fail("server_error", f"{action}: Airflow answered {status}: {detail}")
        if self.metrics is not None:
            self.metrics.airflow_errors.labels("rejected").inc()
        raise AirflowRejected(f"{action}: Airflow rejected the request ({status}): {detail}")

    async def ensure_unpaused(self, dag_id: str) -> None:
        """Unpause the DAG the first time this process triggers it (new DAGs start paused).

        Only once: a technician who pauses it later is not overruled.
        """
        if dag_id in self._unpaused:
            return
        response = await self._request("PATCH", _dag_path(dag_id), json={"is_paused": False})
        if not response.is_success:
            self._raise_for(response, "unpause", dag_id)
        self._unpaused.add(dag_id)
        log.info("DAG unpaused", extra={"dag_id": dag_id})

    async def trigger_run(
        self, dag_id: str, dag_run_id: str, *, conf: dict[str, Any], note: str = ""
    ) -> TriggerOutcome:
        """Create the run `dag_run_id`; if Airflow already has it, that is success too."""
        await self.ensure_unpaused(dag_id)
        body: dict[str, Any] = {"dag_run_id": dag_run_id, "logical_date": None, "conf": conf}
        if note:
            body["note"] = note[:NOTE_MAX_CHARS]
        response = await self._request("POST", f"{_dag_path(dag_id)}/dagRuns", json=body)
        if response.status_code == 409:
            return TriggerOutcome(dag_run_id, already_requested=True)
        if not response.is_success:
            self._raise_for(response, f"trigger {dag_run_id}", dag_id)
        return TriggerOutcome(dag_run_id, already_requested=False)

    async def check_health(self) -> None:
        """Airflow answers and its metadata database and scheduler report healthy."""
        response = await self._send("GET", "/api/v2/monitor/health")
        if not response.is_success:
            self._fail("server_error", f"Airflow health answered {response.status_code}")
        report = response.json()
        unhealthy = [
            component
            for component in ("metadatabase", "scheduler")
            if (report.get(component) or {}).get("status") not in (None, "healthy")
        ]
        if unhealthy:
            raise AirflowUnavailable(
                "unhealthy", f"Airflow reports unhealthy: {', '.join(unhealthy)}"
            )
