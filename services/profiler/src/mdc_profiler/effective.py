"""A column of the standardized table, with what the provider's spec says about it."""

from __future__ import annotations

from dataclasses import dataclass

from mdc_contracts import StatType


@dataclass(frozen=True)
class EffectiveColumn:
    name: str
    source_name: str
    stat_type_override: StatType | None = None
    categories: list[str] | None = None
    ordered: bool = False
    unit: str | None = None
    description: str | None = None
    pii: bool = False
    dtype_fixed: bool = False  # the spec sets the storage type: never re-typed by inference
