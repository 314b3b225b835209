"""In-memory fakes of the change-detector's ports (the real ones need PostgreSQL and S3)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import httpx
from mdc_change_detector.config import ChangeDetectorSettings
from mdc_change_detector.metrics import DetectorMetrics
from mdc_change_detector.ports import (
    CheckRecord,
    PendingMessage,
    SourceDefinition,
    WatchedSource,
)
from mdc_change_detector.service import SourceChecker
from mdc_common.errors import Conflict, NotFound
from mdc_common.metrics import ServiceMetrics
from mdc_common.storage import S3Uri
from mdc_contracts import TOPIC_MODELS, CheckOutcome, Topic, utc_now
from pydantic import BaseModel
from urllib3.exceptions import HTTPError as Urllib3Error


@dataclass
class FakeSourceRow:
    definition: SourceDefinition
    next_check_at: datetime
    lease_token: uuid.UUID | None = None
    lease_until: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    raw_uri: str | None = None
    consecutive_failures: int = 0
    last_outcome: str | None = None


@dataclass
class FakeBatch:
    messages: list[PendingMessage]
    sent_ids: list[int] = field(default_factory=list)

    def mark_sent(self, message_id: int) -> None:
        self.sent_ids.append(message_id)


class FakeRepository:
    """Same semantics as PostgresRepository, in memory."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, FakeSourceRow] = {}
        self.changes: list[Any] = []
        self.outbox: list[PendingMessage] = []
        self.sent: set[int] = set()

    # --- SourceRepository
    async def upsert_definition(self, definition: SourceDefinition, now: datetime) -> bool:
        row = self.rows.get(definition.source_id)
        if row is None:
            self.rows[definition.source_id] = FakeSourceRow(definition, next_check_at=now)
            return True
        if definition.revision <= row.definition.revision:
            return False
        if definition.url != row.definition.url:
            row.etag = row.last_modified = None
            row.next_check_at = now
        asked, seen = definition.check_requested_at, row.definition.check_requested_at
        if asked is not None and (seen is None or asked > seen):
            row.next_check_at = min(row.next_check_at, asked)
        # The newest request is kept, as GREATEST does, whatever this definition carries.
        newest = max((t for t in (asked, seen) if t is not None), default=None)
        row.definition = replace(definition, check_requested_at=newest)
        return True

    async def claim_due(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[WatchedSource]:
        due = [
            row
            for row in sorted(self.rows.values(), key=lambda r: r.next_check_at)
            if row.definition.active
            and row.next_check_at <= now
            and (row.lease_until is None or row.lease_until < now)
        ][:limit]
        return [self._lease(row, now, lease_seconds) for row in due]

    async def claim(
        self, source_id: uuid.UUID, now: datetime, lease_seconds: float
    ) -> WatchedSource:
        row = self.rows.get(source_id)
        if row is None:
            raise NotFound(f"source {source_id} is not watched")
        if row.lease_until is not None and row.lease_until >= now:
            raise Conflict(f"a check of source {source_id} is already running")
        return self._lease(row, now, lease_seconds)

    def _lease(self, row: FakeSourceRow, now: datetime, lease_seconds: float) -> WatchedSource:
        row.lease_token = uuid.uuid4()
        row.lease_until = now + timedelta(seconds=lease_seconds)
        d = row.definition
        return WatchedSource(
            d.source_id,
            d.name,
            d.url,
            row.etag,
            row.last_modified,
            row.sha256,
            row.raw_uri,
            row.consecutive_failures,
            row.lease_token,
        )

    async def release(
        self, source_id: uuid.UUID, lease_token: uuid.UUID, retry_at: datetime | None = None
    ) -> None:
        row = self.rows[source_id]
        if row.lease_token == lease_token:
            row.lease_token = row.lease_until = None
            row.next_check_at = retry_at or row.next_check_at

    async def record_check(self, record: CheckRecord) -> bool:
        row = self.rows.get(record.source_id)
        if row is None or row.lease_token != record.lease_token:
            return False
        row.lease_token = row.lease_until = None
        row.consecutive_failures = record.consecutive_failures
        row.last_outcome = record.outcome.value
        row.next_check_at = record.checked_at + timedelta(seconds=row.definition.interval_seconds)
        if record.outcome != CheckOutcome.FAILED:
            row.etag, row.last_modified = record.etag, record.last_modified
        if record.new_version is not None:
            row.sha256, row.raw_uri = record.new_version.sha256, record.new_version.raw_uri
            self.changes.append(record.new_version)
        for event in record.events:
            self.outbox.append(
                PendingMessage(len(self.outbox) + 1, event.topic, event.key, event.payload)
            )
        return True

    async def count_active(self) -> int:
        return sum(row.definition.active for row in self.rows.values())

    # --- Outbox
    @asynccontextmanager
    async def pending(self, limit: int) -> AsyncIterator[FakeBatch | None]:
        batch = FakeBatch([m for m in self.outbox if m.id not in self.sent][:limit])
        yield batch
        self.sent.update(batch.sent_ids)

    # --- helpers for assertions
    def events(self, topic: Topic) -> list[BaseModel]:
        return [
            TOPIC_MODELS[m.topic].model_validate(m.payload) for m in self.outbox if m.topic == topic
        ]

    def unsent(self) -> list[PendingMessage]:
        return [m for m in self.outbox if m.id not in self.sent]


class FakeStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.puts = 0
        self.broken = False

    def exists(self, uri: S3Uri) -> bool:
        if self.broken:
            raise Urllib3Error("S3 endpoint unreachable")
        return str(uri) in self.objects

    def put_file(self, uri: S3Uri, path: str, content_type: str) -> None:
        if self.broken:
            raise Urllib3Error("S3 endpoint unreachable")
        with open(path, "rb") as f:
            self.objects[str(uri)] = f.read()
        self.puts += 1


Handler = Callable[[httpx.Request], Any]


def settings(**overrides: Any) -> ChangeDetectorSettings:
    return ChangeDetectorSettings(**{"max_bytes": 1024, "min_interval_seconds": 1, **overrides})


def definition(
    url: str = "https://data.example.org/penguins.csv",
    *,
    revision: int = 1,
    interval: int = 60,
    source_id: uuid.UUID | None = None,
    active: bool = True,
    check_requested_at: datetime | None = None,
) -> SourceDefinition:
    return SourceDefinition(
        source_id or uuid.uuid4(), "penguins", url, interval, active, revision, check_requested_at
    )


@dataclass
class Rig:
    checker: SourceChecker
    repository: FakeRepository
    store: FakeStore
    metrics: DetectorMetrics
    client: httpx.AsyncClient

    async def watch(self, d: SourceDefinition | None = None) -> uuid.UUID:
        d = d or definition()
        await self.repository.upsert_definition(d, utc_now() - timedelta(seconds=1))
        return d.source_id

    async def check(self, source_id: uuid.UUID) -> Any:
        source = await self.repository.claim(source_id, utc_now(), 60)
        return await self.checker.check(source)


def rig(handler: Handler, **setting_overrides: Any) -> Rig:
    repository, store = FakeRepository(), FakeStore()
    metrics = DetectorMetrics(ServiceMetrics("change-detector"))
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    checker = SourceChecker(
        client=client,
        store=store,
        repository=repository,
        settings=settings(**setting_overrides),
        metrics=metrics,
    )
    return Rig(checker, repository, store, metrics, client)
