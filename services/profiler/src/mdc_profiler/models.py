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
    # Added with the provider's spec and drift detection (nullable: additive migration).
    raw_uri: str | None = None
    reason: str | None = None
    spec_version: int | None = None
    # The version's ColumnProfiles, compared with the next version's to detect drift.
    columns: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))


class DatasetSpecRow(ProfilerTable, table=True):
    """The latest spec of each dataset (DatasetSpecPublished), applied to every new version."""

    __tablename__ = "dataset_spec"
    __table_args__ = {"schema": SCHEMA}

    dataset_id: uuid.UUID = Field(primary_key=True)
    spec_version: int
    spec: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


# Columns added to tables that may already exist (create_all does not alter tables).
MIGRATIONS = [
    f"ALTER TABLE {SCHEMA}.dataset_version ADD COLUMN IF NOT EXISTS {column}"
    for column in ("raw_uri VARCHAR", "reason VARCHAR", "spec_version INTEGER", "columns JSON")
]
