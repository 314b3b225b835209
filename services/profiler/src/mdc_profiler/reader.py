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
_COLUMN_IN_MESSAGE = re.compile(r"column '([^']*)'")
_LEADING_ZERO = r"^[+-]?0\d"
_INTEGER = r"^[+-]?\d+$"
_COMMA_DECIMAL = r"^[+-]?\d*,\d+$"


@dataclass(frozen=True)
class Table:
    frame: pl.DataFrame
    encoding: str
    delimiter: str
    decimal_comma: bool  # some column was written with decimal commas
    compression: str | None


def read_table(path: Path, work_dir: Path) -> Table:
    text = prepare(path, work_dir)
    try:
        raw = _name_blank_headers(_read_text_columns(text))
        # Decimal commas are only unambiguous when the comma is not the delimiter.
        typed = [type_column(s, decimal_comma=text.delimiter != ",") for s in raw.get_columns()]
    except (pl.exceptions.PanicException, ValueError, csv.Error) as err:
        # polars panics on some malformed input; the file is at fault, not the service.
        raise UnreadableFile(
            f"not a readable CSV: {type(err).__name__}: {err}"[:1000], stage=ProcessingStage.PARSE
        ) from err
    frame = pl.DataFrame(typed) if typed else raw
    decimal_comma = any(
        s.dtype == pl.Float64 and r.dtype == pl.String and bool(r.str.contains(",").any())
        for s, r in zip(typed, raw.get_columns(), strict=True)
    )
    return Table(frame, text.encoding, text.delimiter, decimal_comma, text.compression)


def _read_text_columns(text: PreparedText) -> pl.DataFrame:
    """Every value as text first (infer_schema=False); type_column then looks at all of them.

    Same robustness as polars' whole-file inference (infer_schema_length=None: a rare late
    token, an "NA" after row 1000 or a float after many ints, cannot break the read; polars
    #1831), at a fraction of its cost, and with per-column control (leading zeros, decimal
    commas).
    """
    try:
        return pl.read_csv(
            text.path,
            infer_schema=False,
            separator=text.delimiter,
            null_values=NULL_TOKENS,
            encoding="utf8",
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError as err:
        raise _explain(text, err) from err


def type_column(values: pl.Series, *, decimal_comma: bool) -> pl.Series:
    """The narrowest type every non-null value of a text column fits: Int64, Float64, Boolean,
    else text. Integers with leading zeros ("01234" postcodes) and integers too large for
    Int64 are codes and stay text."""
    present = values.drop_nulls()
    if present.is_empty():
        return values
    n_null = values.null_count()
    integers = values.cast(pl.Int64, strict=False)
    if integers.null_count() == n_null:
        return values if present.str.contains(_LEADING_ZERO).any() else integers
    if present.str.contains(_INTEGER).all():
        return values
    numbers = values
    if decimal_comma and present.str.contains(_COMMA_DECIMAL).any():
        numbers = values.str.replace(",", ".", literal=True)
    floats = numbers.cast(pl.Float64, strict=False)
    if floats.null_count() == n_null:
        return floats
    lowered = values.str.to_lowercase()
    if lowered.drop_nulls().is_in(["true", "false"]).all():
        return (lowered == "true").alias(values.name)
    return values


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
