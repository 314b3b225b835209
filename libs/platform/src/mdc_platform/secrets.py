"""Per-home credentials, generated once and kept in ``<home>/secrets.json`` (mode 0600)."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

S3_ACCESS_KEY = "mdc-access"
AIRFLOW_USERNAME = "admin"
AIRFLOW_DEFAULT_PASSWORD = "admin"  # noqa: S105 - local-only demo login, printed by `mdc up`


@dataclass(frozen=True)
class Secrets:
    s3_access_key: str
    s3_secret_key: str
    provider_api_key: str
    admin_api_key: str  # the catalog's bootstrap admin: issues and revokes keys
    airflow_username: str
    airflow_password: str
    airflow_jwt_secret: str
    airflow_api_secret_key: str

    @classmethod
    def generate(cls) -> Secrets:
        return cls(
            s3_access_key=S3_ACCESS_KEY,
            s3_secret_key=secrets.token_urlsafe(30),
            provider_api_key="mdc-demo-" + secrets.token_urlsafe(24),
            admin_api_key="mdc-admin-" + secrets.token_urlsafe(24),
            airflow_username=AIRFLOW_USERNAME,
            airflow_password=AIRFLOW_DEFAULT_PASSWORD,
            airflow_jwt_secret=secrets.token_hex(64),
            airflow_api_secret_key=secrets.token_hex(32),
        )


def load_or_create(path: Path) -> Secrets:
    """Read the secrets file; create it (and fill in any field missing from it) if needed."""
    fresh = asdict(Secrets.generate())
    stored: dict[str, str] = {}
    if path.exists():
        stored = {str(k): str(v) for k, v in json.loads(path.read_text()).items()}
    merged = {key: stored.get(key, value) for key, value in fresh.items()}
    if merged != stored:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(merged, fh, indent=2)
        tmp.replace(path)
    return Secrets(**merged)
