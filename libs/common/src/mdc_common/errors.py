"""Error taxonomy: the caller's mistake (bad input) versus a dependency that failed."""

from __future__ import annotations


class MdcError(Exception):
    """Base of MDC errors; `detail` is safe to show to the caller."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadInput(MdcError):
    """The input is wrong and retrying will not help (HTTP 4xx, failure event, no retry)."""


class NotFound(BadInput):
    """The thing asked for does not exist (HTTP 404)."""


class Conflict(BadInput):
    """The request conflicts with the current state (HTTP 409)."""


class DependencyFailed(MdcError):
    """A dependency (database, object store, Airflow) failed; retrying may help (HTTP 503)."""
