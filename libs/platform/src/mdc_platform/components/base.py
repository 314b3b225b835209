"""What all components share: start-if-not-running, then a readiness check."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from mdc_platform.context import Context
from mdc_platform.errors import PlatformError
from mdc_platform.process import PidRecord, ProcessSpec, start, stop
from mdc_platform.wait import port_open, wait_ready

Say = Callable[[str], None]


class Component(Protocol):
    """A part of the platform: one or more processes plus idempotent setup."""

    #: Names of its processes, in start order (PID files and logs use these names).
    processes: tuple[str, ...]

    def ensure(self, ctx: Context, say: Say) -> None:
        """Start whatever is not running, wait until ready, run idempotent setup."""


@dataclass(frozen=True)
class Launched:
    spec: ProcessSpec
    record: PidRecord
    started: bool
    at: float


def launch(ctx: Context, spec: ProcessSpec) -> Launched:
    """Start ``spec`` unless its PID file names a live process (then keep that one)."""
    pid_files = ctx.pid_files
    live = pid_files.live(spec.name)
    if live is not None:
        if spec.port is not None and live.port is not None and live.port != spec.port:
            raise PlatformError(
                f"{spec.name}: already running on port {live.port}, not {spec.port} "
                f"(this home was started with another base port: `mdc down` it first)"
            )
        return Launched(spec, live, started=False, at=time.monotonic())
    stale = pid_files.read(spec.name)
    if stale is not None:
        stop(stale, timeout=10)  # leftovers of a crashed leader
        pid_files.remove(spec.name)
    if spec.port is not None and port_open(spec.port):
        raise PlatformError(
            f"{spec.name}: port {spec.port} is already in use by a process this home did not "
            f"start (another home or base port still up? try `mdc down` there, or --base-port)"
        )
    return Launched(spec, start(spec, pid_files, ctx.log_dir), started=True, at=time.monotonic())


def await_ready(
    ctx: Context,
    launched: Launched,
    ready: Callable[[], bool],
    *,
    timeout: float,
    say: Say,
    what: str = "ready",
) -> None:
    name, record = launched.spec.name, launched.record
    wait_ready(name, ready, timeout=timeout, log_path=ctx.log_path(name), record=record, what=what)
    if launched.started:
        took = time.monotonic() - launched.at
        say(f"{name}: started (pid {record.pid}), {what} after {took:.1f} s")
    else:
        say(f"{name}: already running (pid {record.pid})")


def ensure_process(
    ctx: Context,
    spec: ProcessSpec,
    ready: Callable[[], bool],
    *,
    timeout: float,
    say: Say,
    what: str = "ready",
) -> Launched:
    """Launch ``spec`` if needed and wait until ``ready()``."""
    launched = launch(ctx, spec)
    await_ready(ctx, launched, ready, timeout=timeout, say=say, what=what)
    return launched
