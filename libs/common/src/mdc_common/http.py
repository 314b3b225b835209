"""The HTTP face every service has: /healthz, /metrics and one error shape."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from mdc_common.errors import BadInput, Conflict, DependencyFailed, MdcError, NotFound
from mdc_common.metrics import ServiceMetrics

HealthCheck = Callable[[], Awaitable[None]]
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

_STATUS_BY_ERROR: list[tuple[type[MdcError], int]] = [
    (NotFound, 404),
    (Conflict, 409),
    (BadInput, 400),
    (DependencyFailed, 503),
]


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The one error shape of every MDC API."""
    return {"error": {"code": code, "message": message, **extra}}


async def _mdc_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MdcError)
    status = next((s for cls, s in _STATUS_BY_ERROR if isinstance(exc, cls)), 500)
    return JSONResponse(error_body(type(exc).__name__, exc.detail), status_code=status)


def create_service_app(
    *,
    service: str,
    metrics: ServiceMetrics,
    lifespan: Lifespan,
    health_checks: Mapping[str, HealthCheck],
    title: str | None = None,
    description: str = "",
    check_timeout: float = 2.0,
) -> FastAPI:
    app = FastAPI(
        title=title or f"MDC {service}", description=description, version="0.1.0", lifespan=lifespan
    )
    app.add_exception_handler(MdcError, _mdc_error_handler)

    @app.get("/healthz", tags=["operations"], summary="Liveness and dependency health")
    async def healthz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in health_checks.items():
            try:
                await asyncio.wait_for(check(), timeout=check_timeout)
                results[name] = "ok"
            except Exception as exc:  # a failing dependency is reported, not raised
                results[name] = f"failed: {type(exc).__name__}: {exc}"[:300]
        healthy = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", "service": service, "checks": results},
            status_code=200 if healthy else 503,
        )

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics")
    async def prometheus_metrics() -> Response:
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    return app
