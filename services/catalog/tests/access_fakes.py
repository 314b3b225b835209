"""An in-memory key store (implements mdc_catalog.access.KeyStore) and key helpers."""

from __future__ import annotations

import uuid

from mdc_catalog.access import ApiKeyRecord
from mdc_common.errors import Conflict

ADMIN_KEY = "admin-bootstrap-key"  # configured as MDC_CATALOG_ADMIN_API_KEYS in conftest


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class FakeKeyStore:
    """Rows become visible to lookups at once; `commits` counts the commits asked for."""

    def __init__(self) -> None:
        self.records: dict[uuid.UUID, ApiKeyRecord] = {}
        self.commits = 0

    async def add(self, record: ApiKeyRecord) -> None:
        if any(r.name == record.name for r in self.records.values()):
            raise Conflict(f"a key named {record.name!r} exists")
        self.records[record.id] = record

    async def by_digest(self, digest: str) -> ApiKeyRecord | None:
        return next((r for r in self.records.values() if r.digest == digest), None)

    async def by_name(self, name: str) -> ApiKeyRecord | None:
        return next((r for r in self.records.values() if r.name == name), None)

    async def get(self, key_id: uuid.UUID) -> ApiKeyRecord | None:
        return self.records.get(key_id)

    async def list(self, *, include_revoked: bool) -> list[ApiKeyRecord]:
        found = [r for r in self.records.values() if include_revoked or r.revoked_at is None]
        return sorted(found, key=lambda r: r.name)

    async def commit(self) -> None:
        self.commits += 1
