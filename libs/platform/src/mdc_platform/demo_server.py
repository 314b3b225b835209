"""The demo publisher: static open-data files with ETag/Last-Modified (304 on a match).

Run as ``uvicorn --factory mdc_platform.demo_server:create_app``; serves ``$MDC_DEMO_DIR``.
``/broken/not-a-csv.csv`` answers an HTML error page, to register a source that is not a CSV.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

BROKEN_PATH = "/broken/not-a-csv.csv"
BROKEN_PAGE = """<!DOCTYPE html>
<html><head><title>503 Service Unavailable</title></head>
<body><h1>Service Unavailable</h1>
<p>The data portal is under maintenance. Please try again later.</p></body></html>
"""


async def broken(_: Request) -> Response:
    return HTMLResponse(BROKEN_PAGE)


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(directory: Path | None = None) -> Starlette:
    root = directory or Path(os.environ.get("MDC_DEMO_DIR", "demo-data"))
    root.mkdir(parents=True, exist_ok=True)

    async def index(_: Request) -> Response:
        files = sorted(p.name for p in root.iterdir() if p.is_file())
        return JSONResponse({"files": files, "broken": BROKEN_PATH})

    return Starlette(
        routes=[
            Route("/", index),
            Route("/healthz", healthz),
            Route(BROKEN_PATH, broken),
            Mount("/", StaticFiles(directory=root)),
        ]
    )
