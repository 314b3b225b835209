from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mdc_platform.components.base import launch
from mdc_platform.context import Context
from mdc_platform.errors import PlatformError
from mdc_platform.platform import Platform
from mdc_platform.process import (
    PidFiles,
    PidRecord,
    ProcessSpec,
    is_running,
    session_members,
    start,
    stop,
)
from mdc_platform.wait import wait_ready


@pytest.fixture
def pid_files(tmp_path: Path) -> Iterator[PidFiles]:
    files = PidFiles(tmp_path / "run")
    yield files
    for name in files.names():  # never leave a sleeper behind
        record = files.read(name)
        if record is not None:
            stop(record, timeout=1)


def sh(name: str, script: str, port: int | None = None) -> ProcessSpec:
    return ProcessSpec(name=name, argv=["sh", "-c", script], env=dict(os.environ), port=port)


def test_start_writes_pid_file_and_log_in_its_own_session(
    pid_files: PidFiles, tmp_path: Path
) -> None:
    record = start(sh("sleeper", "echo hello; exec sleep 30"), pid_files, tmp_path / "logs")
    assert pid_files.live("sleeper") == record
    assert os.getsid(record.pid) == record.pid
    assert is_running(record.pid, record.start_ticks)
    wait_ready(
        "sleeper",
        lambda: "hello" in (tmp_path / "logs" / "sleeper.log").read_text(),
        timeout=5,
        log_path=tmp_path / "logs" / "sleeper.log",
    )


def test_stop_takes_the_whole_session_down(pid_files: PidFiles, tmp_path: Path) -> None:
    record = start(sh("family", "sleep 30 & sleep 30 & wait"), pid_files, tmp_path / "logs")
    deadline = time.monotonic() + 5
    while len(session_members(record.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(session_members(record.pid)) == 3
    assert stop(record, timeout=5) is False
    assert session_members(record.pid) == []


def test_stop_escalates_to_sigkill(pid_files: PidFiles, tmp_path: Path) -> None:
    record = start(sh("stubborn", "trap '' TERM; sleep 30"), pid_files, tmp_path / "logs")
    time.sleep(0.2)
    assert stop(record, timeout=0.5) is True
    assert not is_running(record.pid)


def test_recycled_pid_is_not_ours(pid_files: PidFiles) -> None:
    fake = PidRecord(name="ghost", pid=os.getpid(), start_ticks=1)
    pid_files.write(fake)
    assert pid_files.read("ghost") == fake
    assert pid_files.live("ghost") is None
    assert stop(fake, timeout=0.1) is False  # and we are still here


def test_early_exit_fails_with_the_log_tail(pid_files: PidFiles, tmp_path: Path) -> None:
    spec = sh("crasher", "echo 'fatal: no config'; exit 3")
    record = start(spec, pid_files, tmp_path / "logs")
    with pytest.raises(PlatformError, match=r"crasher: exited before it was ready(.|\n)*no config"):
        wait_ready(
            "crasher",
            lambda: False,
            timeout=5,
            log_path=tmp_path / "logs" / "crasher.log",
            record=record,
        )


def test_launch_is_idempotent(ctx: Context) -> None:
    spec = sh("idle", "exec sleep 30")
    try:
        first = launch(ctx, spec)
        second = launch(ctx, spec)
        assert first.started
        assert not second.started
        assert first.record.pid == second.record.pid
    finally:
        stop(ctx.pid_files.read("idle") or first.record, timeout=1)


def test_launch_refuses_a_port_someone_else_holds(ctx: Context) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(PlatformError, match="already in use"):
            launch(ctx, sh("squatter", "exec sleep 30", port=port))
    assert ctx.pid_files.read("squatter") is None


def test_platform_down_stops_by_pid_file(tmp_path: Path) -> None:
    platform = Platform(home=tmp_path / "home", base_port=47000, repo_root=tmp_path)
    record = start(sh("catalog", "exec sleep 30"), platform.ctx.pid_files, platform.ctx.log_dir)
    status = platform.status()
    assert status["catalog"].alive
    assert status["catalog"].pid == record.pid
    assert not status["postgres"].alive
    assert status["postgres"].pid is None
    assert platform.down() == ["catalog"]
    assert not is_running(record.pid)
    assert platform.ctx.pid_files.names() == []
    assert platform.down() == []


def test_launch_refuses_a_live_process_on_another_port(ctx: Context) -> None:
    first = launch(ctx, sh("moved", "exec sleep 30", port=1))
    try:
        with pytest.raises(PlatformError, match="another base port"):
            launch(ctx, sh("moved", "exec sleep 30", port=2))
    finally:
        stop(first.record, timeout=1)
