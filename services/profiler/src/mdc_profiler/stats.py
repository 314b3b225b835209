"""Per-column statistics of a lazy table (`ColumnStats`), computed in column batches.

Short tables, two selects per batch of columns: the first gives counts, distinct, min, max,
moments, string lengths, text patterns and temporal granularity; the second, which needs the
first (histogram edges, which columns are worth a top-k), gives quantiles, histograms and top
values. Long tables (`LONG_ROWS`): the first select only counts nulls (and estimates the
distinct values of text); the second takes each column's value counts, one group-by, and
`valuecounts` derives every statistic from them, which is several times faster.

The second select runs on the in-memory engine (faster at group-bys) in column slices sized to
bound memory; one select over thousands of columns is slow to plan, so batches keep wide files
fast, and every select reduces columns to one row, so memory stays bounded whatever the row count.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import reduce
from typing import Any, Literal

import polars as pl

from mdc_profiler.columns import (
    HIST_BINS,
    QUANTILES,
    TOP_K,
    TOP_K_MAX_DISTINCT,
    ColumnStats,
    TextTemporal,
    as_number,
    granularity,
    kind_of,
    length_exprs,
    pattern_exprs,
    read_lengths,
    read_patterns,
    source_expr,
)
from mdc_profiler.valuecounts import counts_expr, read_counts

__all__ = ["ColumnStats", "TextTemporal", "collect_stats", "engine", "table_counts"]

DETAIL_CELLS = 4_000_000  # values held in memory at once by the second select
# From this many rows on, statistics come from each column's value counts.
LONG_ROWS = 100_000
# Long text columns with more distinct values than this (estimated) are summarised row by row:
# their value counts would be as large as the column.
TEXT_COUNTS_MAX_DISTINCT = 1_000_000
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


def _collect(lf: pl.LazyFrame, stage: str) -> pl.DataFrame:
    """The single place queries run (`stage` names the query; tests spy on it)."""
    del stage
    return lf.collect(engine=_ENGINE.get())


def batches(names: list[str], size: int) -> list[list[str]]:
    return [names[i : i + size] for i in range(0, len(names), max(1, size))]


def table_counts(lf: pl.LazyFrame, width: int) -> tuple[int, int]:
    """(rows, duplicate rows): duplicates from one 64-bit hash per row, streamed."""
    rows = int(_collect(lf.select(pl.len()), "rows").item())  # Parquet: from its metadata
    if width == 0 or rows == 0:
        return rows, 0
    # Alone in its query: next to `pl.len()` the streaming engine holds every row (polars 2.1).
    unique = int(_collect(lf.select(row_hash(lf).n_unique()), "rows").item())
    return rows, rows - unique


def row_hash(lf: pl.LazyFrame) -> pl.Expr:
    """A 64-bit hash of each whole row: the columns' hashes, seeded by position, xor-ed
    (several times faster than hashing a struct of the row)."""
    names = lf.collect_schema().names()
    return reduce(operator.xor, (pl.col(n).hash(seed=i) for i, n in enumerate(names)))


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
    long = rows >= LONG_ROWS
    if parsed:
        # Parse text dates once per query (once in all, in memory), not once per statistic.
        lf = lf.with_columns(p.expr(n).alias(n) for n, p in parsed.items())
        if _ENGINE.get() == "in-memory":
            lf = lf.collect(engine="in-memory").lazy()
    result: list[ColumnStats] = []
    for names in batches(list(schema), batch_size):
        stats = [_new(n, schema[n], rows, parsed.get(n), exact) for n in names]
        first = [e for i, s in enumerate(stats) for e in _summary_exprs(i, s, exact, long)]
        if _ENGINE.get() == "streaming":
            # Next to other aggregations, distinct counts make the streaming engine hold every
            # row (polars 2.1): alone, they stream.
            distinct = [e for e in first if e.meta.output_name().endswith("|distinct")]
            first = [e for e in first if not e.meta.output_name().endswith("|distinct")]
            parts = [_collect(lf.select(first), "summary")]
            if distinct:
                parts.append(_collect(lf.select(distinct), "distinct"))
            _read_summary(pl.concat(parts, how="horizontal"), stats)
        else:
            _read_summary(_collect(lf.select(first), "summary"), stats)
        _detail(lf, stats, rows, long)
        result.extend(stats)
    return result


def _detail(lf: pl.LazyFrame, stats: list[ColumnStats], rows: int, long: bool) -> None:
    """The second select. Group-bys are slow on the streaming engine: the in-memory one runs
    them, on as many columns at once as keep about `DETAIL_CELLS` values in memory."""
    per_column = [exprs for i, s in enumerate(stats) if (exprs := _detail_exprs(i, s, long))]
    if not per_column:
        return
    streaming = _ENGINE.get() == "streaming"
    size = max(1, DETAIL_CELLS // max(rows, 1)) if streaming or long else len(per_column)
    token = _ENGINE.set("in-memory")
    try:
        for start in range(0, len(per_column), size):
            exprs = [e for column in per_column[start : start + size] for e in column]
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


def _by_counts(s: ColumnStats, long: bool) -> bool:
    """Whether the column's statistics come from its value counts (set after the summary)."""
    if not long or s.kind == "other" or s.count == 0:
        return False
    return s.kind != "string" or s.distinct <= TEXT_COUNTS_MAX_DISTINCT


def _summary_exprs(i: int, s: ColumnStats, exact: bool, long: bool) -> list[pl.Expr]:
    x = source_expr(s.name, s.dtype)
    raw = pl.col(s.name)
    present = x.drop_nulls() if s.kind != "other" else raw.drop_nulls().hash()
    distinct = (present.n_unique() if exact else present.approx_n_unique()).alias(f"{i}|distinct")
    exprs = [raw.null_count().alias(f"{i}|nulls")]
    if long and s.kind != "other":
        # The value counts give the rest; text needs an estimate first to keep them bounded.
        return [*exprs, distinct] if s.kind == "string" else exprs
    exprs.append(distinct)
    if s.kind == "other":
        return exprs
    exprs += [x.min().alias(f"{i}|min"), x.max().alias(f"{i}|max")]
    if s.kind in ("numeric", "boolean", "temporal"):
        v = as_number(x, s.dtype)
        exprs += [v.mean().alias(f"{i}|mean"), v.std().alias(f"{i}|std")]
    if s.kind == "numeric" and s.dtype.is_float():
        exprs.append((x == x.floor()).all().alias(f"{i}|whole"))
    if s.kind == "string":
        exprs += [*length_exprs(x, f"{i}|"), *pattern_exprs(x, f"{i}|")]
    if s.kind == "temporal":
        exprs.append(granularity(x, s.dtype).alias(f"{i}|gran"))
    return exprs


def _read_summary(out: pl.DataFrame, stats: list[ColumnStats]) -> None:
    row = out.row(0, named=True)
    for i, s in enumerate(stats):
        s.null_count = int(row[f"{i}|nulls"])
        if f"{i}|distinct" in row:
            s.distinct = min(int(row[f"{i}|distinct"]), s.count)  # a sketch can overshoot
        s.min, s.max = row.get(f"{i}|min"), row.get(f"{i}|max")
        s.mean, s.std = row.get(f"{i}|mean"), row.get(f"{i}|std")
        if row.get(f"{i}|whole"):
            s.whole = True
        read_lengths(row, f"{i}|", s)
        read_patterns(row, f"{i}|", s)
        s.granularity = row.get(f"{i}|gran") if s.count else None


def _detail_exprs(i: int, s: ColumnStats, long: bool) -> list[pl.Expr]:
    x = source_expr(s.name, s.dtype).alias("v")
    if _by_counts(s, long):
        return [counts_expr(x).alias(f"{i}|vc")]
    exprs: list[pl.Expr] = []
    if long and s.kind == "string" and s.count:  # too many distinct values for counts
        exprs += [
            x.min().alias(f"{i}|min"),
            x.max().alias(f"{i}|max"),
            *length_exprs(x, f"{i}|"),
            *pattern_exprs(x, f"{i}|"),
        ]
    if s.kind in ("numeric", "temporal") and s.count:
        # Exact quantiles hold the whole column: here, where columns are sliced to bound memory.
        q = as_number(x, s.dtype).quantile(list(QUANTILES), "linear")
        exprs.append(q.alias(f"{i}|q"))
    if s.has_range:
        exprs.append(x.hist(bin_count=HIST_BINS).implode().alias(f"{i}|hist"))
    if s.kind != "other" and 0 < s.distinct <= TOP_K_MAX_DISTINCT:
        # Runs of the sorted values: deterministic, so ties in count stay in value order.
        runs = x.drop_nulls().sort().rle()
        by_count = runs.struct.field("len")
        top = runs.sort_by(by_count, descending=True, maintain_order=True).head(TOP_K)
        exprs.append(top.struct.rename_fields(["n", "v"]).implode().alias(f"{i}|top"))
    return exprs


def _read_detail(out: pl.DataFrame, stats: list[ColumnStats]) -> None:
    row: dict[str, Any] = out.row(0, named=True)
    for i, s in enumerate(stats):
        if f"{i}|vc" in row:
            read_counts(out.select(pl.col(f"{i}|vc").explode()).unnest(f"{i}|vc"), s)
            continue
        if f"{i}|min" in row:
            s.min, s.max = row[f"{i}|min"], row[f"{i}|max"]
        read_lengths(row, f"{i}|", s)
        read_patterns(row, f"{i}|", s)
        q = row.get(f"{i}|q")
        if q is not None and all(v is not None for v in q):
            s.quantiles = {str(p): float(v) for p, v in zip(QUANTILES, q, strict=True)}
        hist = row.get(f"{i}|hist")
        if hist is not None:
            s.set_histogram(list(enumerate(hist)))
        top = row.get(f"{i}|top")
        if top is not None:
            s.set_top([(item["v"], int(item["n"])) for item in top])
