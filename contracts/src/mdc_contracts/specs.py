"""The provider's metadata layer: a versioned spec per dataset (catalog -> profiler)."""

from __future__ import annotations

import codecs
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mdc_contracts.datasets import StatType
from mdc_contracts.envelope import Envelope

# Storage types a spec may ask for; they map one to one to polars / Parquet types.
SpecDtype = Literal[
    "string", "int64", "float64", "boolean", "date", "datetime", "time", "categorical", "enum"
]


class ColumnSpec(BaseModel):
    """What the provider says about one column, keyed by its name in the raw file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, description="Column name in the raw file.")
    rename_to: str | None = Field(default=None, min_length=1, examples=["body_mass_g"])
    dtype: SpecDtype | None = Field(default=None, description="Override of the storage type.")
    stat_type: StatType | None = Field(default=None, description="Override of the stat type.")
    categories: list[str] | None = Field(
        default=None,
        description="Category levels. With `ordered`, their order is the order of an ordinal "
        "variable and the Parquet column is an ordered enum.",
        examples=[["low", "medium", "high"]],
    )
    ordered: bool = False
    date_format: str | None = Field(default=None, examples=["%d/%m/%Y"])
    null_tokens: list[str] | None = Field(
        default=None, description="Extra missing-value tokens for this column."
    )
    unit: str | None = Field(default=None, examples=["mm"])
    description: str | None = None
    pii: bool = False

    @model_validator(mode="after")
    def _ordered_needs_levels(self) -> ColumnSpec:
        if self.ordered and not self.categories:
            raise ValueError(f"column {self.name!r}: `ordered` needs `categories`")
        if self.categories is not None and len(set(self.categories)) != len(self.categories):
            raise ValueError(f"column {self.name!r}: duplicate category levels")
        return self


class DatasetSpec(BaseModel):
    """The effective schema recipe: applied to every new version until the spec changes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: list[ColumnSpec] = Field(default_factory=list)
    select: list[str] | None = Field(
        default=None,
        description="Output columns and their order, by output name (after renames); "
        "None keeps every column in file order.",
    )
    null_tokens: list[str] = Field(
        default_factory=list, description="Extra missing-value tokens for every column."
    )
    sheet: str | None = Field(default=None, description="Sheet to read, for spreadsheets.")
    # Format options: what the reader would otherwise detect. Added in version 1 without
    # breaking it (all optional).
    encoding: str | None = Field(
        default=None,
        description="Text encoding of the raw file (e.g. cp1252), instead of the detected one.",
        examples=["cp1252"],
    )
    delimiter: str | None = Field(
        default=None,
        min_length=1,
        max_length=1,
        description="Field delimiter of the raw file, instead of the detected one.",
        examples=[";"],
    )
    header_row: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Line of the header in the raw file (1 = first line; lines before it are "
        "skipped), instead of the detected one.",
    )
    description: str | None = None

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return codecs.lookup(value).name
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None

    @field_validator("delimiter")
    @classmethod
    def _usable_delimiter(cls, value: str | None) -> str | None:
        if value is not None and (value in "\r\n\"'" or value.isalnum()):
            raise ValueError("a delimiter cannot be a letter, a digit, a quote or a line break")
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> DatasetSpec:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError("a column appears twice in the spec")
        outputs = [c.rename_to or c.name for c in self.columns]
        if len(set(outputs)) != len(outputs):
            raise ValueError("two columns would get the same name")
        if self.select is not None and len(set(self.select)) != len(self.select):
            raise ValueError("a column appears twice in `select`")
        return self


class DatasetSpecPublished(Envelope):
    """A new version of a dataset's spec is in force; the latest raw file is re-standardized."""

    event_type: Literal["DatasetSpecPublished"] = "DatasetSpecPublished"
    dataset_id: uuid.UUID
    dataset_name: str
    spec_version: int = Field(ge=1)
    spec: DatasetSpec
    published_by: str | None = None
