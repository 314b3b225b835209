"""A publisher for tests: static files over HTTP with ETag and Last-Modified (Starlette)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send


class FileServer:
    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.requests: list[str] = []  # paths requested, to prove what was (not) downloaded
        files = StaticFiles(directory=root)

        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                self.requests.append(scope["path"])
            await files(scope, receive, send)

        app = Starlette(routes=[Mount("/", app=counted)])
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def write(self, name: str, content: bytes) -> str:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(content)
        tmp.replace(path)  # atomic: a check never sees half a file
        return self.url(name)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url("__ready__"), timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"test file server did not start on port {self.port}")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
