"""Readiness checks: wait for a TCP port or an HTTP endpoint, failing with the log's tail."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from mdc_platform.errors import PlatformError
from mdc_platform.ports import HOST
from mdc_platform.process import PidRecord, is_running, tail


def port_open(port: int, host: str = HOST, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def http_answers(url: str, timeout: float = 2.0) -> bool:
    """Any HTTP response at all (a dependency-aware /healthz may say 503)."""
    try:
        httpx.get(url, timeout=timeout)
        return True
    except httpx.HTTPError:
        return False


def wait_ready(
    name: str,
    check: Callable[[], bool],
    *,
    timeout: float,
    log_path: Path,
    record: PidRecord | None = None,
    what: str = "ready",
    interval: float = 0.25,
) -> float:
    """Poll ``check`` until true; returns seconds waited.

    Fails early if the process of ``record`` exits, and on timeout; either error names the
    component and carries the tail of its log.
    """
    started = time.monotonic()
    deadline = started + timeout
    while True:
        if check():
            return time.monotonic() - started
        if record is not None and not is_running(record.pid, record.start_ticks):
            raise PlatformError(_message(name, f"exited before it was {what}", log_path))
        if time.monotonic() > deadline:
            raise PlatformError(_message(name, f"not {what} after {timeout:.0f} s", log_path))
        time.sleep(interval)


def _message(name: str, problem: str, log_path: Path) -> str:
    body = tail(log_path, 30) or "(log is empty)"
    indented = "\n".join(f"    {line}" for line in body.splitlines())
    return f"{name}: {problem}. Last lines of {log_path}:\n{indented}"
