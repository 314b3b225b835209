"""Structured JSON logging; the event being handled is attached to every line via a context var."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

_event_id: ContextVar[str | None] = ContextVar("mdc_event_id", default=None)
_correlation_id: ContextVar[str | None] = ContextVar("mdc_correlation_id", default=None)


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.event_id = _event_id.get()
        record.correlation_id = _correlation_id.get()
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route every logger (ours, uvicorn's, faststream's) to one JSON stream on stdout."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(event_id)s"
            " %(correlation_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "faststream", "aiokafka"):
        lib_logger = logging.getLogger(name)
        lib_logger.handlers[:] = []
        lib_logger.propagate = True
    logging.getLogger("aiokafka").setLevel("WARNING")


@contextlib.contextmanager
def event_context(event_id: object, correlation_id: object | None = None) -> Iterator[None]:
    """Tag log lines emitted inside the block with the event (and correlation) id."""
    token = _event_id.set(str(event_id))
    corr_token = _correlation_id.set(str(correlation_id) if correlation_id else None)
    try:
        yield
    finally:
        _event_id.reset(token)
        _correlation_id.reset(corr_token)
