"""Issued API keys: stored as SHA-256 digests (never in clear), with their role and history.

A key is shown once, when issued (`mdc_<role>_<random>`); afterwards only its name, role and
fingerprint are known. Revoking keeps the row, so the audit trail's actors stay resolvable.
"""

from __future__ import annotations

import hmac
import re
import secrets
import uuid
from datetime import datetime
from typing import Protocol

from mdc_common.errors import Conflict
from mdc_contracts import utc_now
from sqlalchemy import DateTime, Index
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field as SqlField
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_catalog.api.auth import Caller, Role, fingerprint, key_digest
from mdc_catalog.models import CatalogTable

ISSUED_KEY_PREFIX = "mdc_"
# Keys come with 256 bits of randomness: a digest lookup reveals nothing worth guessing.
TOKEN_BYTES = 32
# Writing last_used_at on every request would turn reads into writes; once a minute is enough.
LAST_USED_RESOLUTION_SECONDS = 60.0


class ApiKeyRecord(CatalogTable, table=True):
    __tablename__ = "api_keys"
    __table_args__ = (
        Index("api_keys_name_key", "name", unique=True),
        Index("api_keys_digest_key", "digest", unique=True),
    )

    id: uuid.UUID = SqlField(default_factory=uuid.uuid4, primary_key=True)
    name: str  # the audit actor
    role: str
    digest: str  # hex SHA-256 of the key
    created_at: datetime = SqlField(default_factory=utc_now, sa_type=DateTime(timezone=True))
    created_by: str
    revoked_at: datetime | None = SqlField(default=None, sa_type=DateTime(timezone=True))
    revoked_by: str | None = None
    last_used_at: datetime | None = SqlField(default=None, sa_type=DateTime(timezone=True))


def new_key(role: Role) -> str:
    return f"{ISSUED_KEY_PREFIX}{role.value}_{secrets.token_urlsafe(TOKEN_BYTES)}"


def looks_issued(key: str) -> bool:
    """Only keys of the issued shape are looked up: random junk never reaches the database."""
    return key.startswith(ISSUED_KEY_PREFIX) and bool(re.fullmatch(r"[A-Za-z0-9_-]+", key))


class KeyStore(Protocol):
    async def add(self, record: ApiKeyRecord) -> None: ...

    async def by_digest(self, digest: str) -> ApiKeyRecord | None: ...

    async def by_name(self, name: str) -> ApiKeyRecord | None: ...

    async def get(self, key_id: uuid.UUID) -> ApiKeyRecord | None: ...

    async def list(self, *, include_revoked: bool) -> list[ApiKeyRecord]: ...

    async def commit(self) -> None: ...


class SqlKeyStore:
    """On the request's session, so a key change commits with its audit entry."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, record: ApiKeyRecord) -> None:
        self.session.add(record)
        try:
            await self.session.flush()  # a name taken concurrently fails here, not at commit
        except IntegrityError as err:
            await self.session.rollback()
            raise Conflict(f"a key named {record.name!r} exists") from err

    async def by_digest(self, digest: str) -> ApiKeyRecord | None:
        rows = await self.session.exec(select(ApiKeyRecord).where(ApiKeyRecord.digest == digest))
        return rows.first()

    async def by_name(self, name: str) -> ApiKeyRecord | None:
        rows = await self.session.exec(select(ApiKeyRecord).where(ApiKeyRecord.name == name))
        return rows.first()

    async def get(self, key_id: uuid.UUID) -> ApiKeyRecord | None:
        return await self.session.get(ApiKeyRecord, key_id)

    async def list(self, *, include_revoked: bool) -> list[ApiKeyRecord]:
        statement = select(ApiKeyRecord).order_by(col(ApiKeyRecord.name))
        if not include_revoked:
            statement = statement.where(col(ApiKeyRecord.revoked_at).is_(None))
        return list(await self.session.exec(statement))

    async def commit(self) -> None:
        await self.session.commit()


class RevokedKey(Exception):
    """The key exists but was revoked (answered 403, naming the revocation)."""


async def verify_issued_key(store: KeyStore, key: str) -> Caller | None:
    """The caller of an issued key, None if unknown; RevokedKey if revoked."""
    if not looks_issued(key):
        return None
    digest = key_digest(key)
    record = await store.by_digest(digest.hex())
    # The lookup found the row by digest; the constant-time comparison is the actual check.
    if record is None or not hmac.compare_digest(record.digest, digest.hex()):
        return None
    if record.revoked_at is not None:
        raise RevokedKey(record.name)
    caller = Caller(
        name=record.name,
        role=Role(record.role),
        key_fingerprint=fingerprint(digest),
        key_id=record.id,
    )
    now = utc_now()
    last = record.last_used_at
    if last is None or (now - last).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        record.last_used_at = now
        await store.commit()  # before the endpoint runs: nothing else is staged yet
    return caller
