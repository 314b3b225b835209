"""Tables of schema `lineage` (SQLModel, on a registry of their own so that `create_schema`
creates these tables only, even when other services' models are imported in the same process)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from mdc_lineage.config import DB_SCHEMA

_TZ = DateTime(timezone=True)
_JSON = JSONB(none_as_null=True)  # Python None is SQL NULL (not JSON null), so COALESCE works
_NOW = {"server_default": func.now(), "nullable": False}


class LineageTable(SQLModel, registry=registry(metadata=MetaData(schema=DB_SCHEMA))):
    """Base of the lineage tables; its `metadata` holds them and nothing else."""


LINEAGE_METADATA: MetaData = LineageTable.metadata


class NamespaceRow(LineageTable, table=True):
    __tablename__ = "namespaces"

    name: str = Field(primary_key=True)
    created_at: datetime | None = Field(default=None, sa_type=_TZ, sa_column_kwargs=_NOW)


class JobRow(LineageTable, table=True):
    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("namespace", "name"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    namespace: str = Field(foreign_key=f"{DB_SCHEMA}.namespaces.name")
    name: str
    created_at: datetime | None = Field(default=None, sa_type=_TZ, sa_column_kwargs=_NOW)
    updated_at: datetime | None = Field(default=None, sa_type=_TZ, sa_column_kwargs=_NOW)


class DatasetRow(LineageTable, table=True):
    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("namespace", "name"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    namespace: str = Field(foreign_key=f"{DB_SCHEMA}.namespaces.name")
    name: str
    created_at: datetime | None = Field(default=None, sa_type=_TZ, sa_column_kwargs=_NOW)
    updated_at: datetime | None = Field(default=None, sa_type=_TZ, sa_column_kwargs=_NOW)
    # Latest schema facet fields (by eventTime) and when they were reported.
    fields: list[dict[str, Any]] | None = Field(default=None, sa_type=_JSON)
    fields_at: datetime | None = Field(default=None, sa_type=_TZ)
    # Latest version (see merging.replaces_current_version).
    current_version: str | None = None
    current_version_at: datetime | None = Field(default=None, sa_type=_TZ)
    current_version_written: bool = False


class RunRow(LineageTable, table=True):
    __tablename__ = "runs"

    run_id: uuid.UUID = Field(primary_key=True)
    job_id: int = Field(sa_type=BigInteger, foreign_key=f"{DB_SCHEMA}.jobs.id", index=True)
    state: str
    state_at: datetime | None = Field(default=None, sa_type=_TZ)
    started_at: datetime | None = Field(default=None, sa_type=_TZ)
    ended_at: datetime | None = Field(default=None, sa_type=_TZ)
    parent_run_id: uuid.UUID | None = None
    parent_job_namespace: str | None = None
    parent_job_name: str | None = None
    error_message: str | None = None
    created_at: datetime | None = Field(default=None, sa_type=_TZ, sa_column_kwargs=_NOW)
    updated_at: datetime | None = Field(default=None, sa_type=_TZ, sa_column_kwargs=_NOW)


class RunEventRow(LineageTable, table=True):
    """Every distinct event as received: the idempotency key of ingestion and the raw record."""

    __tablename__ = "run_events"
    __table_args__ = (UniqueConstraint("run_id", "event_type", "event_time"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    # Deferred: the event row is written first, as the duplicate check, before its run.
    run_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid,
            ForeignKey(f"{DB_SCHEMA}.runs.run_id", deferrable=True, initially="DEFERRED"),
            nullable=False,
        )
    )
    event_type: str
    event_time: datetime = Field(sa_type=_TZ)
    door: str
    received_at: datetime | None = Field(default=None, sa_type=_TZ, sa_column_kwargs=_NOW)
    payload: dict[str, Any] = Field(sa_type=_JSON)


class EdgeRow(LineageTable, table=True):
    """job -> dataset (output) or dataset -> job (input), with the run that saw it last."""

    __tablename__ = "edges"
    __table_args__ = (
        UniqueConstraint("job_id", "dataset_id", "direction"),
        CheckConstraint("direction IN ('input', 'output')", name="edges_direction"),
        Index("ix_edges_dataset_direction", "dataset_id", "direction"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    job_id: int = Field(sa_type=BigInteger, foreign_key=f"{DB_SCHEMA}.jobs.id")
    dataset_id: int = Field(sa_type=BigInteger, foreign_key=f"{DB_SCHEMA}.datasets.id")
    direction: str
    run_id: uuid.UUID = Field(foreign_key=f"{DB_SCHEMA}.runs.run_id")
    first_seen_at: datetime = Field(sa_type=_TZ)
    last_seen_at: datetime = Field(sa_type=_TZ)


class DatasetVersionRow(LineageTable, table=True):
    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "version"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    dataset_id: int = Field(sa_type=BigInteger, foreign_key=f"{DB_SCHEMA}.datasets.id")
    version: str
    origin: str
    written: bool
    run_id: uuid.UUID = Field(foreign_key=f"{DB_SCHEMA}.runs.run_id")
    created_at: datetime = Field(sa_type=_TZ)  # eventTime that first reported the version
    recorded_at: datetime | None = Field(default=None, sa_type=_TZ, sa_column_kwargs=_NOW)
    row_count: int | None = Field(default=None, sa_type=BigInteger)
    byte_count: int | None = Field(default=None, sa_type=BigInteger)
    fields: list[dict[str, Any]] | None = Field(default=None, sa_type=_JSON)


class ColumnEdgeRow(LineageTable, table=True):
    """input_field of one dataset -> output_field of another, as job `job_id` reported it in a
    `columnLineage` facet; output_field '' means the whole output dataset depends on the input
    field (filters, joins, sorts). The transformation is that of the latest report by eventTime,
    `run_id` the run of that report."""

    __tablename__ = "column_edges"
    __table_args__ = (
        UniqueConstraint(
            "job_id", "input_dataset_id", "input_field", "output_dataset_id", "output_field"
        ),
        Index("ix_column_edges_input", "input_dataset_id", "input_field"),
        Index("ix_column_edges_output", "output_dataset_id", "output_field"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    job_id: int = Field(sa_type=BigInteger, foreign_key=f"{DB_SCHEMA}.jobs.id")
    input_dataset_id: int = Field(sa_type=BigInteger, foreign_key=f"{DB_SCHEMA}.datasets.id")
    input_field: str = Field(sa_type=Text)
    output_dataset_id: int = Field(sa_type=BigInteger, foreign_key=f"{DB_SCHEMA}.datasets.id")
    output_field: str = Field(sa_type=Text)
    transformation_type: str | None = Field(default=None, sa_type=Text)  # DIRECT | INDIRECT
    transformation_subtype: str | None = Field(default=None, sa_type=Text)  # IDENTITY, FILTER...
    description: str | None = Field(default=None, sa_type=Text)
    run_id: uuid.UUID = Field(foreign_key=f"{DB_SCHEMA}.runs.run_id")
    first_seen_at: datetime = Field(sa_type=_TZ)
    last_seen_at: datetime = Field(sa_type=_TZ)


class RunDatasetRow(LineageTable, table=True):
    """What a run read (input) and wrote (output), from every event of the run: the version and
    statistics, also when they make no new dataset version (a START, an identical re-run)."""

    __tablename__ = "run_datasets"
    __table_args__ = (
        CheckConstraint("direction IN ('input', 'output')", name="run_datasets_direction"),
        Index("ix_run_datasets_dataset", "dataset_id"),
    )

    # The primary key is the unique (run_id, dataset_id, direction).
    run_id: uuid.UUID = Field(primary_key=True, foreign_key=f"{DB_SCHEMA}.runs.run_id")
    dataset_id: int = Field(
        primary_key=True, sa_type=BigInteger, foreign_key=f"{DB_SCHEMA}.datasets.id"
    )
    direction: str = Field(primary_key=True, sa_type=Text)
    version: str | None = Field(default=None, sa_type=Text)
    row_count: int | None = Field(default=None, sa_type=BigInteger)
    byte_count: int | None = Field(default=None, sa_type=BigInteger)
    event_time: datetime = Field(sa_type=_TZ)  # latest eventTime that reported it for the run


# The tables as SQLAlchemy Core sees them, for the repository's upserts and reads.
namespaces_table = LINEAGE_METADATA.tables[f"{DB_SCHEMA}.namespaces"]
jobs_table = LINEAGE_METADATA.tables[f"{DB_SCHEMA}.jobs"]
datasets_table = LINEAGE_METADATA.tables[f"{DB_SCHEMA}.datasets"]
runs_table = LINEAGE_METADATA.tables[f"{DB_SCHEMA}.runs"]
run_events_table = LINEAGE_METADATA.tables[f"{DB_SCHEMA}.run_events"]
edges_table = LINEAGE_METADATA.tables[f"{DB_SCHEMA}.edges"]
dataset_versions_table = LINEAGE_METADATA.tables[f"{DB_SCHEMA}.dataset_versions"]
column_edges_table = LINEAGE_METADATA.tables[f"{DB_SCHEMA}.column_edges"]
run_datasets_table = LINEAGE_METADATA.tables[f"{DB_SCHEMA}.run_datasets"]
