"""Read a raw file into a polars DataFrame, or explain precisely why it cannot be read.

Blocking and CPU-heavy: call from a worker thread.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from mdc_contracts import ProcessingStage

from mdc_profiler.errors import UnreadableFile
from mdc_profiler.sniff import PreparedText, prepare

NULL_TOKENS = ["", "NA", "N/A", "n/a", "NULL", "null", "-", ".."]
INTEGER_DTYPES = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
_COLUMN_IN_MESSAGE = re.compile(r"column '([^']*)'")


@dataclass(frozen=True)
class Table:
    frame: pl.DataFrame
    encoding: str
    delimiter: str
    decimal_comma: bool
    compression: str | None


def read_table(path: Path, work_dir: Path) -> Table:
    text = prepare(path, work_dir)
    frame = _read_csv(text)
    frame = _name_blank_headers(frame)
    frame = _keep_leading_zero_codes(text, frame)
    return Table(frame, text.encoding, text.delimiter, text.decimal_comma, text.compression)


def _csv_options(text: PreparedText) -> dict[str, object]:
    return {
        "separator": text.delimiter,
        "null_values": NULL_TOKENS,
        "decimal_comma": text.decimal_comma,
        "encoding": "utf8",
        "truncate_ragged_lines": False,
    }


def _read_csv(text: PreparedText) -> pl.DataFrame:
    try:
        # The whole file decides each column's type, so a rare late token (an "NA" after
        # row 1000, a float after many ints) cannot break the read (polars #1831).
        return pl.read_csv(text.path, infer_schema_length=None, **_csv_options(text))  # type: ignore[arg-type]
    except pl.exceptions.PolarsError as err:
        raise _explain(text, err) from err


def _explain(text: PreparedText, err: pl.exceptions.PolarsError) -> UnreadableFile:
    ragged = find_ragged_row(text.path, text.delimiter)
    if ragged is not None:
        line, fields, expected = ragged
        return UnreadableFile(
            f"ragged rows: line {line} has {fields} fields, the header has {expected} "
            f"(delimiter {text.delimiter!r})",
            stage=ProcessingStage.PARSE,
            row=line,
        )
    message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    match = _COLUMN_IN_MESSAGE.search(str(err))
    return UnreadableFile(
        f"not a readable CSV: {message}",
        stage=ProcessingStage.PARSE,
        column=match.group(1) if match else None,
    )


def find_ragged_row(path: Path, delimiter: str) -> tuple[int, int, int] | None:
    """(line, fields, header fields) of the first row with more fields than the header."""
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            header = next(reader, None)
            if header is None:
                return None
            for row in reader:
                if len(row) > len(header):
                    return reader.line_num, len(row), len(header)
        except csv.Error:
            return None
    return None


def _name_blank_headers(frame: pl.DataFrame) -> pl.DataFrame:
    renames = {name: f"column_{i + 1}" for i, name in enumerate(frame.columns) if not name.strip()}
    return frame.rename(renames) if renames else frame


def _keep_leading_zero_codes(text: PreparedText, frame: pl.DataFrame) -> pl.DataFrame:
    """Integer columns whose text has leading zeros ("01234" postcodes) are codes: keep text."""
    positions = [i for i, dtype in enumerate(frame.dtypes) if dtype in INTEGER_DTYPES]
    if not positions:
        return frame
    names = [frame.columns[i] for i in positions]
    try:
        # A second read of just those columns, all as text (infer_schema_length=0).
        as_text = pl.read_csv(
            text.path,
            columns=positions,
            infer_schema_length=0,
            **_csv_options(text),  # type: ignore[arg-type]
        )
    except pl.exceptions.PolarsError as err:
        raise _explain(text, err) from err
    replaced = []
    for name, raw in zip(names, as_text.columns, strict=True):
        values = as_text[raw]
        if values.str.contains(r"^[+-]?0\d").any():
            replaced.append(values.alias(name))
    return frame.with_columns(replaced) if replaced else frame
