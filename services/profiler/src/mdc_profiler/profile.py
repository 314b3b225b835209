"""Profile of a table: per-column statistics and statistical types, and dataset-level counts.

`profile_lazy` works on a LazyFrame in column batches with the streaming engine, so memory is
bounded and wide tables stay fast; `profile_frame` is the in-memory entry point (it delegates
to `profile_lazy` and also returns the table to store, with text dates parsed).
CPU-heavy: call from a worker thread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from mdc_contracts import (
    ColumnProfile,
    DatasetProfile,
    Histogram,
    LengthStats,
    StatType,
    TemporalProfile,
    ValueCount,
)

from mdc_profiler.effective import EffectiveColumn
from mdc_profiler.stats import ColumnStats, collect_stats, table_counts
from mdc_profiler.stattypes import StatGuess, infer
from mdc_profiler.textdates import detect_text_temporal

MAX_TEXT = 200
BATCH_SIZE = 100
EXACT_DISTINCT_LIMIT = 1_000_000
SPEC_EVIDENCE = "set by the provider's spec"
LOW_CARDINALITY = {StatType.BINARY, StatType.NOMINAL, StatType.ORDINAL}


@dataclass(frozen=True)
class ProfiledDataset:
    columns: list[ColumnProfile]
    profile: DatasetProfile
    # Text columns found to hold dates: apply with `lf.with_columns(conversions.values())`
    # to store them as real dates.
    conversions: dict[str, pl.Expr] = field(default_factory=dict)


@dataclass(frozen=True)
class ProfiledTable(ProfiledDataset):
    frame: pl.DataFrame = field(default_factory=pl.DataFrame)


def profile_lazy(
    lf: pl.LazyFrame,
    effective: list[EffectiveColumn] | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    exact_distinct_limit: int = EXACT_DISTINCT_LIMIT,
) -> ProfiledDataset:
    schema = dict(lf.collect_schema())
    fixed = {e.name for e in effective or [] if e.dtype_fixed}
    texts = [n for n, dtype in schema.items() if dtype == pl.String and n not in fixed]
    parsed = detect_text_temporal(lf, texts, batch_size=batch_size)
    rows, duplicates = table_counts(lf, len(schema))
    stats = collect_stats(
        lf,
        schema,
        rows,
        parsed=parsed,
        batch_size=batch_size,
        exact_distinct_limit=exact_distinct_limit,
    )
    by_name = {e.name: e for e in effective or []}
    columns = [column_profile(p, s, by_name.get(s.name)) for p, s in enumerate(stats)]
    profile = dataset_profile(rows, len(schema), duplicates, columns)
    conversions = {name: p.expr(name).alias(name) for name, p in parsed.items()}
    return ProfiledDataset(columns, profile, conversions)


def profile_frame(
    frame: pl.DataFrame,
    effective: list[EffectiveColumn] | None = None,
    *,
    batch_size: int = BATCH_SIZE,
) -> ProfiledTable:
    profiled = profile_lazy(frame.lazy(), effective, batch_size=batch_size)
    stored = frame.with_columns(*profiled.conversions.values()) if profiled.conversions else frame
    return ProfiledTable(profiled.columns, profiled.profile, profiled.conversions, stored)


def column_profile(
    position: int, s: ColumnStats, spec: EffectiveColumn | None = None
) -> ColumnProfile:
    guess = infer(s, s.name)
    stat_type, confidence, evidence, inferred = (
        guess.stat_type,
        guess.confidence,
        guess.evidence,
        None,
    )
    if spec is not None and spec.stat_type_override is not None:
        inferred = guess.stat_type
        stat_type, confidence, evidence = spec.stat_type_override, 1.0, SPEC_EVIDENCE
    categories = spec.categories if spec is not None and spec.categories else guess.levels
    renamed = spec is not None and spec.source_name != spec.name
    return ColumnProfile(
        name=s.name,
        position=position,
        dtype=str(s.dtype),
        stat_type=stat_type,
        stat_type_confidence=confidence,
        stat_type_evidence=evidence,
        inferred_stat_type=inferred,
        null_count=s.null_count,
        distinct_count=s.distinct,
        distinct_is_estimate=s.distinct_is_estimate,
        min=_as_text(s.min),
        max=_as_text(s.max),
        mean=_finite(s.mean),
        std=_finite(s.std),
        quantiles=s.quantiles,
        histogram=Histogram(edges=s.histogram[0], counts=s.histogram[1]) if s.histogram else None,
        top_values=[ValueCount(value=_as_text(v), count=c) for v, c in s.top_values]
        if s.top_values is not None
        else None,
        string_length=LengthStats(min=s.length[0], max=s.length[1], mean=s.length[2])
        if s.length
        else None,
        temporal=_temporal(s, guess),
        categories=categories,
        unit=spec.unit if spec else None,
        description=spec.description if spec else None,
        pii=spec.pii if spec else False,
        source_name=spec.source_name if spec is not None and renamed else None,
    )


def _temporal(s: ColumnStats, guess: StatGuess) -> TemporalProfile | None:
    if s.kind == "temporal" and s.count:
        parsed = s.parsed
        day_first = None
        if parsed is not None and "%d" in parsed.format and "%m" in parsed.format:
            day_first = parsed.format.index("%d") < parsed.format.index("%m")
        return TemporalProfile(
            min=_as_text(s.min),
            max=_as_text(s.max),
            granularity=s.granularity,
            source_format=parsed.format if parsed else None,
            day_first=day_first,
        )
    if guess.evidence.startswith("year values"):
        return TemporalProfile(min=_as_text(s.min), max=_as_text(s.max), granularity="year")
    return None


def dataset_profile(
    rows: int, width: int, duplicates: int, columns: list[ColumnProfile]
) -> DatasetProfile:
    counts: dict[str, int] = {}
    for column in columns:
        counts[column.stat_type.value] = counts.get(column.stat_type.value, 0) + 1

    def count(types: set[StatType]) -> int:
        return sum(1 for c in columns if c.stat_type in types)

    return DatasetProfile(
        row_count=rows,
        column_count=width,
        duplicate_rows=duplicates,
        stat_type_counts=counts,
        low_cardinality_columns=sum(
            1 for c in columns if c.stat_type in LOW_CARDINALITY and 2 <= c.distinct_count <= 20
        ),
        measurement_columns=count({StatType.CONTINUOUS, StatType.COUNT}),
        datetime_columns=count({StatType.DATETIME, StatType.DATE, StatType.TIME}),
        geo_columns=count({StatType.LATITUDE, StatType.LONGITUDE}),
    )


def _finite(value: float | None) -> float | None:
    return value if value is not None and abs(value) != float("inf") and value == value else None


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text[:MAX_TEXT]


def write_parquet(table: ProfiledTable, path: Path, mdc: dict[str, Any]) -> None:
    """zstd Parquet with the MDC schema as JSON under the key-value metadata key `mdc`."""
    table.frame.write_parquet(
        path, compression="zstd", statistics=True, metadata={"mdc": json.dumps(mdc)}
    )
