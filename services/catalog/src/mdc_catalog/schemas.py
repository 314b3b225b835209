"""API models: what providers send (create/update), what everyone reads (public), and filters."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

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
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from mdc_catalog.models import (
    CheckInterval,
    ColumnBase,
    SourceBase,
    SourceMetadata,
    SourceUrl,
    Tag,
)

MAX_PAGE_SIZE = 500
# PostgreSQL integer and bigint bounds: a larger number is a 422, not a driver error (500).
INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1
DEFAULT_PAGE_SIZE = 50

# --- sources -------------------------------------------------------------------------------


class SourceCreate(SourceBase):
    """Body of POST /admin/sources."""

    # Unknown fields are refused, so a misspelt field is an error rather than silently lost.
    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "palmer-penguins",
                    "url": "https://data.example.org/penguins.csv",
                    "title": "Palmer penguins",
                    "publisher": "Palmer Station LTER",
                    "license": "CC0-1.0",
                    "tags": ["biology", "antarctica"],
                    "cadence": "yearly",
                    "check_interval_seconds": 3600,
                }
            ]
        },
    )


class SourceUpdate(SourceMetadata):
    """Body of PATCH /admin/sources/{id}: only the fields sent are changed."""

    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"cadence": "monthly", "tags": ["biology", "antarctica", "seabirds"]},
                {"active": False},
            ]
        },
    )

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
    check_requested_at: datetime | None = Field(
        default=None, description="When a provider last asked for a check now."
    )
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
    offset: int = Field(default=0, ge=0, le=INT4_MAX)


# --- datasets ------------------------------------------------------------------------------


class DatasetSort(StrEnum):
    NAME = "name"
    NAME_DESC = "-name"
    ROWS = "rows"
    ROWS_DESC = "-rows"
    COLUMNS = "columns"
    COLUMNS_DESC = "-columns"
    UPDATED = "updated"
    UPDATED_DESC = "-updated"
    RELEVANCE = "relevance"


class Facet(StrEnum):
    PUBLISHER = "publisher"
    LICENSE = "license"
    TAG = "tag"
    STAT_TYPE = "stat_type"


DEFAULT_LOW_CARDINALITY_MAX = 20
MAX_QUERY_WORDS = 16
# Words of a text query: letters and digits (the tokens of PostgreSQL's text search parser).
QUERY_WORD = re.compile(r"[^\W_]+")


def _unused(value: Any) -> bool:
    return value is None or value == []


def _refinement(description: str, **kwargs: Any) -> Any:
    """A search refinement: omitted from the filter's dump when unused, so logs stay short."""
    return Field(default=None, exclude_if=_unused, description=description, **kwargs)


def _column_count(description: str) -> Any:
    """A number of columns: a refinement within PostgreSQL's integer range."""
    return _refinement(description, ge=0, le=INT4_MAX)


def _split_commas(value: Any) -> Any:
    # `facets=publisher,tag` and `facets=publisher&facets=tag` mean the same.
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return [part.strip() for item in value for part in str(item).split(",") if part.strip()]
    return value


class DatasetFilter(BaseModel):
    """Query parameters of GET /datasets; every one narrows the result (repeated ones: all)."""

    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Words (prefixes) of the name, title, description, tags or column names; "
        "all must occur.",
    )
    name: str | None = Field(default=None, max_length=128, description="Exact name.")
    min_rows: int | None = Field(default=None, ge=0, le=INT8_MAX)
    max_rows: int | None = Field(default=None, ge=0, le=INT8_MAX)
    limit: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0, le=INT4_MAX)
    min_columns: int | None = _column_count("At least this many columns.")
    max_columns: int | None = _column_count("At most this many columns.")
    min_binary: int | None = _column_count("At least this many binary columns.")
    min_nominal: int | None = _column_count("At least this many nominal columns.")
    min_ordinal: int | None = _column_count("At least this many ordinal columns.")
    min_low_cardinality: int | None = _refinement(
        "At least this many binary, nominal or ordinal columns with 2 to "
        "`low_cardinality_max` distinct values.",
        ge=0,
        le=INT4_MAX,
    )
    low_cardinality_max: int | None = _refinement(
        f"Most distinct values of a low-cardinality column (default "
        f"{DEFAULT_LOW_CARDINALITY_MAX}).",
        ge=2,
        le=10_000,
    )
    min_datetime: int | None = _column_count("At least this many datetime/date/time columns.")
    min_measurement: int | None = _column_count(
        "At least this many measurement (continuous or count) columns."
    )
    min_identifier: int | None = _column_count("At least this many identifier columns.")
    min_geo: int | None = _column_count("At least this many latitude/longitude columns.")
    has_type: list[StatType] | None = _refinement(
        "Has a column of each of these statistical types.", max_length=len(StatType)
    )
    lacks_type: list[StatType] | None = _refinement(
        "Has no column of any of these statistical types.", max_length=len(StatType)
    )
    column: str | None = _refinement(
        "Has a column of this name (case-insensitive).", min_length=1, max_length=256
    )
    column_type: StatType | None = _refinement(
        "Has a column of this statistical type (with `column`: that column has it)."
    )
    publisher: str | None = _refinement("Exact publisher.", min_length=1, max_length=300)
    license: str | None = _refinement("Exact license.", min_length=1, max_length=300)
    tag: list[Tag] | None = _refinement("Has every one of these tags.", max_length=20)
    updated_since: AwareDatetime | None = _refinement(
        "Latest version created at or after this time (with a time zone)."
    )
    sort: DatasetSort | None = _refinement(
        "Order of the results (`-` for descending); ties by id. Default: relevance with `q` "
        "(per word of `q`, the best part of the dataset it matches: name or title 10, column "
        "or tag 4, description 2; summed, then by name), else name."
    )
    facets: Annotated[list[Facet] | None, BeforeValidator(_split_commas)] = _refinement(
        "Counts per value over the whole result, e.g. `publisher,license,tag,stat_type`.",
        max_length=len(Facet),
    )

    @field_validator("q")
    @classmethod
    def _has_words(cls, value: str | None) -> str | None:
        if value is not None:
            words = QUERY_WORD.findall(value)
            if not words:
                raise ValueError("q needs at least one letter or digit")
            if len(words) > MAX_QUERY_WORDS:
                raise ValueError(f"q has more than {MAX_QUERY_WORDS} words")
        return value

    # Cross-field checks as field validators of the later field, so a 422 names that field.
    @field_validator("max_rows", "max_columns")
    @classmethod
    def _range(cls, value: int | None, info: ValidationInfo) -> int | None:
        low = f"min_{info.field_name.removeprefix('max_')}"
        bottom = info.data.get(low)
        if value is not None and bottom is not None and bottom > value:
            raise ValueError(f"{info.field_name} must not be less than {low}")
        return value

    @field_validator("lacks_type")
    @classmethod
    def _not_both(cls, value: list[StatType] | None, info: ValidationInfo) -> Any:
        both = set(value or []) & set(info.data.get("has_type") or [])
        if both:
            raise ValueError(f"has_type also names {sorted(t.value for t in both)}")
        return value

    @field_validator("sort")
    @classmethod
    def _relevance_needs_q(cls, value: DatasetSort | None, info: ValidationInfo) -> Any:
        if value is DatasetSort.RELEVANCE and info.data.get("q") is None:
            raise ValueError("sort=relevance needs q")
        return value

    def query_words(self) -> list[str]:
        return [word.lower() for word in QUERY_WORD.findall(self.q or "")]

    def effective_sort(self) -> DatasetSort:
        if self.sort is not None:
            return self.sort
        return DatasetSort.RELEVANCE if self.q is not None else DatasetSort.NAME

    def effective_low_cardinality_max(self) -> int:
        return self.low_cardinality_max or DEFAULT_LOW_CARDINALITY_MAX


class FacetCount(BaseModel):
    value: str
    count: int = Field(description="Datasets of the whole result with this value.")


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
    facets: dict[Facet, list[FacetCount]] | None = Field(
        default=None,
        exclude_if=_unused,
        description="Only when asked for (`facets=`): most frequent first, then by value.",
    )


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
    created_by: str | None = Field(
        default=None, description="Who published it: the API key's name (older: its fingerprint)."
    )


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
