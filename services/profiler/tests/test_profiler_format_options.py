"""The spec's format options (encoding, delimiter, header row, sheet) override detection."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from mdc_contracts import DatasetSpec
from mdc_profiler.errors import UnreadableFile
from mdc_profiler.pipeline import standardize


@pytest.fixture(autouse=True)
def _work_dirs(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()


def _columns(path: Path) -> list[str]:
    return pl.read_parquet(path).columns


def test_header_row_from_the_spec(tmp_path: Path) -> None:
    raw = tmp_path / "notes.csv"
    # Two note lines shaped like data, so detection keeps them as rows under the first line.
    raw.write_text("exported,2026\nsource,city hall\ncode,name\n01,Dijon\n02,Nancy\n")
    detected = standardize(raw, tmp_path / "a")
    assert _columns(detected.parquet_path) == ["exported", "2026"]
    given = standardize(raw, tmp_path / "b", DatasetSpec(header_row=3))
    assert given.read.header_row == 3
    frame = pl.read_parquet(given.parquet_path)
    assert frame.columns == ["code", "name"]
    assert frame["code"].to_list() == ["01", "02"]  # codes stay text
    assert given.row_count == 2


def test_delimiter_from_the_spec(tmp_path: Path) -> None:
    raw = tmp_path / "phrases.csv"
    raw.write_text("phrase\nHello, world\nBonjour, monde\n")
    detected = standardize(raw, tmp_path / "a")
    assert detected.read.delimiter == ","
    given = standardize(raw, tmp_path / "b", DatasetSpec(delimiter=";"))
    assert given.read.delimiter == ";"
    frame = pl.read_parquet(given.parquet_path)
    assert frame["phrase"].to_list() == ["Hello, world", "Bonjour, monde"]


def test_encoding_from_the_spec_is_used_as_given(tmp_path: Path) -> None:
    raw = tmp_path / "cities.csv"
    raw.write_bytes("ville;habitants\nBesançon;117912\n".encode())
    detected = standardize(raw, tmp_path / "a")
    assert detected.read.encoding == "utf-8"
    # The provider says cp1252 (wrongly here): the bytes are read as cp1252, as told.
    given = standardize(raw, tmp_path / "b", DatasetSpec(encoding="windows-1252"))
    assert given.read.encoding == "cp1252"
    assert pl.read_parquet(given.parquet_path)["ville"].to_list() == ["BesanÃ§on"]


def test_an_encoding_that_cannot_decode_the_file_fails_with_the_reason(tmp_path: Path) -> None:
    raw = tmp_path / "latin.csv"
    raw.write_bytes("ville;habitants\nBesançon;117912\n".encode("cp1252"))
    with pytest.raises(UnreadableFile, match="not utf-8 as the spec says \\(it reads as cp1252\\)"):
        standardize(raw, tmp_path / "a", DatasetSpec(encoding="utf-8"))


def test_utf8_from_the_spec_still_drops_a_bom(tmp_path: Path) -> None:
    raw = tmp_path / "bom.csv"
    raw.write_bytes(b"\xef\xbb\xbfname,size\nx,1\n")
    given = standardize(raw, tmp_path / "a", DatasetSpec(encoding="UTF8"))
    assert _columns(given.parquet_path) == ["name", "size"]


def test_the_sheet_of_the_spec_is_read(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    import xlsxwriter

    with xlsxwriter.Workbook(path) as book:
        pl.DataFrame({"x": ["first"]}).write_excel(book, worksheet="intro")
        pl.DataFrame({"code": ["01"], "n": [3]}).write_excel(book, worksheet="data")
    default = standardize(path, tmp_path / "a")
    assert default.read.sheet == "intro"
    chosen = standardize(path, tmp_path / "b", DatasetSpec(sheet="data"))
    assert chosen.read.sheet == "data"
    assert _columns(chosen.parquet_path) == ["code", "n"]
