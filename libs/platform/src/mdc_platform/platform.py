"""The local platform: start, stop and inspect every component of one home."""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mdc_platform import secrets as secrets_file
from mdc_platform.components.airflow import Airflow
from mdc_platform.components.base import Component, Say
from mdc_platform.components.demo import Demo
from mdc_platform.components.kafka import Kafka
from mdc_platform.components.postgres import Postgres
from mdc_platform.components.prometheus import Prometheus
from mdc_platform.components.s3 import S3
from mdc_platform.components.services import SERVICES, Services
from mdc_platform.context import Context, find_repo_root
from mdc_platform.errors import PlatformError
from mdc_platform.ports import DEFAULT_BASE_PORT, HOST, PortMap
from mdc_platform.process import PidRecord, is_running, stop
from mdc_platform.secrets import Secrets
from mdc_platform.wait import port_open

#: Stop order: each tier is stopped (in parallel) before the next.
STOP_TIERS: tuple[tuple[str, ...], ...] = (
    ("demo-files", *SERVICES),
    ("airflow-scheduler", "airflow-dag-processor", "airflow-api-server"),
    ("prometheus",),
    ("kafka",),
    ("s3",),
    ("postgres",),
)
ALL_PROCESSES: tuple[str, ...] = (
    "postgres",
    "s3",
    "kafka",
    "prometheus",
    "airflow-api-server",
    "airflow-scheduler",
    "airflow-dag-processor",
    *SERVICES,
    "demo-files",
)


@dataclass(frozen=True)
class ProcessStatus:
    name: str
    pid: int | None
    alive: bool
    port: int | None
    port_open: bool | None


logger = logging.getLogger("mdc_platform")


def _log(message: str) -> None:
    logger.info("%s", message)


def _timed_stop(record: PidRecord, timeout: float) -> tuple[bool, float]:
    started = time.monotonic()
    killed = stop(record, timeout=timeout)
    return killed, time.monotonic() - started


class Platform:
    """One running instance of the platform, rooted at ``home`` on ports from ``base_port``."""

    def __init__(
        self,
        home: Path | None = None,
        base_port: int = DEFAULT_BASE_PORT,
        repo_root: Path | None = None,
        extra_env: Mapping[str, str] | None = None,
        say: Say | None = None,
    ) -> None:
        self.repo_root = (repo_root or find_repo_root()).resolve()
        self.home = (home or self.repo_root / ".mdc" / "local").resolve()
        self.base_port = base_port
        self.ports = PortMap(base_port)
        self.say: Say = say or _log
        self.home.mkdir(parents=True, exist_ok=True)
        self.ctx = Context(
            home=self.home,
            repo_root=self.repo_root,
            ports=self.ports,
            secrets=secrets_file.load_or_create(self.home / "secrets.json"),
            extra_env=dict(extra_env or {}),
        )

    @property
    def secrets(self) -> Secrets:
        return self.ctx.secrets

    def components(
        self, *, demo: bool = True, airflow: bool = True, services: bool | Sequence[str] = True
    ) -> list[Component]:
        chosen: list[Component] = [Postgres(), S3(), Kafka(), Prometheus()]
        if airflow:
            chosen.append(Airflow())
        if services:
            names = SERVICES if isinstance(services, bool) else tuple(services)
            unknown = sorted(set(names) - set(SERVICES))
            if unknown:
                raise PlatformError(f"unknown services {unknown}; known: {', '.join(SERVICES)}")
            chosen.append(Services(names, airflow=airflow))
        if demo:
            chosen.append(Demo())
        return chosen

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One `up`/`down` at a time per home."""
        self.ctx.run_dir.mkdir(parents=True, exist_ok=True)
        with (self.ctx.run_dir / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def up(
        self, demo: bool = True, airflow: bool = True, services: bool | Sequence[str] = True
    ) -> float:
        """Start what is not running and wait until ready; returns the seconds it took."""
        started = time.monotonic()
        with self._locked():
            for component in self.components(demo=demo, airflow=airflow, services=services):
                component.ensure(self.ctx, self.say)
        return time.monotonic() - started

    def down(self, timeout: float = 30.0) -> list[str]:
        """Stop every process this home started; returns the names that were running."""
        with self._locked():
            pid_files = self.ctx.pid_files
            known = {name for tier in STOP_TIERS for name in tier}
            unknown = tuple(n for n in pid_files.names() if n not in known)
            stopped: list[str] = []
            for tier in (unknown, *STOP_TIERS):
                records = [r for r in map(pid_files.read, tier) if r is not None]
                if not records:
                    continue
                running = {r.name for r in records if is_running(r.pid, r.start_ticks)}
                with ThreadPoolExecutor(max_workers=len(records)) as pool:
                    results = list(pool.map(lambda r: _timed_stop(r, timeout), records))
                for record, (was_killed, took) in zip(records, results, strict=True):
                    if was_killed:
                        self.say(f"{record.name}: killed (did not stop within {timeout:.0f} s)")
                    elif record.name in running:
                        self.say(f"{record.name}: stopped in {took:.1f} s")
                    if record.name in running:
                        stopped.append(record.name)
                    pid_files.remove(record.name)
            return stopped

    def status(self) -> dict[str, ProcessStatus]:
        pid_files = self.ctx.pid_files
        names = [*ALL_PROCESSES, *(n for n in pid_files.names() if n not in ALL_PROCESSES)]
        result = {}
        for name in names:
            record = pid_files.read(name)
            port = self.port_of(name) if record is None else record.port
            alive = record is not None and is_running(record.pid, record.start_ticks)
            result[name] = ProcessStatus(
                name=name,
                pid=record.pid if record else None,
                alive=alive,
                port=port,
                port_open=None if port is None else port_open(port),
            )
        return result

    def port_of(self, name: str) -> int | None:
        p = self.ports
        fixed = {
            "postgres": p.postgres,
            "s3": p.s3,
            "kafka": p.kafka,
            "prometheus": p.prometheus,
            "airflow-api-server": p.airflow,
            "demo-files": p.demo_files,
            **p.services,
        }
        return fixed.get(name)

    @property
    def endpoints(self) -> dict[str, str]:
        p, url = self.ports, self.ctx.url
        return {
            **{name: url(port) for name, port in p.services.items()},
            "kafka": f"{HOST}:{p.kafka}",
            "postgres": self.ctx.postgres_dsn,
            "s3": url(p.s3),
            "prometheus": url(p.prometheus),
            "airflow": url(p.airflow),
            "demo-files": url(p.demo_files),
        }

    def service_env(self) -> dict[str, str]:
        return self.ctx.service_env()

    def log_path(self, name: str) -> Path:
        return self.ctx.log_path(name)
