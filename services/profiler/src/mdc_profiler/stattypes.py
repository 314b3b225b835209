"""The statistical type of a column: what kind of variable it is for statistics and ML.

Plain functions on polars Series, so they are unit tested directly. Rules, first match wins:
empty, constant, binary, date/datetime/time, latitude/longitude, identifier, count,
continuous, nominal, text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl
from mdc_contracts import StatType

from mdc_profiler.temporal import parse_temporal

_TEMPORAL_DTYPES = {pl.Date: StatType.DATE, pl.Datetime: StatType.DATETIME, pl.Time: StatType.TIME}
_ID_TOKENS = {
    "id",
    "ids",
    "code",
    "codes",
    "key",
    "uuid",
    "guid",
    "identifier",
    "ref",
    "siren",
    "siret",
    "insee",
    "pk",
    "sku",
    "iso",
}
_LAT_TOKENS = {"lat", "latitude"}
_LON_TOKENS = {"lon", "lng", "long", "longitude"}
_CODE_LIKE = r"^[A-Za-z0-9][A-Za-z0-9_.:/#-]{0,39}$"
MAX_SHOWN = 60


@dataclass(frozen=True)
class StatGuess:
    stat_type: StatType
    confidence: float
    evidence: str


@dataclass(frozen=True)
class ColumnAnalysis:
    guess: StatGuess
    values: pl.Series  # the column to store: text dates become real dates


def infer_stat_type(series: pl.Series, name: str | None = None) -> StatGuess:
    return analyse_column(series, name).guess


def analyse_column(series: pl.Series, name: str | None = None) -> ColumnAnalysis:
    name = series.name if name is None else name
    # Dates written as text are stored as dates, whatever their statistical type.
    temporal = parse_temporal(series)
    values = temporal.values if temporal else series
    present = values.drop_nulls()
    n_present, n_distinct = len(present), present.n_unique()

    def result(stat_type: StatType, confidence: float, evidence: str) -> ColumnAnalysis:
        return ColumnAnalysis(StatGuess(stat_type, confidence, evidence), values)

    if n_present == 0:
        what = "no rows" if len(values) == 0 else f"all {len(values)} values are missing"
        return result(StatType.EMPTY, 1.0, what)
    if n_distinct == 1:
        return result(StatType.CONSTANT, 1.0, f"1 distinct value: {_show(present[0])}")
    if n_distinct == 2:
        pair = [_show(v) for v in sorted(present.unique().to_list(), key=str)]
        shown = " | ".join(pair) if any("/" in v for v in pair) else "/".join(pair)
        confidence = 1.0 if values.dtype == pl.Boolean else 0.95
        return result(StatType.BINARY, confidence, f"2 distinct values: {shown}")
    if temporal is not None:
        note = f", {temporal.note}" if temporal.note else ""
        evidence = f"all {n_present} values parse as {temporal.format}{note}"
        return result(temporal.stat_type, 0.8 if temporal.ambiguous else 0.95, evidence)
    for dtype, stat_type in _TEMPORAL_DTYPES.items():
        if isinstance(values.dtype, dtype):
            return result(stat_type, 1.0, f"stored as {values.dtype}")
    if values.dtype.is_numeric():
        return result(*_numeric(present, name_tokens(name), n_distinct))
    if values.dtype == pl.String:
        return result(*_text(present, name_tokens(name), n_distinct, len(values)))
    return result(StatType.TEXT, 0.3, f"stored as {values.dtype}")


def _numeric(present: pl.Series, tokens: set[str], n_distinct: int) -> tuple[StatType, float, str]:
    n = len(present)
    span = f"{_show(present.min())}..{_show(present.max())}"
    low, high = float(present.min()), float(present.max())  # type: ignore[arg-type]
    if present.dtype.is_float():
        if tokens & _LAT_TOKENS and -90 <= low <= high <= 90:
            return StatType.LATITUDE, 0.9, f"named like a latitude, values in {span}"
        if tokens & _LON_TOKENS and -180 <= low <= high <= 180:
            return StatType.LONGITUDE, 0.9, f"named like a longitude, values in {span}"
        return StatType.CONTINUOUS, 0.9, f"decimal numbers, {n_distinct} distinct in {span}"
    unique = n_distinct == n
    named_id = bool(tokens & _ID_TOKENS)
    # A run of consecutive numbers (1..n with few gaps) is a row number or key, not a count.
    dense = unique and high - low + 1 <= 1.5 * n
    if unique and (named_id or dense):
        why = "named like an identifier" if named_id else "nearly consecutive"
        return StatType.IDENTIFIER, 0.9, f"all {n} values unique integers, {why} ({span})"
    if named_id and n_distinct >= 0.95 * n:
        return StatType.IDENTIFIER, 0.75, f"named like an identifier, {n_distinct} of {n} unique"
    if low >= 0:
        return StatType.COUNT, 0.8, f"non-negative integers, {n_distinct} distinct in {span}"
    return (
        StatType.CONTINUOUS,
        0.7,
        f"integers with negative values, {n_distinct} distinct in {span}",
    )


def _text(
    present: pl.Series, tokens: set[str], n_distinct: int, n_rows: int
) -> tuple[StatType, float, str]:
    n = len(present)
    code_like = bool(present.str.contains(_CODE_LIKE).all())
    if code_like and (n_distinct == n or (tokens & _ID_TOKENS and n_distinct >= 0.95 * n)):
        detail = f"all {n} values unique" if n_distinct == n else f"{n_distinct} of {n} unique"
        return StatType.IDENTIFIER, 0.85, f"{detail} codes"
    if n_distinct <= max(20, 0.05 * n_rows):
        levels = ", ".join(_show(v) for v in sorted(present.unique().to_list())[:5])
        more = ", ..." if n_distinct > 5 else ""
        return StatType.NOMINAL, 0.85, f"{n_distinct} distinct values: {levels}{more}"
    if code_like:
        return StatType.NOMINAL, 0.6, f"codes with high cardinality ({n_distinct} distinct)"
    mean_length = float(present.str.len_chars().mean() or 0)  # type: ignore[arg-type]
    return (
        StatType.TEXT,
        0.7,
        (f"free text, {n_distinct} distinct values, mean length {mean_length:.0f}"),
    )


def name_tokens(name: str) -> set[str]:
    """'geoLatitude', 'code_postal', 'ID' -> {'geo', 'latitude'}, {'code', 'postal'}, {'id'}."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return {t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t}


def _show(value: object) -> str:
    text = str(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
