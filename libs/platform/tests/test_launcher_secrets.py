from __future__ import annotations

import json
import stat
from pathlib import Path

from mdc_platform.secrets import load_or_create


def test_created_once_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    first = load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create(path) == first
    assert first.s3_access_key == "mdc-access"
    assert first.provider_api_key.startswith("mdc-demo-")


def test_missing_fields_are_filled_and_existing_kept(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"s3_secret_key": "kept"}))
    loaded = load_or_create(path)
    assert loaded.s3_secret_key == "kept"
    assert json.loads(path.read_text())["provider_api_key"] == loaded.provider_api_key
