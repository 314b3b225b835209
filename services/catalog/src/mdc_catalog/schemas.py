"""API models: what providers send (create/update), what everyone reads (public), and filters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Self

from mdc_contracts import (
    DatasetProfile,
    DatasetSpec,
    Histogram,
    LengthStats,
    ReadReport,
    SchemaChange,
    StatType,
    TemporalProfile,
    ValueCount,
)
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mdc_catalog.models import (
    CheckInterval,
    ColumnBase,
    SourceBase,
    SourceMetadata,
    SourceUrl,
    Tag,
)

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50

# --- sources -------------------------------------------------------------------------------


class SourceCreate(SourceBase):
    """Body of POST /admin/sources."""

    # Unknown fields are refused, so a misspelt field is an error rather than silently lost.
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


class SourceUpdate(SourceMetadata):
    """Body of PATCH /admin/sources/{id}: only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    url: SourceUrl | None = None
    check_interval_seconds: CheckInterval | None = None
    active: bool | None = Field(default=None, description="false pauses checks; true resumes.")
    tags: list[Tag] | None = Field(default=None, max_length=50)  # type: ignore[assignment]

    @field_validator("url", "check_interval_seconds", "active", "tags")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Optional in the body (absent = unchanged), but null would break the definition.
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class SourceError(BaseModel):
    """Why the last check or the last processing of a source failed."""

    reason: str = Field(examples=["http_status", "timeout", "processing"])
    message: str
    http_status: int | None = None
    at: datetime
    stage: str | None = Field(default=None, description="Processing stage, for `processing`.")
    row: int | None = None
    column: str | None = None


class SourcePublic(SourceBase):
    """A source with its definition and its status."""

    id: uuid.UUID
    active: bool
    revision: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    last_checked_at: datetime | None = None
    last_changed_at: datetime | None = None
    last_outcome: str | None = None
    last_error: SourceError | None = None
    consecutive_failures: int = 0
    last_processed_at: datetime | None = None
    dataset_id: uuid.UUID | None = None
    latest_version: int | None = None


class SourcePage(BaseModel):
    items: list[SourcePublic]
    total: int


class SourceFilter(BaseModel):
    """Query parameters of GET /admin/sources."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=128, description="Exact name.")
    active: bool | None = None
    include_deleted: bool = False
    limit: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0)


# --- datasets ------------------------------------------------------------------------------


class DatasetFilter(BaseModel):
    """Query parameters of GET /datasets; every one narrows the result."""

    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Case-insensitive substring of name, title, description or a column name.",
    )
    name: str | None = Field(default=None, max_length=128, description="Exact name.")
    min_rows: int | None = Field(default=None, ge=0)
    max_rows: int | None = Field(default=None, ge=0)
    limit: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _rows_range(self) -> Self:
        if (
            self.min_rows is not None
            and self.max_rows is not None
            and self.min_rows > self.max_rows
        ):
            raise ValueError("min_rows must not be greater than max_rows")
        return self


class DatasetSummary(BaseModel):
    id: uuid.UUID
    name: str
    title: str | None = None
    source_id: uuid.UUID | None = None
    row_count: int
    column_count: int
    version: int = Field(description="The latest version.")
    updated_at: datetime = Field(description="When the latest version was created.")
    parquet_uri: str


class DatasetPage(BaseModel):
    items: list[DatasetSummary]
    total: int


class ColumnPublic(ColumnBase):
    """A column of the effective schema with its profile (optional fields: older versions
    were recorded before full profiles were kept)."""

    source_name: str | None = Field(default=None, description="Name in the raw file, if renamed.")
    inferred_stat_type: StatType | None = None
    distinct_is_estimate: bool = False
    mean: float | None = None
    std: float | None = None
    quantiles: dict[str, float] | None = None
    histogram: Histogram | None = None
    top_values: list[ValueCount] | None = None
    string_length: LengthStats | None = None
    temporal: TemporalProfile | None = None
    categories: list[str] | None = None
    unit: str | None = None
    description: str | None = None
    pii: bool = False


class VersionFacts(BaseModel):
    """How a version was made: its dataset profile, how the raw file was read, which spec."""

    profile: DatasetProfile | None = None
    read: ReadReport | None = None
    spec_version: int | None = None
    reason: str | None = Field(default=None, examples=["source_changed", "spec_changed"])


class DatasetDetail(DatasetSummary, VersionFacts):
    description: str | None = None
    raw_sha256: str
    encoding: str
    delimiter: str
    created_at: datetime = Field(description="When the catalog first saw the dataset.")
    columns: list[ColumnPublic]


class VersionSummary(BaseModel):
    version: int
    created_at: datetime
    row_count: int
    column_count: int
    raw_sha256: str
    parquet_uri: str


class VersionPage(BaseModel):
    items: list[VersionSummary] = Field(description="Newest first.")
    total: int


class VersionDetail(VersionSummary, VersionFacts):
    dataset_id: uuid.UUID
    change_id: uuid.UUID
    encoding: str
    delimiter: str
    columns: list[ColumnPublic]


# --- specs and schema changes ----------------------------------------------------------------


class SpecVersion(BaseModel):
    dataset_id: uuid.UUID
    version: int
    spec: DatasetSpec
    created_at: datetime
    created_by: str | None = Field(default=None, description="Fingerprint of the provider key.")


class SpecVersionPage(BaseModel):
    items: list[SpecVersion] = Field(description="Newest first.")
    total: int


class SchemaChangePublic(BaseModel):
    event_id: uuid.UUID
    from_version: int
    to_version: int
    breaking: bool
    changes: list[SchemaChange]
    occurred_at: datetime


class SchemaChangePage(BaseModel):
    items: list[SchemaChangePublic] = Field(description="Newest first.")
    total: int
