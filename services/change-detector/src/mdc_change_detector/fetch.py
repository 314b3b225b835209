"""One conditional HTTP download: stream to a temp file, hash, bound the size, classify failures."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx
from mdc_contracts import CheckFailure, FailureReason

# Written to disk in blocks of this size from a worker thread, so the event loop never blocks
# on the disk and the thread hops stay few.
WRITE_BLOCK_BYTES = 1024 * 1024
SNIFF_BYTES = 512
HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
HTML_MESSAGE = "the server returned an HTML page, not a data file"
_DNS_HINTS = (
    "name or service not known",
    "temporary failure in name resolution",
    "nodename nor servname",
    "getaddrinfo failed",
    "no address associated with hostname",
    "name resolution",
)


@dataclass(frozen=True)
class NotModified:
    """304: the server says the stored version is current."""

    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class Downloaded:
    """A complete body on local disk; the caller owns (and deletes) `path`."""

    path: Path
    sha256: str
    size_bytes: int
    content_type: str | None
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class FetchFailed:
    failure: CheckFailure


FetchResult = NotModified | Downloaded | FetchFailed


def failure(reason: FailureReason, message: str, http_status: int | None = None) -> FetchFailed:
    return FetchFailed(CheckFailure(reason=reason, message=message[:1000], http_status=http_status))


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def looks_like_html(head: bytes) -> bool:
    """True for a body that starts (after BOM and whitespace) like an HTML document."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return text.startswith((b"<!doctype html", b"<html"))


def is_html_content_type(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type in HTML_CONTENT_TYPES


def classify_request_error(err: httpx.RequestError | httpx.InvalidURL) -> FetchFailed:
    if isinstance(err, httpx.TimeoutException):
        return failure(FailureReason.TIMEOUT, f"timed out: {type(err).__name__}")
    if isinstance(err, httpx.ConnectError):
        if _is_dns_error(err):
            return failure(FailureReason.DNS, f"DNS resolution failed: {err}")
        return failure(FailureReason.CONNECT, f"connection failed: {err}")
    # Protocol errors, bad content encoding, redirect loops, an invalid or non-HTTP URL.
    return failure(FailureReason.OTHER, f"{type(err).__name__}: {err}")


def _is_dns_error(err: BaseException) -> bool:
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return True
        if any(hint in str(seen).lower() for hint in _DNS_HINTS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _TempSink:
    """A temporary file fed in blocks from a worker thread while hashing and counting bytes."""

    def __init__(self, directory: str | None) -> None:
        self.hash = hashlib.sha256()
        self.size = 0
        self.head = b""
        self._buffer = bytearray()
        self._file: BinaryIO | None = None
        self._directory = directory

    @property
    def path(self) -> Path:
        assert self._file is not None
        return Path(self._file.name)

    async def open(self) -> None:
        self._file = await asyncio.to_thread(
            tempfile.NamedTemporaryFile,  # type: ignore[arg-type]
            prefix="mdc-download-",
            dir=self._directory,
            delete=False,
        )

    async def write(self, chunk: bytes) -> None:
        self.hash.update(chunk)
        self.size += len(chunk)
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]
        self._buffer += chunk
        if len(self._buffer) >= WRITE_BLOCK_BYTES:
            await self._flush()

    async def _flush(self) -> None:
        if self._buffer and self._file is not None:
            block, self._buffer = bytes(self._buffer), bytearray()
            await asyncio.to_thread(self._file.write, block)

    async def close(self) -> None:
        await self._flush()
        if self._file is not None:
            await asyncio.to_thread(self._file.close)

    async def discard(self) -> None:
        if self._file is not None:
            await asyncio.to_thread(_close_and_remove, self._file)


def _close_and_remove(file: BinaryIO) -> None:
    file.close()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(file.name)


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
    directory: str | None = None,
) -> FetchResult:
    """GET `url` conditionally; never raises for what the remote side does (only for bugs)."""
    sink = _TempSink(directory)
    try:
        async with client.stream("GET", url, headers=conditional_headers(etag, last_modified)) as r:
            if r.status_code == 304:
                return NotModified(
                    r.headers.get("etag") or etag, r.headers.get("last-modified") or last_modified
                )
            if r.status_code >= 300:  # redirects are followed; what is left is an error
                return failure(
                    FailureReason.HTTP_STATUS,
                    f"HTTP {r.status_code} {r.reason_phrase}".strip(),
                    http_status=r.status_code,
                )
            content_type = r.headers.get("content-type")
            validators = (r.headers.get("etag"), r.headers.get("last-modified"))
            if is_html_content_type(content_type):
                return failure(FailureReason.NOT_TABULAR, HTML_MESSAGE)
            declared = r.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                return _too_large(max_bytes)
            await sink.open()
            async for chunk in r.aiter_bytes():
                await sink.write(chunk)
                if sink.size > max_bytes:
                    await sink.discard()
                    return _too_large(max_bytes)
            await sink.close()
    except (httpx.RequestError, httpx.InvalidURL) as err:
        await sink.discard()
        return classify_request_error(err)
    except BaseException:
        await sink.discard()
        raise
    if sink.size == 0:
        await sink.discard()
        return failure(FailureReason.EMPTY, "the server returned an empty body")
    if looks_like_html(sink.head):
        await sink.discard()
        return failure(FailureReason.NOT_TABULAR, HTML_MESSAGE)
    return Downloaded(
        path=sink.path,
        sha256=sink.hash.hexdigest(),
        size_bytes=sink.size,
        content_type=content_type,
        etag=validators[0],
        last_modified=validators[1],
    )


def _too_large(max_bytes: int) -> FetchFailed:
    return failure(FailureReason.TOO_LARGE, f"the file is larger than the limit of {max_bytes} B")
