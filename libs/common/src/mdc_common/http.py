"""The HTTP face every service has: /healthz, /metrics and one error shape."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    found = []
    for error in exc.errors():
        where = [str(part) for part in error.get("loc", ())]
        found.append(
            {
                "location": where[0] if where else "request",
                "field": ".".join(where[1:]) or (where[0] if where else ""),
                "message": str(error.get("msg", "invalid")),
            }
        )
    return found


async def _validation_error_handler(_: Request, exc: Exception) -> JSONResponse:
    """422 in the MDC shape, naming each field; FastAPI's `detail` list kept for its clients."""
    assert isinstance(exc, RequestValidationError)
    fields = _field_errors(exc)
    message = "; ".join(f"{f['location']} {f['field']}: {f['message']}" for f in fields)
    body = error_body("ValidationError", message or "invalid request", fields=fields)
    body["detail"] = jsonable_encoder(exc.errors())
    return JSONResponse(body, status_code=422)


async def _http_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown route 404, wrong method 405...) in the MDC shape."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such endpoint: {request.method} {request.url.path}"
    try:
        code = HTTPStatus(exc.status_code).phrase.title().replace(" ", "").replace("-", "")
    except ValueError:
        code = "HttpError"
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


MAX_CHECKED_BODY_BYTES = 16 * 1024 * 1024
# `\u0000` in JSON text, but not an escaped backslash followed by "u0000" (an odd run of \).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class RejectNulCharacters:
    """422 for a NUL character in the path, a query parameter or a JSON body.

    PostgreSQL cannot store NUL in text or JSONB; caught here, such input gets a precise error
    instead of reaching the database as a driver error (500)."""

    def __init__(self, app: ASGIApp, *, check_bodies: bool = True) -> None:
        self.app = app
        self.check_bodies = check_bodies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self._in_url(scope)
        replay: list[Message] = []
        if problem is None and self._plain_json_body(scope):
            more = True
            while more:
                message = await receive()
                replay.append(message)
                more = message.get("more_body", False)
            body = b"".join(m.get("body", b"") for m in replay)
            if b"\x00" in body or _JSON_NUL.search(body):
                problem = "the request body contains a NUL character (\\u0000)"
        if problem is not None:
            fields = [{"location": "request", "field": "", "message": problem}]
            answer = JSONResponse(error_body("ValidationError", problem, fields=fields), 422)
            await answer(scope, receive, send)
            return
        if replay:
            pending = iter(replay)

            async def replayed() -> Message:
                return next(pending, None) or await receive()

            await self.app(scope, replayed, send)
            return
        await self.app(scope, receive, send)

    def _plain_json_body(self, scope: Scope) -> bool:
        """An uncompressed JSON body of a bounded size: the only kind read here (others, like
        gzip-encoded or streamed uploads, go to the endpoint untouched)."""
        if not self.check_bodies or scope["method"] not in {"POST", "PUT", "PATCH"}:
            return False
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("content-encoding") or "json" not in headers.get("content-type", ""):
            return False
        length = headers.get("content-length", "")
        return length.isdigit() and int(length) <= MAX_CHECKED_BODY_BYTES

    @staticmethod
    def _in_url(scope: Scope) -> str | None:
        if b"\x00" in unquote_to_bytes(scope.get("raw_path") or b""):
            return "the path contains a NUL character (%00)"
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return f"query parameter {name.strip(chr(0))!r} contains a NUL character (%00)"
        return None


def create_service_app(
    *,
    service: str,
    metrics: ServiceMetrics,
    lifespan: Lifespan,
    health_checks: Mapping[str, HealthCheck],
    title: str | None = None,
    description: str = "",
    check_timeout: float = 2.0,
    check_bodies_for_nul: bool = True,
) -> FastAPI:
    app = FastAPI(
        title=title or f"MDC {service}", description=description, version="0.1.0", lifespan=lifespan
    )
    app.add_exception_handler(MdcError, _mdc_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    app.add_exception_handler(HTTPException, _http_error_handler)
    app.add_middleware(RejectNulCharacters, check_bodies=check_bodies_for_nul)

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
