"""Provider API keys: kept only as SHA-256 digests in memory, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from mdc_common.http import error_body


@dataclass(frozen=True)
class Provider:
    """The caller of an admin endpoint, known by a fingerprint of its key (safe to log)."""

    key_fingerprint: str


class ProviderKeys:
    def __init__(self, keys: list[str]) -> None:
        self._digests = [_digest(key) for key in keys if key]

    @property
    def configured(self) -> bool:
        return bool(self._digests)

    def verify(self, key: str) -> Provider | None:
        digest = _digest(key)
        # Compare with every key (no early exit), so timing tells nothing about which matched.
        matched = False
        for known in self._digests:
            matched |= hmac.compare_digest(digest, known)
        return Provider(key_fingerprint=digest.hex()[:12]) if matched else None


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


class ProviderAuthError(Exception):
    """401 (no key) or 403 (wrong key), answered in the MDC error shape."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


async def _auth_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProviderAuthError)
    unauthorized = exc.status_code == 401
    return JSONResponse(
        error_body("Unauthorized" if unauthorized else "Forbidden", exc.message),
        status_code=exc.status_code,
        headers={"WWW-Authenticate": "Bearer"} if unauthorized else None,
    )


def install_auth_errors(app: FastAPI) -> None:
    app.add_exception_handler(ProviderAuthError, _auth_error_handler)
