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
