"""The whole domain pipeline, raw file -> standardized Parquet with its metadata."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
from mdc_contracts import ColumnSpec, DatasetSpec, StatType
from mdc_profiler.pipeline import standardize


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "raw.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_text_dates_are_stored_as_dates(tmp_path: Path) -> None:
    # "Jan 5 2024" is not a format the reader types: the profile finds it, the Parquet keeps it.
    raw = _csv(tmp_path, "when,n\nJan 5 2024,1\nFeb 12 2024,2\nMar 1 2024,3\n")
    result = standardize(raw, tmp_path)
    stored = pl.read_parquet(result.parquet_path)
    assert stored["when"].dtype == pl.Date
    assert stored["when"].to_list() == [
        dt.date(2024, 1, 5),
        dt.date(2024, 2, 12),
        dt.date(2024, 3, 1),
    ]
    when = next(c for c in result.columns if c.name == "when")
    assert (when.dtype, when.stat_type) == ("Date", StatType.DATE)
    metadata = json.loads(pq.read_metadata(result.parquet_path).metadata[b"mdc"])
    assert metadata["columns"][0]["dtype"] == "Date"


def test_a_spec_that_keeps_dates_as_text_is_obeyed(tmp_path: Path) -> None:
    raw = _csv(tmp_path, "when,n\nJan 5 2024,1\nFeb 12 2024,2\nMar 1 2024,3\n")
    spec = DatasetSpec(columns=[ColumnSpec(name="when", dtype="string")])
    result = standardize(raw, tmp_path, spec)
    assert pl.read_parquet(result.parquet_path)["when"].dtype == pl.String
    when = next(c for c in result.columns if c.name == "when")
    assert when.dtype == "String"
