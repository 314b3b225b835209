"""Airflow 3.3.2 from its own venv: db migrate, api-server, scheduler, dag-processor.

Metadata lives in the platform's PostgreSQL (database ``airflow``); the simple auth manager has
one admin user; tasks see the MDC_* environment and send OpenLineage events to the lineage
service.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx

from mdc_platform.components.base import Say, await_ready, launch
from mdc_platform.components.postgres import psql
from mdc_platform.context import Context
from mdc_platform.errors import PlatformError
from mdc_platform.install import airflow_fingerprint, airflow_installed, install_airflow
from mdc_platform.ports import HOST
from mdc_platform.process import ProcessSpec, tail

API = "airflow-api-server"
SCHEDULER = "airflow-scheduler"
DAG_PROCESSOR = "airflow-dag-processor"
MIGRATE_LOG = "airflow-migrate"


def airflow_env(ctx: Context) -> dict[str, str]:
    """Airflow's configuration, all by environment (shared by every Airflow process)."""
    home = ctx.home / "airflow"
    port = ctx.ports.airflow
    url = ctx.url(port)
    lineage = ctx.url(ctx.ports.service("lineage"))
    venv_bin = ctx.airflow_venv / "bin"
    env = ctx.base_env()
    env.update(ctx.service_env())  # tasks get the same MDC_* settings as the services
    env.update(
        {
            "PATH": f"{venv_bin}:{env.get('PATH', '/usr/bin:/bin')}",
            "VIRTUAL_ENV": str(ctx.airflow_venv),
            "MDC_PYTHON": str(ctx.workspace_python),
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ctx.dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ctx.secrets.airflow_username}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (
                f"postgresql+psycopg2://postgres@{HOST}:{ctx.ports.postgres}/airflow"
            ),
            "AIRFLOW__API__HOST": HOST,
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__SECRET_KEY": ctx.secrets.airflow_api_secret_key,
            "AIRFLOW__API_AUTH__JWT_SECRET": ctx.secrets.airflow_jwt_secret,
            "AIRFLOW__OPENLINEAGE__NAMESPACE": "mdc",
            "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
                {"type": "http", "url": lineage, "endpoint": "api/v1/lineage"}
            ),
        }
    )
    return env


def write_passwords(ctx: Context) -> Path:
    home = ctx.home / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    path = home / "passwords.json"
    path.write_text(json.dumps({ctx.secrets.airflow_username: ctx.secrets.airflow_password}))
    path.chmod(0o600)
    return path


def schema_version(ctx: Context) -> str:
    """The Airflow database's alembic revision ('none' before the first migration)."""
    try:
        found = psql(ctx.ports.postgres, "SELECT version_num FROM alembic_version", "airflow")
    except PlatformError:
        return "none"
    return found or "none"


def health(ctx: Context) -> dict[str, Any] | None:
    try:
        response = httpx.get(f"{ctx.url(ctx.ports.airflow)}/api/v2/monitor/health", timeout=3)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    data: dict[str, Any] = response.json()
    return data


def component_healthy(ctx: Context, part: str) -> bool:
    data = health(ctx)
    return data is not None and data.get(part, {}).get("status") == "healthy"


def token(ctx: Context) -> str:
    """A JWT for the REST API (POST /auth/token)."""
    response = httpx.post(
        f"{ctx.url(ctx.ports.airflow)}/auth/token",
        json={"username": ctx.secrets.airflow_username, "password": ctx.secrets.airflow_password},
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


class Airflow:
    processes: tuple[str, ...] = (API, SCHEDULER, DAG_PROCESSOR)

    def specs(self, ctx: Context) -> list[ProcessSpec]:
        env = airflow_env(ctx)
        airflow = str(ctx.airflow_venv / "bin" / "airflow")
        home = ctx.home / "airflow"
        port = ctx.ports.airflow
        return [
            ProcessSpec(
                name=API,
                argv=[airflow, "api-server", "--host", HOST, "--port", str(port)],
                env=env,
                cwd=home,
                port=port,
            ),
            ProcessSpec(
                name=SCHEDULER, argv=[airflow, "scheduler", "--skip-serve-logs"], env=env, cwd=home
            ),
            ProcessSpec(name=DAG_PROCESSOR, argv=[airflow, "dag-processor"], env=env, cwd=home),
        ]

    def migrate(self, ctx: Context, say: Say) -> None:
        """`airflow db migrate`, skipped when this venv already migrated this very database."""
        marker = ctx.home / "airflow" / ".mdc-migrated"
        expected = f"{airflow_fingerprint(ctx.repo_root)} {schema_version(ctx)}"
        if marker.exists() and marker.read_text().strip() == expected:
            return
        self._run_migrate(ctx)
        marker.write_text(f"{airflow_fingerprint(ctx.repo_root)} {schema_version(ctx)}\n")
        say("airflow: database migrated")

    def _run_migrate(self, ctx: Context) -> None:
        log = ctx.log_path(MIGRATE_LOG)
        ctx.log_dir.mkdir(parents=True, exist_ok=True)
        argv = [str(ctx.airflow_venv / "bin" / "airflow"), "db", "migrate"]
        with log.open("ab") as out:
            result = subprocess.run(
                argv,
                env=airflow_env(ctx),
                cwd=ctx.home / "airflow",
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=600,
            )
        if result.returncode != 0:
            raise PlatformError(f"airflow: `airflow db migrate` failed:\n{tail(log, 30)}")

    def ensure(self, ctx: Context, say: Say) -> None:
        if not airflow_installed(ctx.repo_root, ctx.airflow_venv):
            install_airflow(ctx.repo_root, ctx.airflow_venv, say)
        write_passwords(ctx)
        if any(ctx.pid_files.live(name) is None for name in self.processes):
            self.migrate(ctx, say)
        ready = {
            API: lambda: health(ctx) is not None,
            SCHEDULER: lambda: component_healthy(ctx, "scheduler"),
            DAG_PROCESSOR: lambda: component_healthy(ctx, "dag_processor"),
        }
        launched = [launch(ctx, spec) for spec in self.specs(ctx)]
        for item in launched:
            what = "answering" if item.spec.name == API else "healthy"
            await_ready(ctx, item, ready[item.spec.name], timeout=240, say=say, what=what)
