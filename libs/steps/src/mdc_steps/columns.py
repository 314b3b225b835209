"""Column lineage of an output: explicit mappings plus pass-through columns found by schema.

An explicit mapping says which input columns ("dataset.column") an output column is made from
and how (OpenLineage transformation subtypes: IDENTITY, TRANSFORMATION, AGGREGATION). Any other
output column with the name and dtype of a column of exactly one input is a pass-through:
DIRECT / IDENTITY from it. A name found in several inputs is ambiguous and left out rather than
guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from mdc_steps.errors import ColumnMappingError

DIRECT = "DIRECT"


class Subtype(StrEnum):
    IDENTITY = "IDENTITY"
    TRANSFORMATION = "TRANSFORMATION"
    AGGREGATION = "AGGREGATION"


@dataclass(frozen=True)
class ColumnSource:
    """The input columns ("dataset.column") an output column is made from, and how."""

    columns: tuple[str, ...]
    subtype: Subtype = Subtype.TRANSFORMATION
    description: str | None = None


def identity(column: str, description: str | None = None) -> ColumnSource:
    """An exact copy of one input column (under another name or type)."""
    return ColumnSource((column,), Subtype.IDENTITY, description)


def transformation(*columns: str, description: str | None = None) -> ColumnSource:
    """Computed row by row from these input columns."""
    return ColumnSource(columns, Subtype.TRANSFORMATION, description)


def aggregation(*columns: str, description: str | None = None) -> ColumnSource:
    """Aggregated (sum, mean, count, ...) over rows of these input columns."""
    return ColumnSource(columns, Subtype.AGGREGATION, description)


# What a step may give per output column: "dataset.column", several of them, or a ColumnSource.
ColumnSpec = str | Sequence[str] | ColumnSource
ColumnMapping = Mapping[str, ColumnSpec]


@dataclass(frozen=True)
class FieldOrigin:
    """One input column an output column comes from."""

    dataset: str
    column: str
    subtype: Subtype
    description: str | None = None


def as_source(spec: ColumnSpec) -> ColumnSource:
    if isinstance(spec, ColumnSource):
        return spec
    if isinstance(spec, str):
        return ColumnSource((spec,))
    return ColumnSource(tuple(spec))


def split_qualified(reference: str, datasets: Iterable[str], what: str) -> tuple[str, str]:
    """("dataset", "column") of "dataset.column". Dataset names may contain dots, so the longest
    known dataset name followed by a dot wins."""
    known = sorted((d for d in datasets if reference.startswith(f"{d}.")), key=len, reverse=True)
    if not known:
        raise ColumnMappingError(
            f"{what}: {reference!r} does not start with one of the datasets "
            f"{sorted(datasets)} followed by '.column'"
        )
    dataset = known[0]
    column = reference[len(dataset) + 1 :]
    if not column:
        raise ColumnMappingError(f"{what}: {reference!r} names no column after the dataset")
    return dataset, column


def explicit_origins(
    mapping: ColumnMapping, output: pl.Schema, inputs: Mapping[str, pl.Schema]
) -> dict[str, list[FieldOrigin]]:
    """The mapping checked against the output's and the inputs' columns."""
    origins: dict[str, list[FieldOrigin]] = {}
    for out_column, spec in mapping.items():
        if out_column not in output:
            raise ColumnMappingError(
                f"column mapping: the output has no column {out_column!r}; "
                f"its columns: {list(output.names())}"
            )
        source = as_source(spec)
        if not source.columns:
            raise ColumnMappingError(f"column mapping of {out_column!r} names no input column")
        found: list[FieldOrigin] = []
        for reference in source.columns:
            where = f"column mapping of {out_column!r}"
            dataset, column = split_qualified(reference, inputs, where)
            if column not in inputs[dataset]:
                raise ColumnMappingError(
                    f"{where}: input {dataset!r} has no column {column!r}; "
                    f"its columns: {list(inputs[dataset].names())}"
                )
            found.append(FieldOrigin(dataset, column, source.subtype, source.description))
        origins[out_column] = found
    return origins


def pass_through_origins(
    output: pl.Schema, inputs: Mapping[str, pl.Schema], mapped: Iterable[str]
) -> dict[str, list[FieldOrigin]]:
    """Unmapped output columns equal in name and dtype to a column of exactly one input."""
    skip = set(mapped)
    origins: dict[str, list[FieldOrigin]] = {}
    for column, dtype in output.items():
        if column in skip:
            continue
        holders = [name for name, schema in inputs.items() if schema.get(column) == dtype]
        if len(holders) == 1:
            origins[column] = [FieldOrigin(holders[0], column, Subtype.IDENTITY)]
    return origins


def column_origins(
    output: pl.Schema, inputs: Mapping[str, pl.Schema], mapping: ColumnMapping | None = None
) -> dict[str, list[FieldOrigin]]:
    """Explicit mappings plus detected pass-through columns, in the output's column order."""
    explicit = explicit_origins(mapping or {}, output, inputs)
    detected = pass_through_origins(output, inputs, explicit)
    combined = explicit | detected
    return {column: combined[column] for column in output.names() if column in combined}


def parse_mapping_option(text: str) -> tuple[str, ColumnSource]:
    """`out_col=A.col[,B.col...][@SUBTYPE]` (the CLI's --map) as (out_col, ColumnSource)."""
    out_column, equals, sources = text.partition("=")
    if not equals or not out_column or not sources:
        raise ColumnMappingError(
            f"--map {text!r}: expected OUT_COLUMN=DATASET.COLUMN[,DATASET.COLUMN...][@SUBTYPE]"
        )
    subtype = Subtype.TRANSFORMATION
    if "@" in sources:
        sources, _, subtype_text = sources.rpartition("@")
        try:
            subtype = Subtype(subtype_text.upper())
        except ValueError:
            allowed = ", ".join(s.value for s in Subtype)
            raise ColumnMappingError(
                f"--map {text!r}: unknown subtype {subtype_text!r}; one of {allowed}"
            ) from None
    columns = tuple(c.strip() for c in sources.split(","))
    if not all(columns):
        raise ColumnMappingError(f"--map {text!r}: an empty input column reference")
    return out_column.strip(), ColumnSource(columns, subtype)
