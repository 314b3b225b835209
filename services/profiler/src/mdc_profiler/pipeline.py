"""Raw file -> standardized Parquet + profile: the profiler's domain pipeline, one entry point.

    stage (reader)  ->  apply_spec (spec)  ->  profile (profile)  ->  write Parquet

Interfaces between the stages (kept stable so each stage can change on its own):
- `reader.read_table(path, work_dir)` reads and types the raw file;
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

from mdc_contracts import ColumnProfile, DatasetProfile, DatasetSpec, ReadReport

from mdc_profiler.effective import EffectiveColumn
from mdc_profiler.reader import read_table

__all__ = ["EffectiveColumn", "Standardized", "standardize"]


@dataclass(frozen=True)
class Standardized:
    parquet_path: Path
    read: ReadReport
    row_count: int
    columns: list[ColumnProfile]
    profile: DatasetProfile


def standardize(
    raw_path: Path,
    work_dir: Path,
    spec: DatasetSpec | None = None,
    *,
    metadata: dict[str, Any] | None = None,
) -> Standardized:
    """Read, apply the spec, profile and write `work_dir/standardized.parquet`.

    Raises `UnreadableFile` (with stage, row, column) for a file that cannot become a dataset.
    """
    from mdc_profiler.profile import profile_frame, write_parquet
    from mdc_profiler.spec import apply_spec

    table = read_table(raw_path, work_dir)
    frame, effective = apply_spec(table.frame, spec)
    profiled = profile_frame(frame, effective)
    read = ReadReport(
        file_format="csv",
        compression=table.compression,
        encoding=table.encoding,
        delimiter=table.delimiter,
        decimal_separator="," if table.decimal_comma else ".",
    )
    out = work_dir / "standardized.parquet"
    mdc = {
        **(metadata or {}),
        "read": read.model_dump(mode="json"),
        "columns": [c.model_dump(mode="json", exclude_none=True) for c in profiled.columns],
        "profile": profiled.profile.model_dump(mode="json"),
    }
    write_parquet(profiled, out, mdc)
    return Standardized(out, read, profiled.frame.height, profiled.columns, profiled.profile)


def mdc_metadata_json(metadata: dict[str, Any]) -> str:
    return json.dumps(metadata, sort_keys=True)
