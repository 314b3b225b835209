"""A version's effective schema as a Frictionless Table Schema (https://specs.frictionlessdata.io).

Types follow the Parquet storage type; the statistical type goes in `x-mdc-stat-type`.
"""

from __future__ import annotations

from typing import Any

from mdc_catalog.schemas import ColumnPublic, VersionDetail

_INTEGER = ("Int", "UInt")


def frictionless_type(dtype: str) -> tuple[str, str | None]:
    """(type, format) for a polars dtype name such as Int64, Float64, Datetime(time_unit='us')."""
    if dtype.startswith(_INTEGER):
        return "integer", None
    if dtype.startswith(("Float", "Decimal")):
        return "number", None
    if dtype == "Boolean":
        return "boolean", None
    if dtype == "Date":
        return "date", "%Y-%m-%d"
    if dtype.startswith("Datetime"):
        return "datetime", None  # default format: ISO 8601
    if dtype == "Time":
        return "time", "%H:%M:%S"
    return "string", None


def table_field(column: ColumnPublic) -> dict[str, Any]:
    kind, fmt = frictionless_type(column.dtype)
    field: dict[str, Any] = {"name": column.name, "type": kind}
    if fmt is not None:
        field["format"] = fmt
    if column.description:
        field["description"] = column.description
    if column.categories:
        field["constraints"] = {"enum": column.categories}
    if column.unit:
        field["x-mdc-unit"] = column.unit
    if column.source_name and column.source_name != column.name:
        field["x-mdc-source-name"] = column.source_name
    field["x-mdc-stat-type"] = column.stat_type
    if column.pii:
        field["x-mdc-pii"] = True
    return field


def table_schema(version: VersionDetail) -> dict[str, Any]:
    schema: dict[str, Any] = {"fields": [table_field(c) for c in version.columns]}
    if version.read is not None:
        # Values that stood for "missing" in the raw file; "" is the Frictionless default.
        schema["missingValues"] = version.read.null_tokens or [""]
    return schema
