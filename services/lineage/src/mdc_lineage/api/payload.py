"""Turning a POST body into a RunEvent, the way Marquez-compatible clients send it.

The stock openlineage-python HTTP transport and Airflow's provider post JSON (optionally gzip-
compressed); Airflow may also post DatasetEvents and JobEvents, which carry no `run`.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from fastapi import Request
from mdc_contracts.lineage import RunEvent
from pydantic import ValidationError

from mdc_lineage.errors import InvalidEvent


class PayloadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the event is larger than {limit} bytes")
        self.limit = limit


async def read_run_event(request: Request, max_bytes: int) -> RunEvent:
    body = await _read_body(request, max_bytes)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding == "gzip":
        body = _gunzip(body, max_bytes)
    elif encoding != "identity":
        raise InvalidEvent(
            f"unsupported Content-Encoding {encoding!r} (use gzip or none)",
            [{"field": "Content-Encoding", "message": "unsupported"}],
            reason="bad_encoding",
        )
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise InvalidEvent(
            f"the body is not JSON: {err}",
            [{"field": "body", "message": str(err)}],
            reason="invalid_json",
        ) from err
    if not isinstance(document, dict):
        raise InvalidEvent(
            "the body must be a JSON object (one OpenLineage RunEvent)",
            [{"field": "body", "message": f"got a JSON {type(document).__name__}"}],
            reason="not_a_run_event",
        )
    _refuse_other_event_kinds(document)
    try:
        return RunEvent.model_validate(document)
    except ValidationError as err:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
            for e in err.errors(include_url=False, include_input=False)
        ]
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
        raise InvalidEvent(f"not a valid OpenLineage RunEvent: {summary}", fields) from err


def _refuse_other_event_kinds(document: dict[str, Any]) -> None:
    """DatasetEvents and JobEvents (OpenLineage 2) have no run; say so rather than 'run missing'."""
    if "run" in document:
        return
    kind = "DatasetEvent" if "dataset" in document else "JobEvent" if "job" in document else None
    if kind is None:
        return
    raise InvalidEvent(
        f"only RunEvents are accepted; this is a {kind} (it has no `run`), which this store does"
        " not record",
        [{"field": "run", "message": f"missing: a {kind} is not a RunEvent"}],
        reason="not_a_run_event",
    )


async def _read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(max_bytes)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    # Bounded, so a small compressed body cannot expand into an unbounded one.
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(body, max_bytes + 1)
    except zlib.error as err:
        raise InvalidEvent(
            f"the body is not valid gzip: {err}",
            [{"field": "body", "message": "invalid gzip"}],
            reason="bad_encoding",
        ) from err
    if len(data) > max_bytes:
        raise PayloadTooLarge(max_bytes)
    return data
