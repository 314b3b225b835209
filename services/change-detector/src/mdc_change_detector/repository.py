"""PostgreSQL access, only on the `change_detector` schema: sources, changes and the outbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mdc_common.errors import Conflict, NotFound
from mdc_contracts import CheckOutcome, Topic, utc_now
from sqlalchemy import (
    RowMapping,
    and_,
    case,
    delete,
    func,
    insert,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_change_detector.models import OutboxRow, SourceChangeRow, WatchedSourceRow
from mdc_change_detector.ports import CheckRecord, PendingMessage, SourceDefinition, WatchedSource

SOURCE = WatchedSourceRow.__table__  # type: ignore[attr-defined]
CHANGE = SourceChangeRow.__table__  # type: ignore[attr-defined]
OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
_CLAIM_DUE = text("""
    WITH due AS (
        SELECT source_id FROM change_detector.watched_source
        WHERE active AND next_check_at <= :now AND (lease_until IS NULL OR lease_until < :now)
        ORDER BY next_check_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE change_detector.watched_source AS s
    SET lease_token = gen_random_uuid(), lease_until = :until
    FROM due WHERE s.source_id = due.source_id
    RETURNING s.source_id, s.name, s.url, s.etag, s.last_modified, s.sha256, s.raw_uri,
              s.consecutive_failures, s.lease_token
""")
_CLAIM_ONE = text("""
    UPDATE change_detector.watched_source
    SET lease_token = gen_random_uuid(), lease_until = :until
    WHERE source_id = :source_id AND (lease_until IS NULL OR lease_until < :now)
    RETURNING source_id, name, url, etag, last_modified, sha256, raw_uri,
              consecutive_failures, lease_token
""")
# One relay at a time across replicas, so events of one key keep their order.
_OUTBOX_LOCK = text("SELECT pg_try_advisory_xact_lock(hashtext('change_detector.outbox'))")


def _seconds(column: Any) -> Any:
    return func.make_interval(0, 0, 0, 0, 0, 0, column)


def _claimed(row: RowMapping) -> WatchedSource:
    return WatchedSource(**{k: row[k] for k in WatchedSource.__dataclass_fields__})


class PostgresRepository:
    """Implements SourceRepository and Outbox (see ports.py)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def upsert_definition(self, definition: SourceDefinition, now: datetime) -> bool:
        async with self.sessions() as session, session.begin():
            return (await session.execute(definition_upsert(definition, now))).first() is not None

    async def claim_due(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[WatchedSource]:
        params = {"now": now, "limit": limit, "until": now + timedelta(seconds=lease_seconds)}
        async with self.sessions() as session, session.begin():
            rows = (await session.execute(_CLAIM_DUE, params)).mappings().all()
        return [_claimed(r) for r in rows]

    async def claim(
        self, source_id: uuid.UUID, now: datetime, lease_seconds: float
    ) -> WatchedSource:
        params = {
            "source_id": source_id,
            "now": now,
            "until": now + timedelta(seconds=lease_seconds),
        }
        async with self.sessions() as session, session.begin():
            row = (await session.execute(_CLAIM_ONE, params)).mappings().first()
            if row is not None:
                return _claimed(row)
            exists = await session.execute(
                select(SOURCE.c.source_id).where(SOURCE.c.source_id == source_id)
            )
        if exists.first() is None:
            raise NotFound(f"source {source_id} is not watched")
        raise Conflict(f"a check of source {source_id} is already running")

    async def release(
        self, source_id: uuid.UUID, lease_token: uuid.UUID, retry_at: datetime | None = None
    ) -> None:
        values: dict[str, Any] = {"lease_token": None, "lease_until": None}
        if retry_at is not None:
            values["next_check_at"] = retry_at
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(SOURCE)
                .where(SOURCE.c.source_id == source_id, SOURCE.c.lease_token == lease_token)
                .values(**values)
            )

    async def record_check(self, record: CheckRecord) -> bool:
        async with self.sessions() as session, session.begin():
            current = (
                await session.execute(
                    select(SOURCE.c.url, SOURCE.c.interval_seconds)
                    .where(
                        SOURCE.c.source_id == record.source_id,
                        SOURCE.c.lease_token == record.lease_token,
                    )
                    .with_for_update()
                )
            ).first()
            if current is None:
                return False
            same_url = current.url == record.url
            values: dict[str, Any] = {
                "lease_token": None,
                "lease_until": None,
                "last_checked_at": record.checked_at,
                "last_outcome": record.outcome.value,
                "last_failure": record.failure.message if record.failure else None,
                "consecutive_failures": record.consecutive_failures,
                "updated_at": record.checked_at,
                # A URL changed during the check: check the new one right away.
                "next_check_at": record.checked_at
                + timedelta(seconds=current.interval_seconds if same_url else 0),
            }
            if record.outcome != CheckOutcome.FAILED and same_url:
                values |= {"etag": record.etag, "last_modified": record.last_modified}
            if (version := record.new_version) is not None:
                values |= {
                    "sha256": version.sha256,
                    "raw_uri": version.raw_uri,
                    "size_bytes": version.size_bytes,
                    "content_type": version.content_type,
                    "last_change_id": version.change_id,
                    "last_changed_at": version.detected_at,
                }
                await session.execute(
                    insert(CHANGE).values(source_id=record.source_id, **version.__dict__)
                )
            await session.execute(
                update(SOURCE).where(SOURCE.c.source_id == record.source_id).values(**values)
            )
            if record.events:
                await session.execute(
                    insert(OUTBOX),
                    [
                        {
                            "topic": e.topic.value,
                            "message_key": e.key,
                            "payload": e.payload,
                            "created_at": record.checked_at,
                        }
                        for e in record.events
                    ],
                )
        return True

    async def count_active(self) -> int:
        async with self.sessions() as session:
            result = await session.execute(
                select(func.count()).select_from(SOURCE).where(SOURCE.c.active)
            )
            return int(result.scalar_one())

    @asynccontextmanager
    async def pending(self, limit: int) -> AsyncIterator[_Batch | None]:
        async with self.sessions() as session, session.begin():
            if not (await session.execute(_OUTBOX_LOCK)).scalar_one():
                yield None
                return
            rows = (
                await session.execute(
                    select(OUTBOX.c.id, OUTBOX.c.topic, OUTBOX.c.message_key, OUTBOX.c.payload)
                    .where(OUTBOX.c.sent_at.is_(None))
                    .order_by(OUTBOX.c.id)
                    .limit(limit)
                )
            ).all()
            batch = _Batch(
                [PendingMessage(r.id, Topic(r.topic), r.message_key, r.payload) for r in rows]
            )
            yield batch
            if batch.sent_ids:
                await session.execute(
                    update(OUTBOX).where(OUTBOX.c.id.in_(batch.sent_ids)).values(sent_at=utc_now())
                )

    async def purge_sent(self, before: datetime) -> int:
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                delete(OUTBOX).where(OUTBOX.c.sent_at.is_not(None), OUTBOX.c.sent_at < before)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass
class _Batch:
    messages: Sequence[PendingMessage]
    sent_ids: list[int] = field(default_factory=list)

    def mark_sent(self, message_id: int) -> None:
        self.sent_ids.append(message_id)


def definition_upsert(definition: SourceDefinition, now: datetime) -> Any:
    """Insert or re-configure a watched source; returns its id only when applied."""
    values = {
        **definition.__dict__,
        "next_check_at": now,  # a new source is checked at once (a pending request too)
        "updated_at": now,
        "consecutive_failures": 0,
    }
    insert_source = pg_insert(SOURCE).values(**values)
    new = insert_source.excluded
    url_changed = SOURCE.c.url != new.url
    # A "check now" is new only when later than the last one seen: a re-sent definition, or a
    # later change that carries the same old request, does not check again.
    check_requested = and_(
        new.check_requested_at.is_not(None),
        or_(
            SOURCE.c.check_requested_at.is_(None),
            new.check_requested_at > SOURCE.c.check_requested_at,
        ),
    )
    return insert_source.on_conflict_do_update(
        index_elements=[SOURCE.c.source_id],
        set_={
            "name": new.name,
            "url": new.url,
            "interval_seconds": new.interval_seconds,
            "active": new.active,
            "revision": new.revision,
            "updated_at": new.updated_at,
            # The newest request wins (GREATEST ignores NULL), so an older one changes nothing.
            "check_requested_at": func.greatest(
                SOURCE.c.check_requested_at, new.check_requested_at
            ),
            # Validators of another URL mean nothing for the new one; check it at once.
            "etag": _unless(url_changed, SOURCE.c.etag),
            "last_modified": _unless(url_changed, SOURCE.c.last_modified),
            "next_check_at": func.least(
                SOURCE.c.next_check_at,
                func.coalesce(SOURCE.c.last_checked_at, new.updated_at)
                + _seconds(new.interval_seconds),
                _when(url_changed, new.updated_at),
                _when(check_requested, new.check_requested_at),
            ),
        },
        where=SOURCE.c.revision < new.revision,  # older or repeated revisions change nothing
    ).returning(SOURCE.c.source_id)


def _unless(condition: Any, column: Any) -> Any:
    """NULL if the condition holds, else the column's value."""
    return case((condition, null()), else_=column)


def _when(condition: Any, value: Any) -> Any:
    """`value` if the condition holds, else NULL (ignored by LEAST)."""
    return case((condition, value), else_=null())
