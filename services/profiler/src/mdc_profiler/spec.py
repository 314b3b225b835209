"""The provider's metadata layer applied to a table: null tokens, casts, categories, renames,
selection, and what the spec says about each column (stat type, unit, description, PII).

Spec columns are keyed by their raw name, so a spec written for version 1 still applies to
version 7; a spec column the file no longer has is reported (logged), not an error, because
files drift and the provider should not have to fix the spec before the next version lands.
"""

from __future__ import annotations

import logging
from typing import TypeVar

import polars as pl
from mdc_contracts import ColumnSpec, DatasetSpec, ProcessingStage, StatType

from mdc_profiler.effective import EffectiveColumn
from mdc_profiler.errors import UnreadableFile

log = logging.getLogger(__name__)
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)
SAMPLE = 5
_TRUE = ["true", "t", "yes", "y", "1", "oui", "o", "vrai", "ja", "si", "sí"]
_FALSE = ["false", "f", "no", "n", "0", "non", "faux", "nein"]
_SIMPLE: dict[str, pl.DataType] = {
    "string": pl.String(),
    "int64": pl.Int64(),
    "float64": pl.Float64(),
    "categorical": pl.Categorical(),
}


def apply_spec(frame: Frame, spec: DatasetSpec | None) -> tuple[Frame, list[EffectiveColumn]]:
    """The effective table (same kind as `frame`) and its columns; raises `UnreadableFile`
    (stage PROFILE, naming the column and sample values) when the data contradict the spec."""
    if spec is None:
        return frame, [EffectiveColumn(name=c, source_name=c) for c in _names(frame)]
    lazy = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    schema = lazy.collect_schema()
    for warning in spec_warnings(list(schema.names()), spec):
        log.warning("dataset spec does not match the file", extra={"detail": warning})
    by_name = {c.name: c for c in spec.columns if c.name in schema}
    lazy = _null_tokens(lazy, schema, spec)
    exprs: list[pl.Expr] = []
    effective: list[EffectiveColumn] = []
    for name in schema.names():
        column = by_name.get(name)
        if column is None:
            exprs.append(pl.col(name))
            effective.append(EffectiveColumn(name=name, source_name=name))
            continue
        target = _target_dtype(lazy, column)
        expr = pl.col(name)
        if target is not None:
            expr = _checked_cast(lazy, column, schema[name], target)
        output = column.rename_to or name
        exprs.append(expr.alias(output))
        effective.append(_effective(column, output, target))
    lazy = lazy.select(exprs)
    effective = _select(effective, _selectable(spec, schema))
    lazy = lazy.select([e.name for e in effective])
    if isinstance(frame, pl.DataFrame):
        return lazy.collect(), effective
    return lazy, effective


def spec_warnings(columns: list[str], spec: DatasetSpec) -> list[str]:
    """Spec columns missing from the file (ignored, so the spec survives schema drift)."""
    present = set(columns)
    return [
        f"spec column {c.name!r} is not in the file; its settings are ignored"
        for c in spec.columns
        if c.name not in present
    ]


def _names(frame: pl.DataFrame | pl.LazyFrame) -> list[str]:
    if isinstance(frame, pl.DataFrame):
        return frame.columns
    return list(frame.collect_schema().names())


def _null_tokens(lazy: pl.LazyFrame, schema: pl.Schema, spec: DatasetSpec) -> pl.LazyFrame:
    per_column = {c.name: c.null_tokens or [] for c in spec.columns}
    exprs = []
    for name, dtype in schema.items():
        tokens = [*spec.null_tokens, *per_column.get(name, [])]
        if not tokens:
            continue
        # Typed columns compare through their text form, and keep their type.
        text = pl.col(name) if dtype == pl.String else pl.col(name).cast(pl.String)
        exprs.append(pl.when(text.is_in(tokens)).then(None).otherwise(pl.col(name)).alias(name))
    return lazy.with_columns(exprs) if exprs else lazy


def _target_dtype(lazy: pl.LazyFrame, column: ColumnSpec) -> pl.DataType | None:
    if column.categories is not None and (column.ordered or column.dtype == "enum"):
        return pl.Enum(column.categories)
    if column.dtype is None:
        return pl.Categorical() if column.categories is not None else None
    if column.dtype == "enum":
        # No levels given: the observed values, sorted, so the levels are deterministic.
        levels = lazy.select(pl.col(column.name).cast(pl.String).drop_nulls().unique().sort())
        return pl.Enum(levels.collect().to_series().to_list())
    simple = _SIMPLE.get(column.dtype)
    if simple is not None:
        return simple
    temporal = {"date": pl.Date(), "datetime": pl.Datetime("us"), "time": pl.Time()}
    return temporal.get(column.dtype, pl.Boolean())


def _cast_expr(column: ColumnSpec, current: pl.DataType, target: pl.DataType) -> pl.Expr:
    source = pl.col(column.name)
    if current == target:
        return source
    text = source if current == pl.String else source.cast(pl.String)
    if isinstance(target, pl.Enum | pl.Categorical):
        return text.cast(pl.String).cast(target, strict=False)
    if target == pl.Boolean and current != pl.Boolean:
        lower = text.str.strip_chars().str.to_lowercase()
        return pl.when(lower.is_in(_TRUE)).then(True).when(lower.is_in(_FALSE)).then(False)
    if current == pl.String and target in (pl.Date(), pl.Datetime("us"), pl.Time()):
        fmt = column.date_format
        if target == pl.Date:
            return source.str.to_date(fmt, strict=False)
        if target == pl.Time:
            return source.str.to_time(fmt, strict=False)
        return source.str.to_datetime(fmt, time_unit="us", strict=False)
    return source.cast(target, strict=False)


def _checked_cast(
    lazy: pl.LazyFrame, column: ColumnSpec, current: pl.DataType, target: pl.DataType
) -> pl.Expr:
    """The cast, after checking that it loses no value (a lost value is the provider's error)."""
    cast = _cast_expr(column, current, target)
    source = pl.col(column.name)
    lost = cast.is_null()
    if column.categories is not None:
        lost = lost | ~source.cast(pl.String).is_in(column.categories)
    bad = (
        lazy.filter(source.is_not_null() & lost)
        .select(source.cast(pl.String).unique(maintain_order=True).head(SAMPLE))
        .collect()
        .to_series()
        .to_list()
    )
    if bad:
        shown = ", ".join(repr(v) for v in bad)
        if column.categories is not None:
            reason = f"column {column.name!r} has values outside its categories: {shown}"
        else:
            reason = f"column {column.name!r} cannot be read as {column.dtype}: e.g. {shown}"
        raise UnreadableFile(reason, stage=ProcessingStage.PROFILE, column=column.name)
    return cast


def _effective(column: ColumnSpec, output: str, target: pl.DataType | None) -> EffectiveColumn:
    categories = column.categories
    if categories is None and isinstance(target, pl.Enum):
        categories = list(target.categories)
    stat_type = column.stat_type
    if stat_type is None and column.ordered:
        stat_type = StatType.ORDINAL  # the provider declared an order: that is what ordinal is
    return EffectiveColumn(
        name=output,
        source_name=column.name,
        stat_type_override=stat_type,
        categories=categories,
        ordered=column.ordered,
        unit=column.unit,
        description=column.description,
        pii=column.pii,
        dtype_fixed=target is not None,
    )


def _selectable(spec: DatasetSpec, schema: pl.Schema) -> list[str] | None:
    """`select` without the outputs of spec columns the file no longer has (already warned)."""
    if spec.select is None:
        return None
    gone = {c.rename_to or c.name for c in spec.columns if c.name not in schema}
    return [name for name in spec.select if name not in gone or name in schema]


def _select(effective: list[EffectiveColumn], select: list[str] | None) -> list[EffectiveColumn]:
    if select is None:
        return effective
    by_output = {e.name: e for e in effective}
    unknown = [name for name in select if name not in by_output]
    if unknown:
        raise UnreadableFile(
            f"the spec selects columns the file does not have: {', '.join(map(repr, unknown))}; "
            f"columns are {', '.join(map(repr, by_output))}",
            stage=ProcessingStage.PROFILE,
            column=unknown[0],
        )
    return [by_output[name] for name in select]
