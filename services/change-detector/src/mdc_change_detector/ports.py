"""What the domain needs from the outside (database, object store), as small interfaces.

The PostgreSQL repository implements them for real; unit tests use in-memory fakes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from mdc_common.storage import S3Uri
from mdc_contracts import CheckFailure, CheckOutcome, Topic
from pydantic import BaseModel


@dataclass(frozen=True)
class SourceDefinition:
    """The watched part of a SourceDefined event, with the interval already capped."""

    source_id: uuid.UUID
    name: str
    url: str
    interval_seconds: int
    active: bool
    revision: int
    # A provider's "check now" (the latest one the catalog recorded); a newer one than the
    # stored one makes the source due at once.
    check_requested_at: datetime | None = None


@dataclass(frozen=True)
class WatchedSource:
    """A source claimed for one check: what the check needs, and the lease that proves the claim."""

    source_id: uuid.UUID
    name: str
    url: str
    etag: str | None
    last_modified: str | None
    sha256: str | None
    raw_uri: str | None
    consecutive_failures: int
    lease_token: uuid.UUID


@dataclass(frozen=True)
class NewVersion:
    """The bytes of a real change, already stored in the raw zone."""

    change_id: uuid.UUID
    sha256: str
    raw_uri: str
    size_bytes: int
    content_type: str | None
    etag: str | None
    last_modified: str | None
    detected_at: datetime


@dataclass(frozen=True)
class OutgoingEvent:
    topic: Topic
    key: str
    payload: dict[str, Any]

    @classmethod
    def of(cls, topic: Topic, event: BaseModel, key: str) -> OutgoingEvent:
        return cls(topic, key, event.model_dump(mode="json", by_alias=True))


@dataclass(frozen=True)
class CheckRecord:
    """Everything one check changes, written in one transaction (state, change, outbox)."""

    source_id: uuid.UUID
    lease_token: uuid.UUID
    url: str
    checked_at: datetime
    outcome: CheckOutcome
    consecutive_failures: int
    failure: CheckFailure | None = None
    # Conditional-request validators from the response; None on failure (keep the old ones).
    etag: str | None = None
    last_modified: str | None = None
    new_version: NewVersion | None = None
    events: list[OutgoingEvent] = field(default_factory=list)


@dataclass(frozen=True)
class PendingMessage:
    id: int
    topic: Topic
    key: str
    payload: dict[str, Any]


class OutboxBatch(Protocol):
    messages: Sequence[PendingMessage]

    def mark_sent(self, message_id: int) -> None: ...


class SourceRepository(Protocol):
    async def upsert_definition(self, definition: SourceDefinition, now: datetime) -> bool:
        """Store a definition unless an equal or newer revision is stored; True if applied.

        A `check_requested_at` newer than the stored one makes the source due at that time;
        an older or repeated one changes nothing (the newest is kept)."""
        ...

    async def claim_due(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[WatchedSource]: ...

    async def claim(
        self, source_id: uuid.UUID, now: datetime, lease_seconds: float
    ) -> WatchedSource:
        """Claim one source now; NotFound if unknown, Conflict if a check is running."""
        ...

    async def release(
        self, source_id: uuid.UUID, lease_token: uuid.UUID, retry_at: datetime | None = None
    ) -> None:
        """Give a claimed source back; `retry_at` postpones its next check (after an error)."""
        ...

    async def record_check(self, record: CheckRecord) -> bool:
        """Apply a check if the lease still holds; False if another checker took over."""
        ...

    async def count_active(self) -> int: ...


class Outbox(Protocol):
    def pending(self, limit: int) -> AbstractAsyncContextManager[OutboxBatch | None]:
        """Unsent messages in order, or None if another replica is publishing right now;
        the ones marked sent are committed as sent on a clean exit."""
        ...


class BlobStore(Protocol):
    """The part of mdc_common.storage.ObjectStore the checker uses (blocking calls)."""

    def exists(self, uri: S3Uri) -> bool: ...

    def put_file(self, uri: S3Uri, path: str, content_type: str) -> None: ...
