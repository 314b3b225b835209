"""Background processes: start in their own session, PID files, liveness, stop by session.

Every process is started with ``start_new_session=True``, so its PID is also its process-group
and session id. Stopping signals every live process of that session (children included) and
escalates to SIGKILL after a timeout. Liveness is read from /proc (Linux), and a PID file also
records the leader's start time so a recycled PID is never mistaken for ours.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mdc_platform.errors import PlatformError


@dataclass(frozen=True)
class ProcessSpec:
    """How to run one long-lived process."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    cwd: Path | None = None
    port: int | None = None
    #: Signal that asks the process to stop (PostgreSQL: SIGINT = fast shutdown).
    stop_signal: int = signal.SIGTERM
    #: Send ``stop_signal`` to every process of the session, not just the leader.
    signal_group: bool = True
    #: Run as this (uid, gid) instead of the current user.
    user: tuple[int, int] | None = None


@dataclass(frozen=True)
class PidRecord:
    """What a PID file holds."""

    name: str
    pid: int
    start_ticks: int
    port: int | None = None
    stop_signal: int = signal.SIGTERM
    signal_group: bool = True
    argv: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "pid": self.pid,
                "start_ticks": self.start_ticks,
                "port": self.port,
                "stop_signal": self.stop_signal,
                "signal_group": self.signal_group,
                "argv": self.argv,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> PidRecord:
        data = json.loads(text)
        return cls(
            name=str(data["name"]),
            pid=int(data["pid"]),
            start_ticks=int(data["start_ticks"]),
            port=None if data.get("port") is None else int(data["port"]),
            stop_signal=int(data.get("stop_signal", signal.SIGTERM)),
            signal_group=bool(data.get("signal_group", True)),
            argv=[str(a) for a in data.get("argv", [])],
        )


@dataclass(frozen=True)
class ProcStat:
    pid: int
    state: str
    pgrp: int
    session: int
    start_ticks: int


def read_stat(pid: int) -> ProcStat | None:
    """Parse /proc/<pid>/stat; None if there is no such process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) is in parentheses and may contain spaces.
    rest = raw[raw.rindex(")") + 2 :].split()
    return ProcStat(
        pid=pid,
        state=rest[0],
        pgrp=int(rest[2]),
        session=int(rest[3]),
        start_ticks=int(rest[19]),
    )


def is_running(pid: int, start_ticks: int | None = None) -> bool:
    """True if ``pid`` exists, is not a zombie and (if given) started at ``start_ticks``."""
    stat = read_stat(pid)
    if stat is None or stat.state in ("Z", "X"):
        return False
    return start_ticks is None or stat.start_ticks == start_ticks


def session_members(sid: int) -> list[int]:
    """Live (non-zombie) processes whose session id is ``sid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = read_stat(int(entry.name))
        if stat is not None and stat.session == sid and stat.state not in ("Z", "X"):
            members.append(stat.pid)
    return members


def reap(pid: int) -> None:
    """Collect the exit status of ``pid`` if it is our child, so it does not stay a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


class PidFiles:
    """PID files under ``run_dir``, one per process name."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir

    def path(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    def read(self, name: str) -> PidRecord | None:
        try:
            return PidRecord.from_json(self.path(name).read_text())
        except (FileNotFoundError, ValueError, KeyError):
            return None

    def write(self, record: PidRecord) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path(record.name).with_suffix(".tmp")
        tmp.write_text(record.to_json())
        tmp.replace(self.path(record.name))

    def remove(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def names(self) -> list[str]:
        if not self.run_dir.is_dir():
            return []
        return sorted(p.stem for p in self.run_dir.glob("*.pid"))

    def live(self, name: str) -> PidRecord | None:
        """The record if its leader process is still running."""
        record = self.read(name)
        if record is None or not is_running(record.pid, record.start_ticks):
            return None
        return record


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a text file ('' if missing)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def start(spec: ProcessSpec, pid_files: PidFiles, log_dir: Path) -> PidRecord:
    """Start ``spec`` in a new session, output appended to ``log_dir/<name>.log``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{spec.name}.log"
    kwargs: dict[str, object] = {}
    if spec.user is not None:
        uid, gid = spec.user
        kwargs = {"user": uid, "group": gid, "extra_groups": []}
    with log_path.open("ab") as log:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        log.write(f"\n=== {stamp} mdc starting {spec.name}: {' '.join(spec.argv)}\n".encode())
        log.flush()
        try:
            proc = subprocess.Popen(  # type: ignore[call-overload]
                list(spec.argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(spec.env),
                cwd=spec.cwd,
                start_new_session=True,
                close_fds=True,
                **kwargs,
            )
        except OSError as exc:
            raise PlatformError(f"{spec.name}: cannot start {spec.argv[0]}: {exc}") from exc
    pid = int(proc.pid)
    stat = read_stat(pid)
    record = PidRecord(
        name=spec.name,
        pid=pid,
        start_ticks=stat.start_ticks if stat else 0,
        port=spec.port,
        stop_signal=int(spec.stop_signal),
        signal_group=spec.signal_group,
        argv=list(spec.argv),
    )
    pid_files.write(record)
    return record


def _signal_all(pids: Sequence[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def stop(record: PidRecord, timeout: float = 20.0) -> bool:
    """Stop every process of ``record``'s session. Returns True if it had to SIGKILL."""
    leader = read_stat(record.pid)
    if (
        leader is not None
        and leader.state not in ("Z", "X")
        and (leader.start_ticks != record.start_ticks)
    ):
        return False  # PID recycled: our session ended long ago (a live sid is never reused).
    leader_alive = is_running(record.pid, record.start_ticks)
    members = session_members(record.pid)
    if not leader_alive and not members:
        return False
    if leader_alive and not record.signal_group:
        _signal_all([record.pid], record.stop_signal)
    else:
        _signal_all(members or [record.pid], record.stop_signal)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reap(record.pid)
        if not session_members(record.pid):
            return False
        time.sleep(0.1)
    for _ in range(50):
        members = session_members(record.pid)
        if not members:
            break
        _signal_all(members, signal.SIGKILL)
        reap(record.pid)
        time.sleep(0.1)
    return True
