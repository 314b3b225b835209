"""The large-file fast path (typed staging from a head sample) and its fallback to all-text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from mdc_profiler.errors import UnreadableFile
from mdc_profiler.reader import HEAD_ROWS, read_lazy

# 0: the typed table is staged to Parquet; 1 GiB: it is read in memory.
TYPED_BUDGETS = pytest.mark.parametrize("typed_bytes", [0, 1 << 30], ids=["staged", "in-memory"])


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@TYPED_BUDGETS
def test_fast_path_types_numbers_and_dates_natively(tmp_path: Path, typed_bytes: int) -> None:
    lines = ["n,x,d,code"] + [f"{i},{i / 2},13/01/2024,A{i}" for i in range(100)]
    path = _write(tmp_path, lines)
    staged = read_lazy(path, tmp_path, in_memory_bytes=0, in_memory_typed_bytes=typed_bytes)
    frame = staged.lazy.collect()
    assert frame.schema == pl.Schema(
        {"n": pl.Int64, "x": pl.Float64, "d": pl.Date, "code": pl.String}
    )
    assert staged.in_memory == (typed_bytes > 0)
    assert frame["d"][0] == dt.date(2024, 1, 13)


@TYPED_BUDGETS
def test_a_late_odd_value_falls_back_to_checking_every_value(
    tmp_path: Path, typed_bytes: int
) -> None:
    # polars #1831: the head says numbers and day-first dates; the last row says otherwise.
    rows = [f"{i},01/02/2024" for i in range(HEAD_ROWS + 10)]
    lines = ["n,d", *rows, "n.d.,02/13/2024"]
    path = _write(tmp_path, lines)
    staged = read_lazy(path, tmp_path, in_memory_bytes=0, in_memory_typed_bytes=typed_bytes)
    frame = staged.lazy.collect()
    assert frame["n"].dtype == pl.String  # "n.d." is not a number: the column stays text
    assert frame["n"][-1] == "n.d."
    assert frame["d"].dtype == pl.Date
    assert frame["d"][-1] == dt.date(2024, 2, 13)  # month-first, decided by the whole column
    assert frame.height == HEAD_ROWS + 11


@TYPED_BUDGETS
def test_a_malformed_large_file_still_fails_with_its_line(tmp_path: Path, typed_bytes: int) -> None:
    lines = ["a,b", *[f"{i},{i}" for i in range(100)], "1,2,3", "4,5"]
    path = _write(tmp_path, lines)
    with pytest.raises(UnreadableFile, match="ragged rows: line 102"):
        read_lazy(path, tmp_path, in_memory_bytes=0, in_memory_typed_bytes=typed_bytes)


@TYPED_BUDGETS
def test_missing_tokens_first_seen_late_are_still_missing(tmp_path: Path, typed_bytes: int) -> None:
    # The head has no missing-value token at all; the last rows use two of them.
    rows = [f"{i},{i / 4},label{i % 7}" for i in range(HEAD_ROWS + 10)]
    lines = ["n,x,label", *rows, "n/a,1.5,-", "7,..,NA"]
    path = _write(tmp_path, lines)
    staged = read_lazy(path, tmp_path, in_memory_bytes=0, in_memory_typed_bytes=typed_bytes)
    frame = staged.lazy.collect()
    assert frame.schema == pl.Schema({"n": pl.Int64, "x": pl.Float64, "label": pl.String})
    assert frame.tail(2).rows() == [(None, 1.5, None), (7, None, None)]
    assert frame.height == HEAD_ROWS + 12
