"""Reading: layouts, number formats, wrappers, spreadsheets and malformed files (read_lazy)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import polars as pl
import pytest
from mdc_contracts import ProcessingStage
from mdc_profiler.errors import UnreadableFile
from mdc_profiler.reader import read_table


def write(tmp_path: Path, data: bytes, name: str = "raw") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_title_line_before_the_header_is_skipped(tmp_path: Path) -> None:
    data = "Populations légales 2021\n\nville;pop\nA;1\nB;2\n".encode()
    table = read_table(write(tmp_path, data), tmp_path)
    assert table.report is not None
    assert (table.report.skipped_rows, table.report.header_row) == (2, 3)
    assert table.frame.columns == ["ville", "pop"]
    assert table.frame["pop"].to_list() == [1, 2]


@pytest.mark.parametrize(
    ("values", "thousands", "expected"),
    [
        (["1 234,5", "12,25", "3"], " ", [1234.5, 12.25, 3.0]),
        (["1.234,5", "2.000.000,75", "7"], ".", [1234.5, 2000000.75, 7.0]),
        (['"1,234.5"', '"2,000,000"', "7"], ",", [1234.5, 2000000.0, 7.0]),
        (["1 234", "56 789 012", "3"], " ", [1234, 56789012, 3]),
        (["1'234.5", "12'000", "3"], "'", [1234.5, 12000.0, 3.0]),
        (["1\u2019234", "2\u2019000\u2019000", "3"], "'", [1234, 2000000, 3]),
    ],
)
def test_thousands_separators(
    tmp_path: Path, values: list[str], thousands: str, expected: list[float]
) -> None:
    delimiter = "," if thousands == "," else ";"
    lines = [f"id{delimiter}amount"] + [f"{i}{delimiter}{v}" for i, v in enumerate(values)]
    table = read_table(write(tmp_path, ("\n".join(lines) + "\n").encode()), tmp_path)
    assert table.report is not None
    assert table.report.thousands_separator == thousands
    assert table.frame["amount"].to_list() == expected


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["01/02/2024", "13/02/2024"], [dt.date(2024, 2, 1), dt.date(2024, 2, 13)]),
        (["01/02/2024", "02/13/2024"], [dt.date(2024, 1, 2), dt.date(2024, 2, 13)]),
    ],
)
def test_day_first_is_decided_from_all_values(
    tmp_path: Path, dates: list[str], expected: list[dt.date]
) -> None:
    # The deciding value comes after 2,000 ambiguous ones: the sample alone cannot tell.
    lines = ["d"] + [dates[0]] * 2500 + [dates[1]]
    table = read_table(write(tmp_path, ("\n".join(lines) + "\n").encode()), tmp_path)
    assert table.frame["d"].dtype == pl.Date
    assert [table.frame["d"][0], table.frame["d"][-1]] == expected


def test_zip_picks_the_first_csv_and_says_which(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "notes")
        archive.writestr("data/values.csv", "a,b\n1,x\n2,y\n")
    from mdc_profiler.reader import read_lazy

    staged = read_lazy(write(tmp_path, buffer.getvalue()), tmp_path)
    assert (staged.report.compression, staged.member) == ("zip", "data/values.csv")
    assert staged.lazy.collect()["a"].to_list() == [1, 2]


def test_xlsx_sheet_choice_and_codes(tmp_path: Path) -> None:
    pytest.importorskip("xlsxwriter")
    path = tmp_path / "book.xlsx"
    with __import__("xlsxwriter").Workbook(path) as book:
        pl.DataFrame({"x": ["first"]}).write_excel(book, worksheet="intro")
        frame = pl.DataFrame({"code": ["01234", "75001"], "n": [1, 2]})
        frame.write_excel(book, worksheet="data")
    table = read_table(path, tmp_path, sheet="data")
    assert table.report is not None
    assert (table.report.file_format, table.report.sheet) == ("xlsx", "data")
    assert table.frame["code"].to_list() == ["01234", "75001"]
    assert table.frame["n"].dtype == pl.Int64
    default = read_table(path, tmp_path)
    assert default.report is not None
    assert default.report.sheet == "intro"
    with pytest.raises(UnreadableFile, match="no sheet 'nope'"):
        read_table(path, tmp_path, sheet="nope")


def test_padded_rows_are_counted(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, b"a,b,c\n1,2,3\n4,5\n6\n"), tmp_path)
    assert table.report is not None
    assert table.report.padded_rows == 2


def test_unterminated_quote_fails_on_the_line_where_it_opened(tmp_path: Path) -> None:
    data = b'a,b\n1,x\n2,"never closed\n3,y\n4,z\n'
    with pytest.raises(UnreadableFile) as caught:
        read_table(write(tmp_path, data), tmp_path)
    assert caught.value.stage == ProcessingStage.PARSE
    assert caught.value.row == 3


def test_huge_field_fails_with_its_line(tmp_path: Path) -> None:
    data = b"a,b\n1,x\n2," + b"y" * 5000 + b"\n3,z\n"
    with pytest.raises(UnreadableFile) as caught:
        read_table(write(tmp_path, data), tmp_path, max_field_bytes=1000)
    assert caught.value.row == 3
    assert "longer than 1000 bytes" in caught.value.reason


def test_a_huge_field_after_many_chunks_is_found_on_its_line(tmp_path: Path) -> None:
    short = b"".join(b"%d,x\n" % i for i in range(3000))  # ~20 KB: many 1000-byte chunks
    data = b"a,b\n" + short + b"7," + b"y" * 2500 + b"\n8,z\n"
    with pytest.raises(UnreadableFile) as caught:
        read_table(write(tmp_path, data), tmp_path, max_field_bytes=1000)
    assert caught.value.row == 3002
