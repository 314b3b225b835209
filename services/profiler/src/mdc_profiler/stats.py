"""Per-column statistics of a lazy table, computed in column batches with the streaming engine.

Two selects per batch of columns: the first gives counts, distinct, min, max, moments,
string lengths and temporal granularity; the second, which needs the first (histogram edges,
which columns are worth a top-k), gives quantiles, histograms and top values, on the
in-memory engine (faster at group-bys) in column slices sized to bound memory.
One select over thousands of columns is slow to plan, so batches keep wide files fast, and
every select reduces columns to one row, so memory stays bounded whatever the row count.

Temporal mean/std/quantiles are in seconds since 1970-01-01 (since midnight for times).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, cast

import polars as pl

Kind = Literal["numeric", "boolean", "temporal", "string", "other"]
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
HIST_BINS = 20
TOP_K = 10
TOP_K_MAX_DISTINCT = 100_000
DETAIL_CELLS = 10_000_000  # above this, a top-k is a full group-by for counts of ~1
_CODE_LIKE = r"^[A-Za-z0-9][A-Za-z0-9_.:/#-]{0,39}$"
_NS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3}
Engine = Literal["streaming", "in-memory"]
# Streaming bounds memory on big files; on small in-memory tables it only adds overhead per query.
# A context variable, not a parameter: textdates calls `_collect(lf, stage)` too.
_ENGINE: ContextVar[Engine] = ContextVar("mdc_profiler_engine", default="streaming")


@contextmanager
def engine(name: Engine) -> Iterator[None]:
    """Run the queries made inside the block with the `name` engine."""
    token = _ENGINE.set(name)
    try:
        yield
    finally:
        _ENGINE.reset(token)


def current_engine() -> Engine:
    return _ENGINE.get()


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


def _collect(lf: pl.LazyFrame, stage: str) -> pl.DataFrame:
    """The single place queries run (`stage` names the query; tests spy on it)."""
    del stage
    return lf.collect(engine=_ENGINE.get())


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


def source_expr(name: str, dtype: pl.DataType, parsed: TextTemporal | None) -> pl.Expr:
    if parsed is not None:
        return parsed.expr(name)
    if isinstance(dtype, pl.Categorical | pl.Enum):
        return pl.col(name).cast(pl.String)
    if dtype.is_float():
        # NaN and infinities would poison min, max and moments: treat them as missing there.
        return pl.when(pl.col(name).is_finite()).then(pl.col(name))
    return pl.col(name)


def batches(names: list[str], size: int) -> list[list[str]]:
    return [names[i : i + size] for i in range(0, len(names), max(1, size))]


def table_counts(lf: pl.LazyFrame, width: int) -> tuple[int, int]:
    """(rows, duplicate rows): duplicates from one 64-bit hash per row, streamed."""
    if width == 0:
        return _collect(lf.select(pl.len()), "rows").item(), 0
    rows = int(_collect(lf.select(pl.len()), "rows").item())  # Parquet: from its metadata
    # Alone in its query: next to `pl.len()` the streaming engine holds every row (polars 2.1).
    unique = int(_collect(lf.select(pl.struct(pl.all()).hash().n_unique()), "rows").item())
    return rows, rows - unique if rows else 0


def collect_stats(
    lf: pl.LazyFrame,
    schema: dict[str, pl.DataType],
    rows: int,
    *,
    parsed: dict[str, TextTemporal],
    batch_size: int,
    exact_distinct_limit: int,
) -> list[ColumnStats]:
    exact = rows <= exact_distinct_limit
    result: list[ColumnStats] = []
    for names in batches(list(schema), batch_size):
        stats = [_new(n, schema[n], rows, parsed.get(n), exact) for n in names]
        first = [e for i, s in enumerate(stats) for e in _summary_exprs(i, s, exact)]
        if _ENGINE.get() == "streaming":
            # Next to other aggregations, distinct counts make the streaming engine hold every
            # row (polars 2.1): alone, they stream.
            distinct = [e for e in first if e.meta.output_name().endswith("|distinct")]
            first = [e for e in first if not e.meta.output_name().endswith("|distinct")]
            counts = _collect(lf.select(distinct), "distinct")
            _read_summary(
                pl.concat([_collect(lf.select(first), "summary"), counts], how="horizontal"), stats
            )
        else:
            _read_summary(_collect(lf.select(first), "summary"), stats)
        _detail(lf, stats, rows)
        result.extend(stats)
    return result


def _detail(lf: pl.LazyFrame, stats: list[ColumnStats], rows: int) -> None:
    """Histograms and top-k. Group-bys are slow on the streaming engine: the in-memory one
    runs them, on as many columns at once as keep about `DETAIL_CELLS` values in memory."""
    indexed = [(i, s) for i, s in enumerate(stats) if _detail_exprs(i, s)]
    if not indexed:
        return
    streaming = _ENGINE.get() == "streaming"
    size = max(1, DETAIL_CELLS // max(rows, 1)) if streaming else len(indexed)
    token = _ENGINE.set("in-memory")
    try:
        for start in range(0, len(indexed), size):
            part = indexed[start : start + size]
            exprs = [e for i, s in part for e in _detail_exprs(i, s)]
            _read_detail(_collect(lf.select(exprs), "detail"), stats)
    finally:
        _ENGINE.reset(token)


def _new(
    name: str, dtype: pl.DataType, rows: int, parsed: TextTemporal | None, exact: bool
) -> ColumnStats:
    real = parsed.dtype if parsed is not None else dtype
    stats = ColumnStats(name, real, kind_of(real), rows, distinct_is_estimate=not exact)
    stats.parsed = parsed
    stats.whole = real.is_integer()
    return stats


def _summary_exprs(i: int, s: ColumnStats, exact: bool) -> list[pl.Expr]:
    x = source_expr(s.name, s.dtype, s.parsed)
    raw = pl.col(s.name)
    present = x.drop_nulls() if s.kind != "other" else raw.drop_nulls().hash()
    exprs = [
        raw.null_count().alias(f"{i}|nulls"),
        (present.n_unique() if exact else present.approx_n_unique()).alias(f"{i}|distinct"),
    ]
    if s.parsed is not None:  # a value that does not parse is not a date: count it as missing
        exprs[0] = x.null_count().alias(f"{i}|nulls")
    if s.kind == "other":
        return exprs
    exprs += [x.min().alias(f"{i}|min"), x.max().alias(f"{i}|max")]
    if s.kind in ("numeric", "boolean", "temporal"):
        v = _as_number(x, s.dtype)
        exprs += [v.mean().alias(f"{i}|mean"), v.std().alias(f"{i}|std")]
    if s.kind == "numeric" and s.dtype.is_float():
        exprs.append((x == x.floor()).all().alias(f"{i}|whole"))
    if s.kind == "string":
        n = x.str.len_chars()
        exprs += [
            n.min().alias(f"{i}|lmin"),
            n.max().alias(f"{i}|lmax"),
            n.mean().alias(f"{i}|lmean"),
            x.str.contains(_CODE_LIKE).all().alias(f"{i}|code"),
            x.str.contains(r"^\d+$").all().alias(f"{i}|digits"),
            x.str.contains(r"^0\d").any().alias(f"{i}|zero"),
        ]
    if s.kind == "temporal":
        exprs.append(_granularity(x, s.dtype).alias(f"{i}|gran"))
    return exprs


def _as_number(x: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Datetime):
        return x.to_physical().cast(pl.Float64) * _NS[dtype.time_unit or "us"]
    if dtype == pl.Date:
        return x.to_physical().cast(pl.Float64) * 86_400
    if dtype == pl.Time:
        return x.to_physical().cast(pl.Float64) * 1e-9
    return x.cast(pl.Float64)  # also avoids integer overflow in sums


def _granularity(x: pl.Expr, dtype: pl.DataType) -> pl.Expr:
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


def _read_summary(out: pl.DataFrame, stats: list[ColumnStats]) -> None:
    row = out.row(0, named=True)
    for i, s in enumerate(stats):
        s.null_count = int(row[f"{i}|nulls"])
        s.distinct = int(row[f"{i}|distinct"])
        s.distinct = min(s.distinct, s.count)  # a sketch can overshoot
        s.min, s.max = row.get(f"{i}|min"), row.get(f"{i}|max")
        s.mean, s.std = row.get(f"{i}|mean"), row.get(f"{i}|std")
        if row.get(f"{i}|whole"):
            s.whole = True
        if row.get(f"{i}|lmin") is not None:
            s.length = (int(row[f"{i}|lmin"]), int(row[f"{i}|lmax"]), float(row[f"{i}|lmean"]))
        s.code_like = bool(row.get(f"{i}|code"))
        s.digits_only = bool(row.get(f"{i}|digits"))
        s.leading_zero = bool(row.get(f"{i}|zero"))
        s.granularity = row.get(f"{i}|gran") if s.count else None


def _detail_exprs(i: int, s: ColumnStats) -> list[pl.Expr]:
    x = source_expr(s.name, s.dtype, s.parsed).alias("v")
    exprs: list[pl.Expr] = []
    if s.kind in ("numeric", "temporal") and s.count:
        # Exact quantiles hold the whole column: here, where columns are sliced to bound memory.
        q = _as_number(x, s.dtype).quantile(list(QUANTILES), "linear")
        exprs.append(q.alias(f"{i}|q"))
    if s.kind == "numeric" and s.min is not None and s.max is not None and s.max > s.min:
        width = (float(s.max) - float(s.min)) / HIST_BINS
        bins = ((x.cast(pl.Float64) - float(s.min)) / width).floor().clip(0, HIST_BINS - 1)
        counts = bins.drop_nulls().cast(pl.Int32).value_counts().implode()
        exprs.append(counts.alias(f"{i}|hist"))
    if s.kind != "other" and 0 < s.distinct <= TOP_K_MAX_DISTINCT:
        top = x.drop_nulls().value_counts(sort=True, name="n").head(TOP_K).implode()
        exprs.append(top.alias(f"{i}|top"))
    return exprs


def _read_detail(out: pl.DataFrame, stats: list[ColumnStats]) -> None:
    row = out.row(0, named=True)
    for i, s in enumerate(stats):
        if not any(f"{i}|{k}" in row for k in ("hist", "top", "q")):
            continue
        q = row.get(f"{i}|q")
        if q is not None and all(v is not None for v in q):
            s.quantiles = {str(p): float(v) for p, v in zip(QUANTILES, q, strict=True)}
        hist = row.get(f"{i}|hist")
        if hist is not None:
            counts = [0] * HIST_BINS
            for item in hist:
                counts[int(item["v"])] += int(item["count"])
            low, high = float(s.min), float(s.max)
            edges = [low + (high - low) * k / HIST_BINS for k in range(HIST_BINS + 1)]
            s.histogram = (edges, counts)
        top = row.get(f"{i}|top")
        if top is not None:
            # Ties in count are ordered by value, so the top-k is the same on every run.
            pairs = [(item["v"], int(item["n"])) for item in top]
            s.top_values = sorted(pairs, key=lambda p: (-p[1], str(p[0])))
