"""An in-memory key store (implements mdc_catalog.access.KeyStore), key helpers, and a session
that keeps the statements it is given (to see what reaches SQL)."""

from __future__ import annotations

import uuid
from typing import Any

from mdc_catalog.access import ApiKeyRecord
from mdc_common.errors import Conflict
from sqlalchemy.dialects import postgresql

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


# What an attacker types into a filter or a key.
HOSTILE = "x' OR '1'='1'; DROP TABLE catalog.audit_log; --"


class CapturingSession:
    """Stands in for the AsyncSession: keeps the statements, answers with nothing."""

    def __init__(self) -> None:
        self.statements: list[Any] = []

    async def exec(self, statement: Any) -> Any:
        self.statements.append(statement)
        return _NoRows()


class _NoRows(list[Any]):
    def one(self) -> int:
        return 0

    def first(self) -> None:
        return None


def compiled_sql(statement: Any) -> tuple[str, list[Any]]:
    compiled = statement.compile(dialect=postgresql.dialect())
    return str(compiled), list(compiled.params.values())
