"""Tables of the `catalog` schema, and the field sets they share with the API models.

SQLModel's three roles: a `*Base` with the shared, validated fields; the table model
(`table=True`, never validated on construction); and the API input/output models in
`schemas.py`, which derive from the same bases.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from mdc_contracts import utc_now
from pydantic import AfterValidator, HttpUrl, StringConstraints, TypeAdapter
from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from mdc_catalog.cadence import Cadence
from mdc_catalog.config import SCHEMA

SOURCE_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,127}$"
# The contract's floor; the deployment's own floor (default 5 s) is a setting, checked by the API.
CHECK_INTERVAL_FLOOR_SECONDS = 1
DEFAULT_CHECK_INTERVAL_SECONDS = 3600

_http_url = TypeAdapter(HttpUrl)


def _require_http_url(value: str) -> str:
    # Validate as an http(s) URL but keep the provider's spelling: normalizing could change
    # what the change-detector downloads (trailing slashes, percent-encoding).
    _http_url.validate_python(value)
    return value


SourceName = Annotated[str, StringConstraints(pattern=SOURCE_NAME_PATTERN)]
SourceUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2048),
    AfterValidator(_require_http_url),
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
CheckInterval = Annotated[int, Field(ge=CHECK_INTERVAL_FLOOR_SECONDS, le=366 * 24 * 3600)]

# Tables of this service only, in their own metadata, so create_all never touches other schemas.
catalog_registry = registry(metadata=MetaData(schema=SCHEMA))


class CatalogTable(SQLModel, registry=catalog_registry):
    """Base of the catalog's tables."""


def _timestamp(**kwargs: Any) -> Any:
    return Field(sa_type=DateTime(timezone=True), **kwargs)


# --- sources -------------------------------------------------------------------------------


class SourceMetadata(SQLModel):
    """Descriptive fields of a source that a provider may change at any time."""

    title: ShortText | None = None
    description: LongText | None = None
    publisher: ShortText | None = None
    license: ShortText | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    # Plain text in the table (not a database enum), so a new cadence needs no ALTER TYPE.
    cadence: Cadence = Field(
        default=Cadence.UNKNOWN,
        sa_type=String(16),
        description="How often the publisher updates the source; `unknown` is never stale.",
    )


class SourceBase(SourceMetadata):
    name: SourceName
    url: SourceUrl
    check_interval_seconds: CheckInterval = DEFAULT_CHECK_INTERVAL_SECONDS


class Source(CatalogTable, SourceBase, table=True):
    """An ultimate source: its definition, and the status reported by the other services."""

    __tablename__ = "source"
    __table_args__ = (UniqueConstraint("name", name="source_name_key"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    tags: list[str] = Field(default_factory=list, sa_type=JSONB)
    active: bool = True
    # Increments on every change of the definition; the change-detector keeps the highest.
    revision: int = 1
    # Highest revision known to be on the definitions topic; lower means "publish again".
    published_revision: int = 0
    created_at: datetime = _timestamp(default_factory=utc_now)
    updated_at: datetime = _timestamp(default_factory=utc_now)
    deleted_at: datetime | None = _timestamp(default=None)
    # When a provider last asked for a check now; published with the definition.
    check_requested_at: datetime | None = _timestamp(default=None)

    # Status, from SourceChecked / DatasetVersionCreated / DatasetProcessingFailed.
    last_checked_at: datetime | None = _timestamp(default=None)
    last_changed_at: datetime | None = _timestamp(default=None)
    last_outcome: str | None = None
    consecutive_failures: int = 0
    # Kept apart so that a successful check does not hide a file that still fails processing.
    check_error: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    processing_error: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    last_processed_at: datetime | None = _timestamp(default=None)
    dataset_id: uuid.UUID | None = None
    latest_version: int | None = None


# --- datasets ------------------------------------------------------------------------------


class Dataset(CatalogTable, table=True):
    """A dataset and a copy of its latest version's headline facts (for fast search)."""

    __tablename__ = "dataset"
    __table_args__ = (Index("dataset_name_idx", "name"),)

    id: uuid.UUID = Field(primary_key=True)
    name: str
    # Own title/description for datasets without a source; source datasets show the source's.
    title: str | None = None
    description: str | None = None
    source_id: uuid.UUID | None = Field(default=None, index=True)
    latest_version: int
    row_count: int = Field(sa_type=BigInteger)
    column_count: int
    parquet_uri: str
    raw_sha256: str
    encoding: str
    delimiter: str
    updated_at: datetime = _timestamp()
    created_at: datetime = _timestamp(default_factory=utc_now)


class DatasetVersion(CatalogTable, table=True):
    """One immutable version of a dataset; (dataset_id, version) is the idempotency key."""

    __tablename__ = "dataset_version"
    __table_args__ = (
        ForeignKeyConstraint(["dataset_id"], [f"{SCHEMA}.dataset.id"], ondelete="CASCADE"),
    )

    dataset_id: uuid.UUID = Field(primary_key=True)
    version: int = Field(primary_key=True)
    source_id: uuid.UUID | None = None
    change_id: uuid.UUID
    event_id: uuid.UUID
    row_count: int = Field(sa_type=BigInteger)
    column_count: int
    raw_sha256: str
    parquet_uri: str
    encoding: str
    delimiter: str
    created_at: datetime = _timestamp()
    recorded_at: datetime = _timestamp(default_factory=utc_now)


class ColumnBase(SQLModel):
    name: str
    position: int
    dtype: str
    stat_type: str
    stat_type_confidence: float
    stat_type_evidence: str
    null_count: int
    distinct_count: int
    min: str | None = None
    max: str | None = None


class DatasetColumn(CatalogTable, ColumnBase, table=True):
    """A column of one dataset version, with its profile."""

    __tablename__ = "dataset_column"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataset_id", "version"],
            [f"{SCHEMA}.dataset_version.dataset_id", f"{SCHEMA}.dataset_version.version"],
            ondelete="CASCADE",
        ),
        # Explicit, so the key leads with (dataset_id, version): columns are read per version.
        PrimaryKeyConstraint("dataset_id", "version", "position"),
        Index("dataset_column_name_idx", "name"),
    )

    dataset_id: uuid.UUID = Field(primary_key=True)
    version: int = Field(primary_key=True)
    position: int = Field(primary_key=True)
    null_count: int = Field(sa_type=BigInteger)
    distinct_count: int = Field(sa_type=BigInteger)


# --- profiles, specs and drift (issue 3: new tables, so no existing table is altered) ---------


class DatasetVersionProfile(CatalogTable, table=True):
    """What a version says beyond its flat columns: full column profiles, dataset profile,
    how the raw file was read, and which spec made it."""

    __tablename__ = "dataset_version_profile"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataset_id", "version"],
            [f"{SCHEMA}.dataset_version.dataset_id", f"{SCHEMA}.dataset_version.version"],
            ondelete="CASCADE",
        ),
    )

    dataset_id: uuid.UUID = Field(primary_key=True)
    version: int = Field(primary_key=True)
    reason: str = "source_changed"
    spec_version: int | None = None
    columns: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB)  # ColumnProfile
    profile: dict[str, Any] | None = Field(default=None, sa_type=JSONB)  # DatasetProfile
    read: dict[str, Any] | None = Field(default=None, sa_type=JSONB)  # ReadReport
    # Flat copies of profile counts, to filter datasets on later.
    binary_columns: int | None = None
    low_cardinality_columns: int | None = None
    datetime_columns: int | None = None
    measurement_columns: int | None = None
    duplicate_rows: int | None = Field(default=None, sa_type=BigInteger)


class DatasetSpecRecord(CatalogTable, table=True):
    """One version of a dataset's spec, as a provider published it (immutable)."""

    __tablename__ = "dataset_spec"

    dataset_id: uuid.UUID = Field(primary_key=True)
    version: int = Field(primary_key=True)
    spec: dict[str, Any] = Field(sa_type=JSONB)  # DatasetSpec
    created_at: datetime = _timestamp(default_factory=utc_now)
    created_by: str | None = None  # the provider key's fingerprint


class SchemaChangeRecord(CatalogTable, table=True):
    """Drift between two versions (SchemaChanged); the event id is the idempotency key."""

    __tablename__ = "schema_change"
    __table_args__ = (Index("schema_change_dataset_idx", "dataset_id", "to_version"),)

    event_id: uuid.UUID = Field(primary_key=True)
    dataset_id: uuid.UUID
    from_version: int
    to_version: int
    breaking: bool
    changes: list[dict[str, Any]] = Field(sa_type=JSONB)  # SchemaChange
    occurred_at: datetime = _timestamp()
    recorded_at: datetime = _timestamp(default_factory=utc_now)


class SourceFailureRecord(CatalogTable, table=True):
    """One failed download (SourceChecked, outcome failed) or processing of a source
    (DatasetProcessingFailed), kept for the technicians' history; the event id is the
    idempotency key. The source row keeps only the open errors; this keeps them all."""

    __tablename__ = "source_failure"
    __table_args__ = (
        Index("source_failure_time_idx", "occurred_at"),
        Index("source_failure_source_idx", "source_id", "occurred_at"),
    )

    event_id: uuid.UUID = Field(primary_key=True)
    source_id: uuid.UUID
    kind: str = Field(sa_type=String(16))  # download | processing
    reason: str = Field(sa_type=String(32))  # FailureReason, or "processing"
    stage: str | None = Field(default=None, sa_type=String(16))  # processing stage
    message: str
    http_status: int | None = None
    row: int | None = Field(default=None, sa_type=BigInteger)
    column_name: str | None = None
    consecutive_failures: int | None = None  # downloads only
    change_id: uuid.UUID | None = None
    occurred_at: datetime = _timestamp()
    recorded_at: datetime = _timestamp(default_factory=utc_now)
