"""POST /sources/{id}/check through FastAPI, with the fakes behind it."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import httpx
from cd_support import Rig, rig
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mdc_change_detector.api.routes import router
from mdc_common.http import create_service_app
from mdc_common.metrics import ServiceMetrics


@contextlib.asynccontextmanager
async def no_lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield


def client_for(r: Rig) -> TestClient:
    app = create_service_app(
        service="change-detector",
        metrics=ServiceMetrics("cd"),
        lifespan=no_lifespan,
        health_checks={},
    )
    app.state.repository = r.repository
    app.state.checker = r.checker
    app.include_router(router)
    return TestClient(app)


async def test_check_now_returns_the_outcome() -> None:
    r = rig(lambda request: httpx.Response(404))
    source_id = await r.watch()
    with client_for(r) as client:
        response = client.post(f"/sources/{source_id}/check")
    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "failed"
    assert body["failure"] == {
        "reason": "http_status",
        "message": "HTTP 404 Not Found",
        "http_status": 404,
    }
    assert body["consecutive_failures"] == 1


async def test_unknown_source_is_404_and_running_check_is_409() -> None:
    r = rig(lambda request: httpx.Response(200, content=b"a\n1\n"))
    source_id = await r.watch()
    await r.repository.claim_due(r.repository.rows[source_id].next_check_at, 1, 600)
    with client_for(r) as client:
        missing = client.post(f"/sources/{uuid.uuid4()}/check")
        busy = client.post(f"/sources/{source_id}/check")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NotFound"
    assert busy.status_code == 409
