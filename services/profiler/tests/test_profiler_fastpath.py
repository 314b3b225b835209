"""The large-file fast path (typed staging from a head sample) and its fallback to all-text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from mdc_profiler.errors import UnreadableFile
from mdc_profiler.reader import HEAD_ROWS, read_lazy


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_fast_path_types_numbers_and_dates_natively(tmp_path: Path) -> None:
    lines = ["n,x,d,code"] + [f"{i},{i / 2},13/01/2024,A{i}" for i in range(100)]
    staged = read_lazy(_write(tmp_path, lines), tmp_path, in_memory_bytes=0)
    frame = staged.lazy.collect()
    assert frame.schema == pl.Schema(
        {"n": pl.Int64, "x": pl.Float64, "d": pl.Date, "code": pl.String}
    )
    assert not staged.in_memory
    assert frame["d"][0] == dt.date(2024, 1, 13)


def test_a_late_odd_value_falls_back_to_checking_every_value(tmp_path: Path) -> None:
    # polars #1831: the head says numbers and day-first dates; the last row says otherwise.
    rows = [f"{i},01/02/2024" for i in range(HEAD_ROWS + 10)]
    lines = ["n,d", *rows, "n.d.,02/13/2024"]
    staged = read_lazy(_write(tmp_path, lines), tmp_path, in_memory_bytes=0)
    frame = staged.lazy.collect()
    assert frame["n"].dtype == pl.String  # "n.d." is not a number: the column stays text
    assert frame["n"][-1] == "n.d."
    assert frame["d"].dtype == pl.Date
    assert frame["d"][-1] == dt.date(2024, 2, 13)  # month-first, decided by the whole column
    assert frame.height == HEAD_ROWS + 11


def test_a_malformed_large_file_still_fails_with_its_line(tmp_path: Path) -> None:
    lines = ["a,b", *[f"{i},{i}" for i in range(100)], "1,2,3", "4,5"]
    with pytest.raises(UnreadableFile, match="ragged rows: line 102"):
        read_lazy(_write(tmp_path, lines), tmp_path, in_memory_bytes=0)
