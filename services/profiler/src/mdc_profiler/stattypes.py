"""The statistical type of a column, decided from its statistics (`stats.ColumnStats`) and name.

Rules, first match wins (each gives a confidence and a short evidence string):
  empty (no value) > constant (1 distinct)
  > date/datetime/time (temporal storage, or text that parses on every row)
  > binary (2 distinct; booleans, 0/1, yes/no words)
  > year (integers in 1000..2999 named year/annee/jahr/jaar/anno -> ordinal, see `_year`),
    month 1..12, day 1..31, hour 0..23 by name (ordinal too)
  > decimals: latitude/longitude (named so in any of the platform's languages and in range;
    bare x/y also need a spread that could be places; 'delta_lat' is a difference) > continuous
  > integers: identifier (unique and named *id* / *code*, also glued as 'pid', 'distcod', or an
    administrative unit, or nearly consecutive without a quantity name; ids mostly unique,
    repeated codes nominal)
    > a few contiguous levels around 0 (ordinal) > negative (continuous)
    > small integers (<= 10 levels in 0..20: count / scale / measurement by name, then
      1..k codes nominal, long 1..k runs and measurement classes ordinal, else count)
    > count (named after what it counts, also glued to a total as 'poptotal', or from 0 and
    skewed right) > continuous (measurement names, or whole numbers away from 0 with no sign
    of counting)
  > text: ordinal (a known ordered scale or numeric bands such as 25-34, <25, 65+)
    > identifier (unique code-like values) > text (comment-like names; long distinct strings;
    values that read as sentences) > identifier (unique short names over >= 10 rows: one row
    per unit; >= 95% unique over >= 100 rows; named like a unit and mostly unique)
    > nominal (few levels, many codes, or short labels that repeat) > text.
Column names are hints only where the values cannot tell (see `vocab`).
"""

from __future__ import annotations

import re
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
SCALE_POINTS = 7  # 1..7 and 1..10 are rating scales; unnamed nominal codes rarely run so long
LONG_TEXT = 30  # mean characters from which distinct strings read as sentences
UNIT_ROWS = 10  # unique labels over fewer rows are too few to call a table of units
MANY_ROWS = 100  # from this many rows, labels >= ALMOST_UNIQUE distinct are names of rows
ALMOST_UNIQUE = 0.95
SENTENCE = re.compile(r"(?:^|\s)[a-z\u00df-\u00ff][^\W\d_]*[.!?\u2026]+[\"'\u00bb)]*$")
SENTENCE_WORDS = 3
SENTENCE_SHARE = 0.8


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
        if calendar is not None or not s.whole:
            return calendar or _decimal(s, tokens)
        return _integer(s, vocab.name_hints(name))
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
    if tokens & vocab.COORD_MODIFIERS:
        # 'delta_lat', 'lat_diff': a difference of degrees is a measurement, not a place.
        tokens = tokens - vocab.LAT_NAMES - vocab.LON_NAMES - vocab.LAT_AXIS - vocab.LON_AXIS
    for named, axis, lowest, highest, stat_type in (
        (vocab.LAT_NAMES, vocab.LAT_AXIS, -90, 90, StatType.LATITUDE),
        # Longitudes may run 0..360 (east of Greenwich all the way round).
        (vocab.LON_NAMES, vocab.LON_AXIS, -180, 360, StatType.LONGITUDE),
    ):
        if not lowest <= low <= high <= highest:
            continue
        what = stat_type.value
        if tokens & named:
            return StatGuess(stat_type, 0.9, f"named like a {what}, values in {span}")
        if tokens & axis and high <= 180 and _geographic_spread(low, high):
            return StatGuess(stat_type, 0.6, f"named like a {what} axis, values in {span}")
    return StatGuess(
        StatType.CONTINUOUS, 0.9, f"decimal numbers in {span}, {s.distinct:,} distinct"
    )


def _geographic_spread(low: float, high: float) -> bool:
    """Bare x / y are axes of anything: degrees only when the values could be places. Values
    in 0..1 are proportions or simulations, and a minimum of exactly 0 is an origin or a
    missing size (a point at 0 deg, 0 deg is in the Gulf of Guinea)."""
    return low != 0 and not (low >= 0 and high <= 1)


def _integer(s: ColumnStats, hints: vocab.NameHints) -> StatGuess:
    n, low, high = s.count, float(s.min), float(s.max)
    span = f"{show(s.min)}..{show(s.max)}"
    unique = s.distinct >= n
    tokens = hints.tokens
    named_id = vocab.id_hint(tokens)
    quantity = not named_id and (hints.measure or hints.count)
    # A run of consecutive numbers (1..n with few gaps) is a row number or key; unless the
    # name says it measures or counts something (heights 58..72 inches can be consecutive).
    dense = unique and high - low + 1 <= 1.5 * n and not quantity
    if unique and tokens & vocab.UNIT_NAMES:
        return StatGuess(
            StatType.IDENTIFIER, 0.8, f"all {n} values unique, named like a unit code ({span})"
        )
    if unique and (named_id or dense):
        why = "named like an identifier" if named_id else "nearly consecutive"
        return StatGuess(
            StatType.IDENTIFIER, 0.9, f"all {n} values unique integers, {why} ({span})"
        )
    if named_id:
        # Numbers named id/code label units: mostly unique, they key rows (a few repeats in
        # long data); much repeated, they group rows like any code.
        if s.distinct >= 0.5 * n:
            return StatGuess(
                StatType.IDENTIFIER, 0.75, f"named like an identifier, {s.distinct} of {n} unique"
            )
        return StatGuess(
            StatType.NOMINAL, 0.7, f"named like a code, {s.distinct} levels repeated over {n} rows"
        )
    values = sorted({int(v) for v, _ in s.top_values or []})
    if (
        low < 0 < high
        and s.distinct <= SCALE_POINTS
        and values == list(range(int(low), int(high) + 1))
    ):
        # -1/0/1 or -3..3: worse / same / better, a scale centred on neutral.
        return StatGuess(
            StatType.ORDINAL, 0.6, f"a scale centred on 0, {s.distinct} levels in {span}"
        )
    if low < 0:
        return StatGuess(
            StatType.CONTINUOUS,
            0.7,
            f"integers with negative values, {s.distinct:,} distinct in {span}",
        )
    if s.distinct <= SMALL_LEVELS and high <= SMALL_MAX:
        return _small_integers(s, hints, span)
    return _count_or_measure(s, hints, span)


def _count_or_measure(s: ColumnStats, hints: vocab.NameHints, span: str) -> StatGuess:
    """Whole non-negative numbers are counts only with a sign of counting: the name says what
    is counted, or the values are anchored at 0 and skewed right like event counts. Otherwise
    they are measurements recorded to the unit (grams, mm, years of age, dollars), the broader
    model: treating a count as continuous loses little, the converse imposes a Poisson model."""
    many = f"{s.distinct:,} distinct in {span}"
    if hints.count:
        return StatGuess(StatType.COUNT, 0.85, f"named like a count, {many}")
    if hints.measure:
        return StatGuess(
            StatType.CONTINUOUS, 0.85, f"named like a measurement, whole numbers, {many}"
        )
    median = (s.quantiles or {}).get("0.5")
    if float(s.min) == 0 and (s.mean is None or median is None or s.mean >= median):
        return StatGuess(StatType.COUNT, 0.7, f"non-negative integers from 0, skewed right, {many}")
    return StatGuess(
        StatType.CONTINUOUS, 0.65, f"whole numbers away from 0, no sign of counting, {many}"
    )


def _small_integers(s: ColumnStats, hints: vocab.NameHints, span: str) -> StatGuess:
    """1..5 with five levels is more often a code or a scale than a count; the name decides,
    then the values. Levels numbered 1..k are codes: classes of a measurement when named so
    (age 1..6), a rating scale when the run is long (1..7, 1..10), categories otherwise. A 0,
    gaps (2, 4, 6, 8 lanes) or a start above 1 point to a count: codes are numbered 1, 2, 3."""
    levels = f"{s.distinct} levels in {span}"
    if hints.count:
        return StatGuess(StatType.COUNT, 0.75, f"named like a count, {levels}")
    if hints.tokens & vocab.SCALE_NAMES:
        return StatGuess(StatType.ORDINAL, 0.7, f"named like a scale, {levels}")
    values = sorted({int(v) for v, _ in s.top_values or []})
    if len(values) == s.distinct and values == list(range(1, s.distinct + 1)):
        if hints.measure:
            return StatGuess(StatType.ORDINAL, 0.6, f"classes of a measurement, {levels}")
        if s.distinct >= SCALE_POINTS:
            return StatGuess(StatType.ORDINAL, 0.55, f"a 1..{s.distinct} scale, {levels}")
        return StatGuess(StatType.NOMINAL, 0.6, f"small integer codes, {levels}")
    if hints.measure:
        return StatGuess(StatType.CONTINUOUS, 0.65, f"named like a measurement, {levels}")
    if float(s.min) == 0:
        return StatGuess(StatType.COUNT, 0.6, f"small non-negative integers, {levels}")
    return StatGuess(StatType.COUNT, 0.55, f"small integers, not codes 1..k, {levels}")


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
    if tokens & vocab.TEXT_NAMES and not s.code_like:
        # A comment column stays free text even when a few remarks recur.
        return StatGuess(
            StatType.TEXT,
            0.75,
            f"named like free text, {s.distinct:,} distinct, mean length {mean:.0f}",
        )
    if mean >= LONG_TEXT and s.distinct > 0.5 * n:
        # Sentences are free text even in a small file where every count is low.
        return StatGuess(
            StatType.TEXT, 0.8, f"free text, {s.distinct:,} distinct values, mean length {mean:.0f}"
        )
    if s.distinct > 0.5 * n and _sentences(shown):
        # Remarks or questions that end like sentences: text even when short and unique.
        return StatGuess(
            StatType.TEXT,
            0.75,
            f"sentences, {s.distinct:,} distinct values, mean length {mean:.0f}",
        )
    if s.distinct >= n >= UNIT_ROWS:
        # Short labels, none repeated: each row is a different unit (a city, a car model) and
        # the label names it; a grouping variable would repeat.
        return StatGuess(StatType.IDENTIFIER, 0.7, f"all {n} values unique names, one row per unit")
    if n >= MANY_ROWS and s.distinct >= ALMOST_UNIQUE * n:
        # Names or titles with a few homonyms ('Hamlet' twice) still label one row each.
        return StatGuess(
            StatType.IDENTIFIER,
            0.65,
            f"{s.distinct:,} of {n} values unique names, nearly one per row",
        )
    if n >= UNIT_ROWS and tokens & vocab.UNIT_NAMES and s.distinct > 0.5 * n:
        # Units named within a larger one (counties per state): names recur across states but
        # still label the rows; a grouping column of units repeats each one many times.
        return StatGuess(
            StatType.IDENTIFIER, 0.6, f"named like a unit, {s.distinct:,} of {n} values unique"
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
    if s.distinct < n:
        # Short labels that repeat are categories (car models, neighbourhoods), not prose.
        return StatGuess(
            StatType.NOMINAL, 0.6, f"short labels, {s.distinct:,} distinct over {n} values"
        )
    return StatGuess(
        StatType.TEXT, 0.7, f"free text, {s.distinct:,} distinct values, mean length {mean:.0f}"
    )


def _sentences(values: list[str]) -> bool:
    """Most sampled values read as sentences: >= 3 words ending in . ! or ? after a lower-case
    word ('Am full of ideas.'); company names end in 'Inc.', titles without a stop."""
    if len(values) < 3:
        return False
    like = sum(bool(SENTENCE.search(v)) and len(v.split()) >= SENTENCE_WORDS for v in values)
    return like >= SENTENCE_SHARE * len(values)


def show(value: object) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
