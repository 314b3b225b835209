"""Sniffing and reading raw files: the fixtures are small files written by each test."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl
import pytest
from mdc_contracts import ProcessingStage
from mdc_profiler.errors import UnreadableFile
from mdc_profiler.reader import read_table, type_column
from mdc_profiler.sniff import sniff_delimiter


def write(tmp_path: Path, data: bytes, name: str = "raw") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_semicolon_decimal_comma_cp1252(tmp_path: Path) -> None:
    data = "ville;population;surface_km2\nBesançon;117912;65,05\nDijon;156920;40,41\n"
    table = read_table(write(tmp_path, data.encode("cp1252")), tmp_path)
    assert (table.encoding, table.delimiter, table.decimal_comma) == ("cp1252", ";", True)
    assert table.frame["ville"].to_list() == ["Besançon", "Dijon"]
    assert table.frame["surface_km2"].dtype == pl.Float64
    assert table.frame["surface_km2"].to_list() == [65.05, 40.41]
    assert table.frame["population"].dtype == pl.Int64


def test_utf8_bom_is_dropped_from_the_header(tmp_path: Path) -> None:
    data = "\ufeffcode,libellé\n1,Été\n2,Hiver\n".encode()
    table = read_table(write(tmp_path, data), tmp_path)
    assert table.encoding == "utf-8-sig"
    assert table.frame.columns == ["code", "libellé"]
    assert table.frame["libellé"].to_list() == ["Été", "Hiver"]


def test_plain_utf8_with_quotes(tmp_path: Path) -> None:
    data = b'name,comment,score\nA,"hello, world",1.5\nB,"say ""hi""",2\n'
    table = read_table(write(tmp_path, data), tmp_path)
    assert (table.encoding, table.delimiter, table.decimal_comma) == ("utf-8", ",", False)
    assert table.frame["comment"].to_list() == ["hello, world", 'say "hi"']
    assert table.frame["score"].dtype == pl.Float64


@pytest.mark.parametrize("delimiter", ["\t", "|", ";", ","])
def test_delimiters(tmp_path: Path, delimiter: str) -> None:
    labels = ["x", "y", "z"]
    lines = [delimiter.join(["id", "label", "value"])]
    lines += [delimiter.join([str(i), labels[i % 3], f"{i}.5"]) for i in range(20)]
    table = read_table(write(tmp_path, ("\n".join(lines) + "\n").encode()), tmp_path)
    assert table.delimiter == delimiter
    assert table.frame.columns == ["id", "label", "value"]
    assert table.frame.height == 20


def test_delimiter_fallback_counts_consistent_fields() -> None:
    # Commas inside values (decimal commas) must not win over the real delimiter.
    sample = "a;b;c\n1,5;2,5;x\n3,5;4,5;y\n"
    assert sniff_delimiter(sample) == ";"
    assert sniff_delimiter("just one column\nvalue\n") == ","


def test_leading_zero_codes_stay_text(tmp_path: Path) -> None:
    data = b"code_postal,commune,population\n01234,A,100\n75001,B,200\n01000,C,300\n"
    table = read_table(write(tmp_path, data), tmp_path)
    assert table.frame["code_postal"].dtype == pl.String
    assert table.frame["code_postal"].to_list() == ["01234", "75001", "01000"]
    assert table.frame["population"].dtype == pl.Int64


def test_na_late_in_the_file_does_not_break_the_read(tmp_path: Path) -> None:
    lines = ["id,count,ratio"] + [f"{i},{i * 2},{i}" for i in range(1, 1500)]
    lines += ["1500,NA,N/A", "1501,-,0.25", "1502,..,NULL"]
    table = read_table(write(tmp_path, ("\n".join(lines) + "\n").encode()), tmp_path)
    frame = table.frame
    assert frame.height == 1502
    assert frame["count"].dtype == pl.Int64
    assert frame["count"].null_count() == 3
    assert frame["ratio"].dtype == pl.Float64  # a float after 1500 integers
    assert frame["ratio"][-2] == 0.25


def test_header_only_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="no data rows: the file has only a header") as err:
        read_table(write(tmp_path, b"a,b,c\n"), tmp_path)
    assert (err.value.stage, err.value.row) == (ProcessingStage.PARSE, 1)


def test_old_mac_line_endings_are_lines(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, b"a;b\r1;x\r2;y\r"), tmp_path)
    assert table.frame.rows() == [(1, "x"), (2, "y")]


def test_gzip_by_magic_bytes(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, gzip.compress(b"a,b\n1,2\n3,4\n")), tmp_path)
    assert table.compression == "gzip"
    assert table.frame["b"].to_list() == [2, 4]


def test_blank_header_gets_a_name(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, b"a,,a\n1,2,3\n"), tmp_path)
    assert table.frame.columns[:2] == ["a", "column_2"]
    assert len(set(table.frame.columns)) == 3


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty (only blanks)"),
        (
            b"\n<!DOCTYPE html><html><body>Not found</body></html>",
            "looks like an HTML page, not a CSV",
        ),
        (b"<html><head></head></html>", "looks like an HTML page, not a CSV"),
        (b"<?xml version='1.0'?><a/>", "looks like an XML document, not a CSV"),
        (
            b"PK\x03\x04\x14\x00\x06\x00",
            "a corrupt zip archive",
        ),
        (b"a,b\n\x00\x01\x02\x03garbage", "binary content, not text (a NUL byte at offset 4)"),
        (bytes(range(1, 32)) * 20, "binary content, not text"),
        (b"\x1f\x8b\x08\x00broken", "a corrupt gzip file"),
    ],
)
def test_unreadable_files_get_a_precise_reason(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableFile) as caught:
        read_table(write(tmp_path, data), tmp_path)
    assert caught.value.reason.startswith(reason)
    assert caught.value.stage == ProcessingStage.READ


def test_ragged_row_is_reported_with_its_line(tmp_path: Path) -> None:
    lines = ["a,b,c"] + [f"{i},{i},{i}" for i in range(10)] + ["1,2,3,4"] + ["5,6,7"]
    with pytest.raises(UnreadableFile) as caught:
        read_table(write(tmp_path, ("\n".join(lines) + "\n").encode()), tmp_path)
    err = caught.value
    assert err.stage == ProcessingStage.PARSE
    assert err.row == 12
    assert err.reason == "ragged rows: line 12 has 4 fields, the header has 3 (delimiter ',')"


def test_short_rows_are_padded_with_nulls(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, b"a,b,c\n1,2,3\n4,5\n"), tmp_path)
    assert table.frame.row(1) == (4, 5, None)


def test_utf16_with_bom(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "a;b\n1;x\n2;y\n".encode("utf-16")), tmp_path)
    assert (table.encoding, table.delimiter) == ("utf-16", ";")
    assert table.frame["b"].to_list() == ["x", "y"]


def test_mixed_decimal_marks_in_a_semicolon_file(tmp_path: Path) -> None:
    data = b"lieu;valeur;lat\nA;12,5;47.25\nB;3;47.5\nC;-0,75;46.0\n"
    table = read_table(write(tmp_path, data), tmp_path)
    assert table.decimal_comma
    assert table.frame["valeur"].to_list() == [12.5, 3.0, -0.75]
    assert table.frame["lat"].to_list() == [47.25, 47.5, 46.0]


def test_comma_is_never_a_decimal_mark_in_a_comma_file(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, b'a,b\nx,"1,5"\ny,"2,5"\n'), tmp_path)
    assert table.frame["b"].dtype == pl.String
    assert not table.decimal_comma


@pytest.mark.parametrize(
    ("values", "dtype", "expected"),
    [
        (["1", "2", None], pl.Int64, [1, 2, None]),
        (["01", "2"], pl.String, ["01", "2"]),
        (["12345678901234567890123", "1"], pl.String, ["12345678901234567890123", "1"]),
        (["1", "2.5", "1e3"], pl.Float64, [1.0, 2.5, 1000.0]),
        (["TRUE", "false", None], pl.Boolean, [True, False, None]),
        (["1", "x"], pl.String, ["1", "x"]),
        ([None, None], pl.String, [None, None]),
    ],
)
def test_type_column(values: list[str | None], dtype: pl.DataType, expected: list[object]) -> None:
    typed = type_column(pl.Series("c", values, dtype=pl.String), decimal_comma=True)
    assert typed.dtype == dtype
    assert typed.to_list() == expected
    assert typed.name == "c"


def test_r_row_names_leave_the_first_header_field_empty(tmp_path: Path) -> None:
    data = b'"","Content"\n"1","Do you often long for excitement?"\n"2","Are you sociable?"\n'
    table = read_table(write(tmp_path, data), tmp_path)
    assert table.frame.columns == ["column_1", "Content"]
    assert table.frame.height == 2
