"""API keys and roles: who is calling, and the 401/403 answers.

Keys are never kept or logged in clear: settings keys are held as SHA-256 digests in memory,
issued keys as digests in PostgreSQL (`mdc_catalog.access`); logs and audit entries carry the
key's name or a short fingerprint of its digest.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from enum import StrEnum

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from mdc_common.http import error_body


class Role(StrEnum):
    CONSUMER = "consumer"  # reads datasets
    PROVIDER = "provider"  # administers sources, specs, steps
    TECHNICIAN = "technician"  # reads the status and audit views
    ADMIN = "admin"  # everything, including keys


@dataclass(frozen=True)
class Caller:
    """Whoever presented a valid key: its name (the audit actor), role and fingerprint."""

    name: str
    role: Role
    key_fingerprint: str
    key_id: uuid.UUID | None = None  # None for keys configured in the settings


def key_digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def fingerprint(digest: bytes) -> str:
    """Safe to log: 48 bits of the digest identify a key without helping to guess it."""
    return digest.hex()[:12]


@dataclass(frozen=True)
class _ConfiguredKey:
    name: str
    role: Role
    digest: bytes


class SettingsKeys:
    """Keys from the settings (admin and provider), as digests, compared in constant time."""

    def __init__(self, keys_by_role: dict[Role, list[str]]) -> None:
        self._keys = [
            _ConfiguredKey(
                name=settings_key_name(role, position), role=role, digest=key_digest(key)
            )
            for role, keys in keys_by_role.items()
            for position, key in enumerate((k for k in keys if k), start=1)
        ]

    @property
    def configured(self) -> bool:
        return bool(self._keys)

    def verify(self, key: str) -> Caller | None:
        digest = key_digest(key)
        # Compare with every key (no early exit), so timing tells nothing about which matched.
        found: _ConfiguredKey | None = None
        for known in self._keys:
            if hmac.compare_digest(digest, known.digest):
                found = known
        if found is None:
            return None
        return Caller(name=found.name, role=found.role, key_fingerprint=fingerprint(digest))


def settings_key_name(role: Role, position: int) -> str:
    """`provider-key-1`, `admin-key-2`...: names reserved for settings keys."""
    return f"{role.value}-key-{position}"


class AuthError(Exception):
    """401 (no key) or 403 (invalid key, or a role not allowed), in the MDC error shape."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


async def _auth_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuthError)
    unauthorized = exc.status_code == 401
    return JSONResponse(
        error_body("Unauthorized" if unauthorized else "Forbidden", exc.message),
        status_code=exc.status_code,
        headers={"WWW-Authenticate": "Bearer"} if unauthorized else None,
    )


def install_auth_errors(app: FastAPI) -> None:
    app.add_exception_handler(AuthError, _auth_error_handler)
