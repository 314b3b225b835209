"""Everything a component needs to know: paths, ports, credentials and the service env."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mdc_platform.ports import HOST, PortMap
from mdc_platform.process import PidFiles
from mdc_platform.secrets import Secrets

AIRFLOW_DAG_ID = "mdc_pipeline"


def find_repo_root(start: Path | None = None) -> Path:
    """The uv workspace root: nearest ancestor whose pyproject.toml declares a workspace."""
    candidates = [(start or Path.cwd()).resolve(), Path(__file__).resolve()]
    for origin in candidates:
        for directory in [origin, *origin.parents]:
            pyproject = directory / "pyproject.toml"
            if pyproject.is_file() and "[tool.uv.workspace]" in pyproject.read_text():
                return directory
    return (start or Path.cwd()).resolve()


@dataclass(frozen=True)
class Context:
    home: Path
    repo_root: Path
    ports: PortMap
    secrets: Secrets
    extra_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    @property
    def pid_files(self) -> PidFiles:
        return PidFiles(self.run_dir)

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    @property
    def workspace_python(self) -> Path:
        """The workspace venv's interpreter, which runs the MDC services and Airflow's tasks."""
        return self.repo_root / ".venv" / "bin" / "python"

    @property
    def launcher_python(self) -> str:
        return sys.executable

    @property
    def airflow_venv(self) -> Path:
        """Shared by every home: Airflow is installed once per checkout."""
        return self.repo_root / ".mdc" / "airflow-venv"

    @property
    def steps_file(self) -> Path:
        return self.repo_root / "deploy" / "steps.yaml"

    @property
    def dags_folder(self) -> Path:
        return self.repo_root / "deploy" / "airflow" / "dags"

    @property
    def demo_dir(self) -> Path:
        return self.home / "demo-data"

    def url(self, port: int) -> str:
        return f"http://{HOST}:{port}"

    @property
    def postgres_dsn(self) -> str:
        return f"postgresql://postgres@{HOST}:{self.ports.postgres}/mdc"

    def service_env(self) -> dict[str, str]:
        """The MDC_* environment every service (and every Airflow task) gets."""
        p, s = self.ports, self.secrets
        env = {
            "MDC_KAFKA_BOOTSTRAP_SERVERS": f"{HOST}:{p.kafka}",
            "MDC_DB_URL": f"postgresql+asyncpg://postgres@{HOST}:{p.postgres}/mdc",
            "MDC_S3_ENDPOINT": f"{HOST}:{p.s3}",
            "MDC_S3_ACCESS_KEY": s.s3_access_key,
            "MDC_S3_SECRET_KEY": s.s3_secret_key,
            "MDC_S3_REGION": "us-east-1",
            "MDC_S3_SECURE": "false",
            "MDC_AIRFLOW_URL": self.url(p.airflow),
            "MDC_AIRFLOW_USERNAME": s.airflow_username,
            "MDC_AIRFLOW_PASSWORD": s.airflow_password,
            "MDC_AIRFLOW_DAG_ID": AIRFLOW_DAG_ID,
            "MDC_CATALOG_URL": self.url(p.service("catalog")),
            "MDC_CATALOG_PROVIDER_API_KEYS": s.provider_api_key,
            "MDC_CATALOG_ADMIN_API_KEYS": s.admin_api_key,
            "MDC_STEPS_FILE": str(self.steps_file),
            "MDC_LOG_LEVEL": "INFO",
        }
        env.update(self.extra_env)
        return env

    def base_env(self) -> dict[str, str]:
        """The launcher's environment minus what would confuse the child processes."""
        env = dict(os.environ)
        for key in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "AIRFLOW_HOME"):
            env.pop(key, None)
        for key in [k for k in env if k.startswith(("MDC_", "AIRFLOW__"))]:
            del env[key]
        return env
