"""Tables of the `change_detector` schema, and the API models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from mdc_contracts import CheckFailure, CheckOutcome
from pydantic import BaseModel
from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from mdc_change_detector.config import SCHEMA


class DetectorTable(SQLModel, registry=registry()):
    """Base of this service's tables: their own metadata, so create_all touches only them."""


def _timestamp(nullable: bool = True) -> Any:
    return Field(default=None, sa_type=DateTime(timezone=True), nullable=nullable)


class WatchedSourceRow(DetectorTable, table=True):
    __tablename__ = "watched_source"
    __table_args__ = (
        Index("ix_watched_source_due", "next_check_at", postgresql_where=text("active")),
        {"schema": SCHEMA},
    )

    source_id: uuid.UUID = Field(primary_key=True)
    name: str
    url: str
    interval_seconds: int
    active: bool
    revision: int
    next_check_at: datetime = Field(sa_type=DateTime(timezone=True))
    # The latest "check now" of a provider seen (nullable: added to existing tables at start).
    check_requested_at: datetime | None = _timestamp()
    # A claimed source is reserved until lease_until; the token proves who holds the claim.
    lease_token: uuid.UUID | None = None
    lease_until: datetime | None = _timestamp()
    # Validators of the last response, for conditional requests.
    etag: str | None = None
    last_modified: str | None = None
    # The last good version: a failed check never touches these.
    sha256: str | None = None
    raw_uri: str | None = None
    size_bytes: int | None = Field(default=None, sa_type=BigInteger)
    content_type: str | None = None
    last_change_id: uuid.UUID | None = None
    last_changed_at: datetime | None = _timestamp()
    last_checked_at: datetime | None = _timestamp()
    last_outcome: str | None = None
    last_failure: str | None = None
    consecutive_failures: int = 0
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class SourceChangeRow(DetectorTable, table=True):
    __tablename__ = "source_change"
    __table_args__ = {"schema": SCHEMA}

    change_id: uuid.UUID = Field(primary_key=True)
    source_id: uuid.UUID = Field(index=True)
    sha256: str
    raw_uri: str
    size_bytes: int = Field(sa_type=BigInteger)
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    detected_at: datetime = Field(sa_type=DateTime(timezone=True))


class OutboxRow(DetectorTable, table=True):
    """Events committed with the state that caused them; the relay publishes them in id order."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_unsent", "id", postgresql_where=text("sent_at IS NULL")),
        {"schema": SCHEMA},
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    topic: str
    message_key: str
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    sent_at: datetime | None = _timestamp()


class CheckReport(BaseModel):
    """The outcome of one check, as returned by POST /sources/{id}/check."""

    source_id: uuid.UUID
    url: str
    outcome: CheckOutcome
    checked_at: datetime
    duration_ms: float
    sha256: str | None = None
    change_id: uuid.UUID | None = None
    raw_uri: str | None = None
    failure: CheckFailure | None = None
    consecutive_failures: int = 0
    recorded: bool = True
