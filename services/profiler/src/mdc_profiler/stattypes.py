"""The statistical type of a column, decided from its statistics (`stats.ColumnStats`) and name.

Rules, first match wins (each gives a confidence and a short evidence string):
  empty (no value) > constant (1 distinct)
  > date/datetime/time (temporal storage, or text that parses on every row)
  > binary (2 distinct; booleans, 0/1, yes/no words)
  > year (integers in 1000..2999 named year/annee/jahr/jaar/anno -> ordinal, see `_year`),
    month 1..12, day 1..31, hour 0..23 by name (ordinal too)
  > numbers: latitude/longitude (decimal, named so, in range) > continuous (decimals)
    > identifier (unique integers named *id* or nearly consecutive) > small integer codes
    (<= 10 levels in 0..20: count / ordinal / nominal by name) > count (>= 0) > continuous
  > text: ordinal (a known ordered scale: low/medium/high, Likert, 1st/2nd/3rd; less sure)
    > identifier (unique code-like values) > nominal (few levels, or many codes) > text.
Column names are hints only where the values cannot tell (see `vocab`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from mdc_contracts import StatType

from mdc_profiler import vocab
from mdc_profiler.stats import ColumnStats, collect_stats
from mdc_profiler.textdates import detect_text_temporal
from mdc_profiler.vocab import name_tokens

__all__ = ["ColumnAnalysis", "StatGuess", "analyse_column", "infer", "infer_stat_type"]
__all__ += ["name_tokens", "series_stats"]

MAX_SHOWN = 60
SMALL_LEVELS = 10  # an integer column with this few levels in 0..SMALL_MAX is a code or a scale
SMALL_MAX = 20
LONG_TEXT = 30  # mean characters from which distinct strings read as sentences


@dataclass(frozen=True)
class StatGuess:
    stat_type: StatType
    confidence: float
    evidence: str
    levels: list[str] | None = None  # ordered levels, for an inferred ordinal scale


@dataclass(frozen=True)
class ColumnAnalysis:
    guess: StatGuess
    values: pl.Series  # the column to store: text dates become real dates


def infer_stat_type(series: pl.Series, name: str | None = None) -> StatGuess:
    return analyse_column(series, name).guess


def analyse_column(series: pl.Series, name: str | None = None) -> ColumnAnalysis:
    """One in-memory column: its type, and its values with text dates parsed."""
    stats = series_stats(series)
    values = series
    if stats.parsed is not None:
        values = series.to_frame().select(stats.parsed.expr(series.name)).to_series()
    return ColumnAnalysis(infer(stats, series.name if name is None else name), values)


def series_stats(series: pl.Series) -> ColumnStats:
    lf = series.to_frame().lazy()
    is_text = series.dtype == pl.String
    parsed = detect_text_temporal(lf, [series.name], batch_size=1) if is_text else {}
    rows = len(series)
    schema = {series.name: series.dtype}
    return collect_stats(lf, schema, rows, parsed=parsed, batch_size=1, exact_distinct_limit=rows)[
        0
    ]


def infer(s: ColumnStats, name: str) -> StatGuess:
    tokens = vocab.name_tokens(name)
    if s.count == 0:
        what = "no rows" if s.rows == 0 else f"all {s.rows} values are missing"
        return StatGuess(StatType.EMPTY, 1.0, what)
    if s.distinct == 1:
        return StatGuess(StatType.CONSTANT, 1.0, f"1 distinct value: {show(s.min)}")
    if s.kind == "temporal":  # two distinct days are still days, not a yes/no variable
        return _temporal(s)
    if s.distinct == 2:
        return _binary(s)
    if s.kind == "numeric":
        calendar = _year(s, tokens) or _calendar_part(s, tokens)
        return calendar or (_integer(s, tokens) if s.whole else _decimal(s, tokens))
    if s.kind == "string":
        return _text(s, tokens)
    return StatGuess(StatType.TEXT, 0.3, f"stored as {s.dtype}")


def _binary(s: ColumnStats) -> StatGuess:
    levels = [show(v) for v, _ in s.top_values or []] or [show(s.min), show(s.max)]
    pair = vocab.yes_no(levels) if s.kind == "string" else None
    if pair is not None:
        return StatGuess(StatType.BINARY, 0.98, f"2 distinct values: {pair[0]}/{pair[1]}")
    shown = sorted(levels, key=str)
    text = " | ".join(shown) if any("/" in v for v in shown) else "/".join(shown)
    confidence = 1.0 if s.kind == "boolean" else 0.95
    return StatGuess(StatType.BINARY, confidence, f"2 distinct values: {text}")


def _temporal(s: ColumnStats) -> StatGuess:
    stat_type = StatType.DATETIME
    if s.dtype == pl.Date:
        stat_type = StatType.DATE
    elif s.dtype == pl.Time:
        stat_type = StatType.TIME
    span = f"{show(s.min)}..{show(s.max)}, by {s.granularity}"
    if s.parsed is None:
        return StatGuess(stat_type, 1.0, f"stored as {s.dtype}, {span}")
    note = f", {s.parsed.note}" if s.parsed.note else ""
    confidence = 0.8 if s.parsed.ambiguous else 0.95
    return StatGuess(
        stat_type, confidence, f"all {s.count} values parse as {s.parsed.format}{note}"
    )


def _year(s: ColumnStats, tokens: set[str]) -> StatGuess | None:
    """Years as integers are a discrete, ordered, equally spaced time index: not a count (they
    do not count anything), not nominal (2019 < 2020 matters), and not a date (which would
    claim a day). A statistician models them as an ordered factor or a trend term, so ordinal;
    the profile still gets a temporal range with granularity 'year'."""
    if not (s.whole and tokens & vocab.YEAR_NAMES):
        return None
    if not 1000 <= float(s.min) <= float(s.max) <= 2999:
        return None
    return StatGuess(StatType.ORDINAL, 0.85, f"year values {show(s.min)}..{show(s.max)}")


def _calendar_part(s: ColumnStats, tokens: set[str]) -> StatGuess | None:
    """Months, days, hours as integers: ordered positions on a calendar, not counts."""
    for token in sorted(tokens & set(vocab.CALENDAR_PARTS)):
        part, low, high = vocab.CALENDAR_PARTS[token]
        if s.whole and low <= float(s.min) and float(s.max) <= high:
            return StatGuess(StatType.ORDINAL, 0.8, f"{part} values {show(s.min)}..{show(s.max)}")
    return None


def _decimal(s: ColumnStats, tokens: set[str]) -> StatGuess:
    low, high, span = float(s.min), float(s.max), f"{show(s.min)}..{show(s.max)}"
    for named, axis, limit, stat_type in (
        (vocab.LAT_NAMES, vocab.LAT_AXIS, 90, StatType.LATITUDE),
        (vocab.LON_NAMES, vocab.LON_AXIS, 180, StatType.LONGITUDE),
    ):
        if -limit <= low <= high <= limit and tokens & (named | axis):
            confidence = 0.9 if tokens & named else 0.6
            what = stat_type.value
            return StatGuess(stat_type, confidence, f"named like a {what}, values in {span}")
    return StatGuess(
        StatType.CONTINUOUS, 0.9, f"decimal numbers in {span}, {s.distinct:,} distinct"
    )


def _integer(s: ColumnStats, tokens: set[str]) -> StatGuess:
    n, low, high = s.count, float(s.min), float(s.max)
    span = f"{show(s.min)}..{show(s.max)}"
    unique = s.distinct >= n
    named_id = bool(tokens & vocab.ID_NAMES)
    # A run of consecutive numbers (1..n with few gaps) is a row number or key, not a count.
    dense = unique and high - low + 1 <= 1.5 * n
    if unique and (named_id or dense):
        why = "named like an identifier" if named_id else "nearly consecutive"
        return StatGuess(
            StatType.IDENTIFIER, 0.9, f"all {n} values unique integers, {why} ({span})"
        )
    if named_id and s.distinct >= 0.95 * n:
        return StatGuess(
            StatType.IDENTIFIER, 0.75, f"named like an identifier, {s.distinct} of {n} unique"
        )
    if s.distinct <= SMALL_LEVELS and low >= 0 and high <= SMALL_MAX:
        return _small_integers(s, tokens, span)
    if low >= 0:
        return StatGuess(
            StatType.COUNT, 0.8, f"non-negative integers, {s.distinct:,} distinct in {span}"
        )
    return StatGuess(
        StatType.CONTINUOUS,
        0.7,
        f"integers with negative values, {s.distinct:,} distinct in {span}",
    )


def _small_integers(s: ColumnStats, tokens: set[str], span: str) -> StatGuess:
    """1..5 with five levels is more often a code or a scale than a count; the name decides,
    and a 0 among the values points to a count (codes and scales rarely start at 0)."""
    levels = f"{s.distinct} levels in {span}"
    if tokens & vocab.COUNT_NAMES:
        return StatGuess(StatType.COUNT, 0.75, f"named like a count, {levels}")
    if tokens & vocab.SCALE_NAMES:
        return StatGuess(StatType.ORDINAL, 0.7, f"named like a scale, {levels}")
    if float(s.min) == 0:
        return StatGuess(StatType.COUNT, 0.6, f"small non-negative integers, {levels}")
    return StatGuess(StatType.NOMINAL, 0.6, f"small integer codes, {levels}")


def _text(s: ColumnStats, tokens: set[str]) -> StatGuess:
    n = s.count
    shown = [show(v) for v, _ in s.top_values or []]
    if s.top_values is not None and len(s.top_values) == s.distinct:
        ordered = vocab.ordered_levels(shown)
        if ordered is not None:
            evidence = f"levels follow an ordered scale: {' < '.join(ordered)}"
            return StatGuess(StatType.ORDINAL, 0.7, evidence, levels=ordered)
    fixed = s.length is not None and s.length[0] == s.length[1]
    digits = f"codes of {s.length[0] if s.length else 0} digits" if s.digits_only and fixed else ""
    named_id = bool(tokens & vocab.ID_NAMES)
    if s.code_like and (s.distinct >= n or (named_id and s.distinct >= 0.95 * n)):
        detail = f"all {n} values unique" if s.distinct >= n else f"{s.distinct} of {n} unique"
        return StatGuess(StatType.IDENTIFIER, 0.85, f"{detail} {digits or 'codes'}")
    mean = s.length[2] if s.length else 0.0
    if mean >= LONG_TEXT and s.distinct > 0.5 * n:
        # Sentences are free text even in a small file where every count is low.
        return StatGuess(
            StatType.TEXT, 0.8, f"free text, {s.distinct:,} distinct values, mean length {mean:.0f}"
        )
    if s.distinct <= max(20, 0.05 * s.rows):
        levels = ", ".join(sorted(shown)[:5])
        more = ", ..." if s.distinct > 5 else ""
        prefix = f"{digits}, " if digits else ""
        return StatGuess(
            StatType.NOMINAL, 0.85, f"{prefix}{s.distinct} distinct values: {levels}{more}"
        )
    if s.code_like:
        what = digits or "codes"
        return StatGuess(
            StatType.NOMINAL, 0.6, f"{what} with high cardinality ({s.distinct:,} distinct)"
        )
    return StatGuess(
        StatType.TEXT, 0.7, f"free text, {s.distinct:,} distinct values, mean length {mean:.0f}"
    )


def show(value: object) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
