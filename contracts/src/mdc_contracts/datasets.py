"""Events about datasets: a new standardized version, or a failure to produce one (profiler)."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mdc_contracts.envelope import Envelope


class StatType(StrEnum):
    """Statistical type of a column: what kind of variable it is for statistics and ML."""

    CONSTANT = "constant"
    BINARY = "binary"
    NOMINAL = "nominal"
    ORDINAL = "ordinal"
    COUNT = "count"
    CONTINUOUS = "continuous"
    DATETIME = "datetime"
    DATE = "date"
    TIME = "time"
    IDENTIFIER = "identifier"
    TEXT = "text"
    LATITUDE = "latitude"
    LONGITUDE = "longitude"
    EMPTY = "empty"


class ValueCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: str | None = Field(description="The value rendered as text; null for missing.")
    count: int = Field(ge=0)


class Histogram(BaseModel):
    """Equal-width bins over [min, max]: `edges` has one more element than `counts`; a bin
    holds the values in (edges[k], edges[k+1]], the first one also the minimum."""

    model_config = ConfigDict(frozen=True)

    edges: list[float]
    counts: list[int]


class LengthStats(BaseModel):
    model_config = ConfigDict(frozen=True)

    min: int = Field(ge=0)
    max: int = Field(ge=0)
    mean: float = Field(ge=0)


class TemporalProfile(BaseModel):
    model_config = ConfigDict(frozen=True)

    min: str | None = Field(default=None, description="Earliest value, ISO 8601.")
    max: str | None = Field(default=None, description="Latest value, ISO 8601.")
    granularity: str | None = Field(
        default=None, examples=["day"], description="second, minute, hour, day, month or year."
    )
    source_format: str | None = Field(
        default=None, examples=["%d/%m/%Y"], description="Format the text was parsed with."
    )
    day_first: bool | None = Field(default=None, description="Decided from the data.")


class ColumnProfile(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    position: int = Field(ge=0)
    dtype: str = Field(description="Storage type in the Parquet file.", examples=["Int64"])
    stat_type: StatType
    stat_type_confidence: float = Field(ge=0, le=1)
    stat_type_evidence: str = Field(examples=["2 distinct values: Yes/No"])
    null_count: int = Field(ge=0)
    distinct_count: int = Field(ge=0)
    min: str | None = Field(default=None, description="Minimum, rendered as text.")
    max: str | None = Field(default=None, description="Maximum, rendered as text.")
    # Added in schema 1 without breaking it: every field below is optional.
    source_name: str | None = Field(
        default=None, description="Column name in the raw file, when the spec renamed it."
    )
    inferred_stat_type: StatType | None = Field(
        default=None, description="What inference said, when the provider's spec overrode it."
    )
    distinct_is_estimate: bool = Field(
        default=False, description="True when distinct_count comes from a sketch (large data)."
    )
    mean: float | None = None
    std: float | None = None
    quantiles: dict[str, float] | None = Field(
        default=None, examples=[{"0.05": 1.0, "0.25": 2.0, "0.5": 3.0, "0.75": 4.0, "0.95": 5.0}]
    )
    histogram: Histogram | None = None
    top_values: list[ValueCount] | None = Field(default=None, description="Most frequent values.")
    string_length: LengthStats | None = None
    temporal: TemporalProfile | None = None
    categories: list[str] | None = Field(
        default=None, description="Category levels; ordered for ordinal columns (from the spec)."
    )
    unit: str | None = Field(default=None, examples=["mm"])
    description: str | None = None
    pii: bool = Field(default=False, description="Personal data, flagged by the provider.")


class DatasetProfile(BaseModel):
    """Dataset-level facts the catalog filters on."""

    model_config = ConfigDict(frozen=True)

    row_count: int = Field(ge=0)
    column_count: int = Field(ge=0)
    duplicate_rows: int = Field(ge=0, description="Rows identical to an earlier row.")
    stat_type_counts: dict[str, int] = Field(
        description="Columns per statistical type.", examples=[{"binary": 3, "continuous": 2}]
    )
    low_cardinality_columns: int = Field(
        ge=0, description="Columns with 2..20 distinct values (binary, nominal or ordinal)."
    )
    measurement_columns: int = Field(ge=0, description="continuous and count columns.")
    datetime_columns: int = Field(ge=0, description="datetime, date and time columns.")
    geo_columns: int = Field(ge=0, description="latitude and longitude columns.")


class ReadReport(BaseModel):
    """How the raw file was read: what the profiler detected, so a reader can reproduce it."""

    model_config = ConfigDict(frozen=True)

    file_format: str = Field(examples=["csv", "xlsx", "ods"])
    compression: str | None = Field(default=None, examples=["gzip", "zip"])
    archive_member: str | None = Field(
        default=None, description="File read inside a zip archive.", examples=["data/x.csv"]
    )
    encoding: str | None = Field(default=None, examples=["utf-8", "cp1252"])
    bom: bool = False
    delimiter: str | None = Field(default=None, examples=[";"])
    quote_char: str | None = Field(default='"')
    decimal_separator: str = "."
    thousands_separator: str | None = None
    header_row: int = Field(default=1, ge=0, description="1-based line of the header; 0: none.")
    skipped_rows: int = Field(default=0, ge=0, description="Lines before the header.")
    sheet: str | None = Field(default=None, description="Sheet read, for spreadsheets.")
    null_tokens: list[str] = Field(default_factory=list)
    padded_rows: int = Field(default=0, ge=0, description="Short rows padded with nulls.")


class DatasetVersionCreated(Envelope):
    """A new standardized version of a dataset exists as Parquet, with its schema and profile."""

    event_type: Literal["DatasetVersionCreated"] = "DatasetVersionCreated"
    dataset_id: uuid.UUID
    dataset_name: str = Field(examples=["palmer-penguins"])
    source_id: uuid.UUID
    change_id: uuid.UUID
    version: int = Field(ge=1)
    raw_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    parquet_uri: str = Field(examples=["s3://mdc-curated/datasets/palmer-penguins/v1.parquet"])
    row_count: int = Field(ge=0)
    columns: list[ColumnProfile]
    encoding: str = Field(examples=["utf-8"])
    delimiter: str = Field(examples=[","])
    created_at: AwareDatetime
    profile: DatasetProfile | None = None
    read: ReadReport | None = None
    spec_version: int | None = Field(
        default=None, description="Version of the provider's spec applied, if any."
    )
    reason: str = Field(
        default="source_changed",
        description="`source_changed`, or `spec_changed` when re-standardized from the same raw.",
    )


class ProcessingStage(StrEnum):
    READ = "read"
    PARSE = "parse"
    PROFILE = "profile"
    WRITE = "write"


class DatasetProcessingFailed(Envelope):
    """A changed raw file could not be turned into a dataset version; the previous one stays."""

    event_type: Literal["DatasetProcessingFailed"] = "DatasetProcessingFailed"
    dataset_name: str
    source_id: uuid.UUID
    change_id: uuid.UUID
    raw_uri: str
    stage: ProcessingStage
    reason: str = Field(examples=["not a CSV file: looks like an HTML page"])
    row: int | None = Field(default=None, description="1-based line in the file, when known.")
    column: str | None = Field(default=None, description="Column name, when known.")
