"""Dates and times written as text: which format, and day-first or month-first from the data."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl
from mdc_contracts import StatType

SAMPLE_VALUES = 200
_DAY_MONTH = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})[/.-](\d{2}|\d{4})\b")
_TIME = "%H:%M:%S%.f"


@dataclass(frozen=True)
class _Family:
    stat_type: StatType
    pattern: str
    formats: tuple[str, ...]


# Tried in order; a family applies when every sampled value matches its pattern.
_FAMILIES = (
    _Family(StatType.TIME, r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", (_TIME, "%H:%M")),
    _Family(
        StatType.DATETIME,
        r"^\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}",
        tuple(
            f"%Y-%m-%d{sep}{t}{tz}"
            for tz in ("", "%#z")
            for sep in ("T", " ")
            for t in (_TIME, "%H:%M")
        ),
    ),
    _Family(StatType.DATE, r"^\d{4}-\d{1,2}-\d{1,2}$", ("%Y-%m-%d",)),
    _Family(StatType.DATE, r"^\d{4}/\d{1,2}/\d{1,2}$", ("%Y/%m/%d",)),
    # Day/month orders: the {DM} placeholder is filled in after looking at the data.
    _Family(
        StatType.DATETIME,
        r"^\d{1,2}[/.-]\d{1,2}[/.-](\d{2}|\d{4})[T ]\d{1,2}:\d{2}",
        ("{DM} " + _TIME, "{DM} %H:%M", "{DM}T" + _TIME, "{DM}T%H:%M"),
    ),
    _Family(StatType.DATE, r"^\d{1,2}[/.-]\d{1,2}[/.-](\d{2}|\d{4})$", ("{DM}",)),
)

# Matches a value when some family's pattern does: one check rules most text out at once.
_ANY_FAMILY = "|".join(f"(?:{family.pattern})" for family in _FAMILIES)


@dataclass(frozen=True)
class TemporalParse:
    stat_type: StatType
    format: str
    values: pl.Series
    note: str  # how the order of day and month was decided, if it had to be
    ambiguous: bool


def parse_temporal(series: pl.Series) -> TemporalParse | None:
    """Parse a text column as dates/datetimes/times if every non-null value fits one format."""
    if series.dtype != pl.String or series.null_count() == series.len():
        return None  # the null count is free: thousands of empty columns add up
    values = series.str.strip_chars()
    sample = values.drop_nulls().head(SAMPLE_VALUES)
    if sample.is_empty() or not sample.str.contains(_ANY_FAMILY).all():
        return None
    for family in _FAMILIES:
        if not sample.str.contains(family.pattern).all():
            continue
        formats, note, ambiguous = _concrete_formats(family, values)
        for fmt in formats:
            parsed = values.str.strptime(_DTYPES[family.stat_type], fmt, strict=False)
            if parsed.null_count() == values.null_count():
                return TemporalParse(
                    family.stat_type, fmt, parsed.alias(series.name), note, ambiguous
                )
    return None


_DTYPES: dict[StatType, pl.Date | pl.Datetime | pl.Time] = {
    StatType.DATE: pl.Date(),
    StatType.DATETIME: pl.Datetime(),
    StatType.TIME: pl.Time(),
}


def _concrete_formats(family: _Family, values: pl.Series) -> tuple[list[str], str, bool]:
    if not any("{DM}" in f for f in family.formats):
        return list(family.formats), "", False
    first = values.drop_nulls().head(1).item()
    match = _DAY_MONTH.match(first)
    if match is None:
        return [], "", False
    sep, year = match.group(2), "%Y" if len(match.group(4)) == 4 else "%y"
    day_first, note, ambiguous = day_first_order(values)
    order = ("%d", "%m") if day_first else ("%m", "%d")
    dm = f"{order[0]}{sep}{order[1]}{sep}{year}"
    return [f.replace("{DM}", dm) for f in family.formats], note, ambiguous


def day_first_order(values: pl.Series) -> tuple[bool, str, bool]:
    """(day_first, note, ambiguous): day-first if any first field > 12, month-first if any
    second field > 12; when neither says, day-first (the common order in open data)."""
    fields = values.str.extract_groups(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]")
    first = fields.struct.field("1").cast(pl.Int32, strict=False).max()
    second = fields.struct.field("2").cast(pl.Int32, strict=False).max()
    if first is not None and first > 12:  # type: ignore[operator]
        return True, "day-first: a first field is > 12", False
    if second is not None and second > 12:  # type: ignore[operator]
        return False, "month-first: a second field is > 12", False
    return True, "day-first assumed: no field is > 12", True


@dataclass(frozen=True)
class TemporalCandidate:
    """A temporal format proposed from a sample, to be verified on the whole column."""

    stat_type: StatType
    dtype: pl.Date | pl.Datetime | pl.Time
    formats: tuple[str, ...]  # may hold {DM}, filled in once the day-first order is known
    day_month: tuple[str, str] | None  # (separator, year format) for day/month orders


def temporal_candidate(sample: pl.Series) -> TemporalCandidate | None:
    """The first family every sampled (stripped, non-null) text value matches, if any."""
    values = sample.drop_nulls().str.strip_chars()
    if values.is_empty() or not values.str.contains(_ANY_FAMILY).all():
        return None
    for family in _FAMILIES:
        if not values.str.contains(family.pattern).all():
            continue
        day_month = None
        if any("{DM}" in f for f in family.formats):
            match = _DAY_MONTH.match(values[0])
            if match is None:
                continue
            day_month = (match.group(2), "%Y" if len(match.group(4)) == 4 else "%y")
        dtype = _DTYPES[family.stat_type]
        return TemporalCandidate(family.stat_type, dtype, family.formats, day_month)
    return None


def day_month_fields(column: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Max of the first and of the second numeric field: the data's day-first evidence."""
    fields = column.str.strip_chars().str.extract_groups(r"^(\d{1,2})[/.-](\d{1,2})[/.-]")
    first = fields.struct.field("1").cast(pl.Int32, strict=False).max()
    second = fields.struct.field("2").cast(pl.Int32, strict=False).max()
    return first, second


def decide_day_first(first_max: int | None, second_max: int | None) -> tuple[bool, str, bool]:
    """(day_first, note, ambiguous), as `day_first_order` but from precomputed maxima."""
    if first_max is not None and first_max > 12:
        return True, "day-first: a first field is > 12", False
    if second_max is not None and second_max > 12:
        return False, "month-first: a second field is > 12", False
    return True, "day-first assumed: no field is > 12", True


def concrete_formats(candidate: TemporalCandidate, day_first: bool) -> list[str]:
    if candidate.day_month is None:
        return list(candidate.formats)
    sep, year = candidate.day_month
    order = ("%d", "%m") if day_first else ("%m", "%d")
    dm = f"{order[0]}{sep}{order[1]}{sep}{year}"
    return [f.replace("{DM}", dm) for f in candidate.formats]


def first_parsing_format(
    sample: pl.Series, candidate: TemporalCandidate, formats: list[str]
) -> str | None:
    """The first format that parses every sampled value (checked on the whole column later)."""
    values = sample.drop_nulls().str.strip_chars()
    for fmt in formats:
        try:
            parsed = values.str.strptime(candidate.dtype, fmt, strict=False)
        except pl.exceptions.PolarsError:
            continue
        if parsed.null_count() == 0:
            return fmt
    return None
