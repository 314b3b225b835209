"""Tables of the `profiler` schema."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from mdc_profiler.config import SCHEMA


class ProfilerTable(SQLModel, registry=registry()):
    """Base of this service's tables: their own metadata, so create_all touches only them."""


class DatasetVersionRow(ProfilerTable, table=True):
    """One version per change: assigned once, reused on redelivery (the idempotency key)."""

    __tablename__ = "dataset_version"
    __table_args__ = (
        UniqueConstraint("dataset_id", "version", name="uq_dataset_version"),
        {"schema": SCHEMA},
    )

    change_id: uuid.UUID = Field(primary_key=True)
    dataset_id: uuid.UUID = Field(index=True)
    version: int
    dataset_name: str
    raw_sha256: str
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    parquet_uri: str | None = None
    row_count: int | None = Field(default=None, sa_type=BigInteger)
    completed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # The events published on completion, re-published verbatim on redelivery.
    published: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
