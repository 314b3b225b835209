from __future__ import annotations

from pathlib import Path

import pytest
from mdc_platform.context import Context
from mdc_platform.ports import PortMap
from mdc_platform.secrets import load_or_create


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    home = tmp_path / "home"
    repo = tmp_path / "repo"
    repo.mkdir()
    return Context(
        home=home,
        repo_root=repo,
        ports=PortMap(47000),
        secrets=load_or_create(home / "secrets.json"),
        extra_env={"MDC_CHANGE_DETECTOR_DEFAULT_INTERVAL_SECONDS": "5"},
    )
