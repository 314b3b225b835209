"""Raw file -> standardized Parquet + profile: the profiler's domain pipeline, one entry point.

    stage (reader)  ->  apply_spec (spec)  ->  profile (profile)  ->  write Parquet

Interfaces between the stages (kept stable so each stage can change on its own):
- `reader.read_lazy(path, work_dir)` stages the raw file to Parquet and types it lazily,
  with a `ReadReport` of what it detected;
- `spec.apply_spec(frame, spec)` (the provider's metadata layer) returns the effective frame and
  `EffectiveColumn`s (renames, selection, overrides); without a spec it is the identity;
- `profile.profile_frame(frame, effective)` computes `ColumnProfile`s and the `DatasetProfile`;
- the final Parquet carries the effective schema and statistical types under the `mdc` key.

Blocking and CPU-heavy: call from a worker thread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from mdc_contracts import ColumnProfile, DatasetProfile, DatasetSpec, ReadReport

from mdc_profiler.effective import EffectiveColumn
from mdc_profiler.reader import read_lazy
from mdc_profiler.sniff import FormatOptions
from mdc_profiler.stats import LONG_ROWS, engine

__all__ = ["EffectiveColumn", "Standardized", "standardize"]


@dataclass(frozen=True)
class Standardized:
    parquet_path: Path
    read: ReadReport
    row_count: int
    columns: list[ColumnProfile]
    profile: DatasetProfile


def _format(spec: DatasetSpec | None) -> FormatOptions | None:
    if spec is None:
        return None
    return FormatOptions(
        encoding=spec.encoding, delimiter=spec.delimiter, header_row=spec.header_row
    )


def standardize(
    raw_path: Path,
    work_dir: Path,
    spec: DatasetSpec | None = None,
    *,
    metadata: dict[str, Any] | None = None,
    sheet: str | None = None,
) -> Standardized:
    """Read, apply the spec, profile and write `work_dir/standardized.parquet`.

    Raises `UnreadableFile` (with stage, row, column) for a file that cannot become a dataset.
    """
    from mdc_profiler import profile
    from mdc_profiler.spec import apply_spec

    staged = read_lazy(
        raw_path, work_dir, sheet=sheet or (spec.sheet if spec else None), options=_format(spec)
    )
    read = staged.report
    out = work_dir / "standardized.parquet"
    extra = {"archive_member": staged.member} if staged.member else {}
    if hasattr(profile, "profile_lazy"):
        # Bounded memory: the profile reads column batches of the staged Parquet and the
        # output is streamed from it, never a whole table in memory. A short table in memory
        # is fastest with in-memory queries; a long one, with streaming ones (less held at once).
        short = staged.in_memory and _height(staged.lazy) < LONG_ROWS
        with engine("in-memory" if short else "streaming"):
            lazy, effective = apply_spec(staged.lazy, spec)  # type: ignore[arg-type]
            profiled = profile.profile_lazy(lazy, effective, batch_size=100)
        # Text found to hold dates is stored as dates, as the profile describes it.
        final = lazy.with_columns(*profiled.conversions.values())
        if staged.in_memory:
            final = final.collect(engine="in-memory")
        mdc = _mdc(metadata, read, extra, profiled.columns, profiled.profile)
        if isinstance(final, pl.LazyFrame):
            final.sink_parquet(out, compression="zstd", metadata={"mdc": mdc_metadata_json(mdc)})
        else:
            final.write_parquet(out, compression="zstd", metadata={"mdc": mdc_metadata_json(mdc)})
        return Standardized(
            out, read, profiled.profile.row_count, profiled.columns, profiled.profile
        )
    # Until the profile works on LazyFrames: the typed table is collected (memory ~ its size).
    frame, effective = apply_spec(staged.lazy.collect(), spec)
    eager = profile.profile_frame(frame, effective)
    mdc = _mdc(metadata, read, extra, eager.columns, eager.profile)
    profile.write_parquet(eager, out, mdc)
    return Standardized(out, read, eager.frame.height, eager.columns, eager.profile)


def _height(lazy: pl.LazyFrame) -> int:
    return int(lazy.select(pl.len()).collect(engine="in-memory").item())


def _mdc(
    metadata: dict[str, Any] | None,
    read: ReadReport,
    extra: dict[str, Any],
    columns: list[ColumnProfile],
    dataset: DatasetProfile,
) -> dict[str, Any]:
    return {
        **(metadata or {}),
        **extra,
        "read": read.model_dump(mode="json"),
        "columns": [c.model_dump(mode="json", exclude_none=True) for c in columns],
        "profile": dataset.model_dump(mode="json"),
    }


def mdc_metadata_json(metadata: dict[str, Any]) -> str:
    return json.dumps(metadata, sort_keys=True)
