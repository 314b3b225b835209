"""Per-column profile of a table (storage type, statistical type, nulls, distinct, min, max)
and the standardized table that goes to Parquet. CPU-heavy: call from a worker thread."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from mdc_contracts import ColumnProfile, DatasetProfile, StatType

from mdc_profiler.effective import EffectiveColumn
from mdc_profiler.stattypes import analyse_column

MAX_TEXT = 200


@dataclass(frozen=True)
class ProfiledTable:
    frame: pl.DataFrame
    columns: list[ColumnProfile]
    profile: DatasetProfile


def profile_frame(
    frame: pl.DataFrame, effective: list[EffectiveColumn] | None = None
) -> ProfiledTable:
    columns: list[ColumnProfile] = []
    stored: list[pl.Series] = []
    for position, series in enumerate(frame.get_columns()):
        analysis = analyse_column(series)
        values = analysis.values
        stored.append(values)
        present = values.drop_nulls()
        columns.append(
            ColumnProfile(
                name=series.name,
                position=position,
                dtype=str(values.dtype),
                stat_type=analysis.guess.stat_type,
                stat_type_confidence=analysis.guess.confidence,
                stat_type_evidence=analysis.guess.evidence,
                null_count=values.null_count(),
                distinct_count=present.n_unique(),
                min=_as_text(present.min()) if len(present) else None,
                max=_as_text(present.max()) if len(present) else None,
            )
        )
    stored_frame = pl.DataFrame(stored) if stored else frame
    return ProfiledTable(stored_frame, columns, dataset_profile(stored_frame, columns))


def dataset_profile(frame: pl.DataFrame, columns: list[ColumnProfile]) -> DatasetProfile:
    counts: dict[str, int] = {}
    for column in columns:
        counts[column.stat_type.value] = counts.get(column.stat_type.value, 0) + 1
    low_cardinality = {StatType.BINARY, StatType.NOMINAL, StatType.ORDINAL}

    def count(types: set[StatType]) -> int:
        return sum(1 for c in columns if c.stat_type in types)

    return DatasetProfile(
        row_count=frame.height,
        column_count=frame.width,
        duplicate_rows=frame.height - frame.n_unique() if frame.width else 0,
        stat_type_counts=counts,
        low_cardinality_columns=sum(
            1 for c in columns if c.stat_type in low_cardinality and c.distinct_count <= 20
        ),
        measurement_columns=count({StatType.CONTINUOUS, StatType.COUNT}),
        datetime_columns=count({StatType.DATETIME, StatType.DATE, StatType.TIME}),
        geo_columns=count({StatType.LATITUDE, StatType.LONGITUDE}),
    )


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
