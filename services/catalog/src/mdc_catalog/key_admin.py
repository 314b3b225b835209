"""Issuing, listing and revoking API keys (admins), each change with its audit entry."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime
from typing import Any

from mdc_common.errors import Conflict, NotFound
from mdc_contracts import utc_now
from pydantic import BaseModel, ConfigDict, Field, field_validator

from mdc_catalog.access import ApiKeyRecord, KeyStore, new_key
from mdc_catalog.api.auth import Caller, Role, key_digest
from mdc_catalog.audit import AuditLog

log = logging.getLogger(__name__)

# Settings keys are named `<role>-key-<n>`; an issued key may not pass for one in the audit log.
_SETTINGS_NAME = re.compile(r"(consumer|provider|technician|admin)-key-\d+")


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        examples=["airflow-dag", "jane.doe"],
        description="Who holds the key; shown as the actor in the audit log. Unique.",
    )
    role: Role = Field(examples=["provider"])

    @field_validator("name")
    @classmethod
    def _not_a_settings_name(cls, value: str) -> str:
        if _SETTINGS_NAME.fullmatch(value):
            raise ValueError("names like 'provider-key-1' are reserved for keys in the settings")
        return value


class KeyPublic(BaseModel):
    """A key without its secret or digest."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    role: Role
    fingerprint: str = Field(description="The first 12 hex digits of the key's SHA-256.")
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    revoked_by: str | None
    last_used_at: datetime | None


class KeyIssued(KeyPublic):
    key: str = Field(description="The key itself. Shown this once: store it now.")


class KeyPage(BaseModel):
    items: list[KeyPublic]
    total: int


def key_public(record: ApiKeyRecord) -> KeyPublic:
    return KeyPublic.model_validate(
        {**record.model_dump(exclude={"digest"}), "fingerprint": record.digest[:12]}
    )


class KeyAdmin:
    """Admin operations on issued keys, over one store and audit log (one request)."""

    def __init__(self, store: KeyStore, audit: AuditLog, caller: Caller) -> None:
        self.store = store
        self.audit = audit
        self.caller = caller

    async def issue(self, data: KeyCreate) -> KeyIssued:
        if await self.store.by_name(data.name) is not None:
            raise Conflict(f"a key named {data.name!r} exists (names stay taken once revoked)")
        key = new_key(data.role)
        record = ApiKeyRecord(
            name=data.name,
            role=data.role.value,
            digest=key_digest(key).hex(),
            created_by=self.caller.name,
        )
        await self.store.add(record)
        public = key_public(record)
        self._record("key.create", record.id, before=None, after=_dump(public))
        await self.store.commit()
        log.info(
            "api key issued",
            extra={"key_name": data.name, "role": data.role.value, "by": self.caller.name},
        )
        return KeyIssued(**public.model_dump(), key=key)

    async def list(self, *, include_revoked: bool) -> KeyPage:
        records = await self.store.list(include_revoked=include_revoked)
        return KeyPage(items=[key_public(r) for r in records], total=len(records))

    async def revoke(self, key_id: uuid.UUID) -> None:
        record = await self.store.get(key_id)
        if record is None:
            raise NotFound(f"no key with id {key_id}")
        if record.revoked_at is not None:
            return  # revoking twice is not an error, and not a second change
        before = _dump(key_public(record))
        record.revoked_at = utc_now()
        record.revoked_by = self.caller.name
        self._record("key.revoke", record.id, before=before, after=_dump(key_public(record)))
        await self.store.commit()
        log.info(
            "api key revoked",
            extra={"key_name": record.name, "key": record.digest[:12], "by": self.caller.name},
        )

    def _record(
        self,
        action: str,
        key_id: uuid.UUID,
        *,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        self.audit.record(
            actor=self.caller.name,
            role=self.caller.role.value,
            action=action,
            target_type="key",
            target_id=str(key_id),
            before=before,
            after=after,
        )


def _dump(key: KeyPublic) -> dict[str, Any]:
    return key.model_dump(mode="json")
