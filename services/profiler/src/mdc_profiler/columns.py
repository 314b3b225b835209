"""What the profile knows of one column (`ColumnStats`), and the polars expressions both ways
of computing it share: over every row (`stats`) or over the value counts (`valuecounts`).

Temporal mean/std/quantiles are in seconds since 1970-01-01 (since midnight for times).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

import polars as pl

Kind = Literal["numeric", "boolean", "temporal", "string", "other"]
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
HIST_BINS = 20
TOP_K = 10
TOP_K_MAX_DISTINCT = 100_000
CODE_LIKE = r"^[A-Za-z0-9][A-Za-z0-9_.:/#-]{0,39}$"
DIGITS = r"^\d+$"
LEADING_ZERO = r"^0\d"
_NS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3}


@dataclass(frozen=True)
class TextTemporal:
    """A text column whose values all parse with `format`."""

    dtype: pl.DataType
    format: str
    note: str
    ambiguous: bool

    def expr(self, name: str) -> pl.Expr:
        dtype = cast("pl.Date | pl.Datetime | pl.Time", self.dtype)
        return pl.col(name).str.strip_chars().str.strptime(dtype, self.format, strict=False)


@dataclass
class ColumnStats:
    name: str
    dtype: pl.DataType
    kind: Kind
    rows: int
    null_count: int = 0
    distinct: int = 0
    distinct_is_estimate: bool = False
    min: Any = None
    max: Any = None
    mean: float | None = None
    std: float | None = None
    quantiles: dict[str, float] | None = None
    whole: bool = False  # integer values (an integer dtype, or floats that are all whole)
    histogram: tuple[list[float], list[int]] | None = None
    top_values: list[tuple[Any, int]] | None = None
    length: tuple[int, int, float] | None = None
    code_like: bool = False
    digits_only: bool = False
    leading_zero: bool = False
    granularity: str | None = None
    parsed: TextTemporal | None = None

    @property
    def count(self) -> int:
        return self.rows - self.null_count

    @property
    def has_range(self) -> bool:
        """A numeric column with two different values: a histogram makes sense."""
        return self.kind == "numeric" and self.min is not None and self.max > self.min

    def set_top(self, pairs: list[tuple[Any, int]]) -> None:
        # Ties in count ordered by value, so the top-k is the same on every run.
        self.top_values = sorted(pairs, key=lambda p: (-p[1], str(p[0])))

    def set_histogram(self, bins: list[tuple[int, int]]) -> None:
        """From (bin, count) pairs of `histogram_bin`."""
        counts = [0] * HIST_BINS
        for b, n in bins:
            counts[int(b)] += int(n)
        low, high = float(self.min), float(self.max)
        edges = [low + (high - low) * k / HIST_BINS for k in range(HIST_BINS + 1)]
        self.histogram = (edges, counts)


def kind_of(dtype: pl.DataType) -> Kind:
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_numeric():
        return "numeric"
    if dtype.is_temporal() and not isinstance(dtype, pl.Duration):
        return "temporal"
    if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum):
        return "string"
    return "other"


def source_expr(name: str, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Categorical | pl.Enum):
        return pl.col(name).cast(pl.String)
    if dtype.is_float():
        # NaN and infinities would poison min, max and moments: treat them as missing there.
        return pl.when(pl.col(name).is_finite()).then(pl.col(name))
    return pl.col(name)


def as_number(x: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Datetime):
        return x.to_physical().cast(pl.Float64) * _NS[dtype.time_unit or "us"]
    if dtype == pl.Date:
        return x.to_physical().cast(pl.Float64) * 86_400
    if dtype == pl.Time:
        return x.to_physical().cast(pl.Float64) * 1e-9
    return x.cast(pl.Float64)  # also avoids integer overflow in sums


def histogram_bin(x: pl.Expr, s: ColumnStats) -> pl.Expr:
    """The bin (0..HIST_BINS-1) of each value, equal widths from min to max, as polars' `hist`
    counts them: bins are closed on the right, the first also holds the minimum."""
    low = float(s.min)
    width = (float(s.max) - low) / HIST_BINS
    bins = ((x.cast(pl.Float64) - low) / width).ceil() - 1
    return bins.clip(0, HIST_BINS - 1).cast(pl.Int32)


def granularity(x: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """The finest unit any value uses: second, minute, hour, day, month or year."""
    steps: list[tuple[pl.Expr, str]] = []
    if dtype != pl.Date:
        steps += [
            ((x.dt.second() != 0) | (x.dt.nanosecond() != 0), "second"),
            (x.dt.minute() != 0, "minute"),
        ]
    if dtype == pl.Time:
        return _first_true([*steps], "hour")
    if dtype != pl.Date:
        steps.append((x.dt.hour() != 0, "hour"))
    steps += [(x.dt.day() != 1, "day"), (x.dt.month() != 1, "month")]
    return _first_true(steps, "year")


def _first_true(steps: list[tuple[pl.Expr, str]], otherwise: str) -> pl.Expr:
    expr: Any = pl
    for condition, unit in steps:
        expr = expr.when(condition.any()).then(pl.lit(unit))
    return expr.otherwise(pl.lit(otherwise)) if steps else pl.lit(otherwise)


def pattern_exprs(x: pl.Expr, prefix: str) -> list[pl.Expr]:
    """What the text looks like: codes, digits only, leading zeros (for identifiers)."""
    return [
        x.str.contains(CODE_LIKE).all().alias(f"{prefix}code"),
        x.str.contains(DIGITS).all().alias(f"{prefix}digits"),
        x.str.contains(LEADING_ZERO).any().alias(f"{prefix}zero"),
    ]


def read_patterns(row: dict[str, Any], prefix: str, s: ColumnStats) -> None:
    if f"{prefix}code" in row:
        s.code_like = bool(row[f"{prefix}code"])
        s.digits_only = bool(row[f"{prefix}digits"])
        s.leading_zero = bool(row[f"{prefix}zero"])


def length_exprs(x: pl.Expr, prefix: str) -> list[pl.Expr]:
    n = x.str.len_chars()
    return [
        n.min().alias(f"{prefix}lmin"),
        n.max().alias(f"{prefix}lmax"),
        n.mean().alias(f"{prefix}lmean"),
    ]


def read_lengths(row: dict[str, Any], prefix: str, s: ColumnStats) -> None:
    if row.get(f"{prefix}lmin") is not None:
        low, high, mean = row[f"{prefix}lmin"], row[f"{prefix}lmax"], row[f"{prefix}lmean"]
        s.length = (int(low), int(high), float(mean))
