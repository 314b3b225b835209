"""Drift between consecutive versions of a dataset (profiler -> catalog)."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mdc_contracts.envelope import Envelope


class SchemaChangeKind(StrEnum):
    COLUMN_ADDED = "column_added"
    COLUMN_REMOVED = "column_removed"
    COLUMN_RENAMED = "column_renamed"
    DTYPE_CHANGED = "dtype_changed"
    STAT_TYPE_CHANGED = "stat_type_changed"
    LEVELS_ADDED = "levels_added"
    LEVELS_REMOVED = "levels_removed"
    NULL_RATE_JUMP = "null_rate_jump"
    CARDINALITY_JUMP = "cardinality_jump"


class SchemaChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: SchemaChangeKind
    column: str
    breaking: bool = Field(description="Would break a consumer that relied on the old version.")
    before: str | None = Field(default=None, examples=["Int64"])
    after: str | None = Field(default=None, examples=["String"])
    detail: str = Field(examples=["dtype Int64 -> String"])


class SchemaChanged(Envelope):
    """A new version differs from the previous one; published only when something changed."""

    event_type: Literal["SchemaChanged"] = "SchemaChanged"
    dataset_id: uuid.UUID
    dataset_name: str
    from_version: int = Field(ge=1)
    to_version: int = Field(ge=2)
    breaking: bool
    changes: list[SchemaChange] = Field(min_length=1)
