"""Test set-up of the orchestrator-bridge package."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from mdc_orchestrator_bridge.config import AirflowSettings
from pydantic import SecretStr

# With --import-mode=importlib pytest does not put test directories on sys.path; the helper
# module bridge_fakes (a name unique to this package) is imported from here.
sys.path.insert(0, str(Path(__file__).parent))

from bridge_fakes import AIRFLOW_URL, FakeAirflow


@pytest.fixture
def fake_airflow() -> FakeAirflow:
    return FakeAirflow()


@pytest.fixture
def airflow_settings() -> AirflowSettings:
    return AirflowSettings(url=AIRFLOW_URL, username="admin", password=SecretStr("secret"))


@pytest.fixture
def write_steps(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "steps.yaml"
        path.write_text(text)
        return path

    return write
