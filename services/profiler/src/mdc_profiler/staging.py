"""Pass 1: the raw text, every value as text, streamed to a Parquet file in the work dir.

Typing later reads that file column batch by column batch, so memory stays bounded whatever
the size of the raw file. Blocking and CPU-heavy: call from a worker thread.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from mdc_contracts import ProcessingStage

from mdc_profiler.errors import UnreadableFile
from mdc_profiler.sniff import PreparedText

NULL_TOKENS = ["", "NA", "N/A", "n/a", "NULL", "null", "-", "..", "nan", "NaN", "#N/A"]
# Exact structure checks (padded rows, where a quote opened) walk the file in Python: only
# below this size; above, polars' own errors are explained the same way, after the fact.
STRUCTURE_SCAN_BYTES = 32 * 1024 * 1024
# A work file read back once or twice: writing it fast matters more than its size.
STAGING_COMPRESSION = "uncompressed"
_COLUMN_IN_MESSAGE = re.compile(r"column '([^']*)'")


@dataclass(frozen=True)
class Structure:
    padded_rows: int


def scan_text(
    text: PreparedText,
    dtypes: dict[str, pl.DataType] | None = None,
    null_values: list[str] | None = None,
) -> pl.LazyFrame:
    """The CSV as a LazyFrame: every column text, except the `dtypes` given (parsed strictly:
    a value that does not fit raises instead of becoming null); `null_values` are read as
    missing (default: all of `NULL_TOKENS`)."""
    lf = pl.scan_csv(
        text.path,
        infer_schema=False,
        schema_overrides=dtypes or None,
        separator=text.delimiter,
        quote_char=text.quote_char,
        skip_lines=text.skipped_rows,
        null_values=NULL_TOKENS if null_values is None else null_values,
        encoding="utf8",
        truncate_ragged_lines=False,
        raise_if_empty=False,
    )
    return lf


def stage_csv(text: PreparedText, target: Path) -> Structure:
    """Sink the CSV, all text, to `target`; fail with the line of the first malformed row."""
    structure = Structure(0)
    if text.path.stat().st_size <= STRUCTURE_SCAN_BYTES:
        structure = scan_structure(text)
    lf = scan_text(text)
    try:
        lf = lf.rename(_blank_header_names(lf.collect_schema().names()))
        lf.sink_parquet(target, compression=STAGING_COMPRESSION, statistics=False)
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException) as err:
        raise _failure(text, err) from err
    return structure


def read_csv_text(text: PreparedText) -> tuple[pl.DataFrame, Structure]:
    """A small CSV, all text, in memory (no staging file): same checks as `stage_csv`."""
    structure = scan_structure(text)
    lf = scan_text(text)
    try:
        frame = lf.collect(engine="in-memory")
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException) as err:
        raise _failure(text, err) from err
    return frame.rename(_blank_header_names(frame.columns)), structure


def stage_csv_typed(
    text: PreparedText,
    target: Path,
    dtypes: dict[str, pl.DataType],
    conversions: dict[str, pl.Expr] | None = None,
    null_values: list[str] | None = None,
) -> bool:
    """Sink the CSV with `dtypes` parsed natively by polars and the strict `conversions`
    applied (the fast path): False, and nothing trusted, when any value does not parse (a late
    odd token, polars #1831): the caller then stages all text instead."""
    try:
        lf = _typed_scan(text, dtypes, conversions or {}, null_values)
        lf.sink_parquet(target, compression=STAGING_COMPRESSION, statistics=False)
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
        return False
    return True


def read_csv_typed(
    text: PreparedText,
    dtypes: dict[str, pl.DataType],
    conversions: dict[str, pl.Expr],
    null_values: list[str] | None = None,
) -> pl.DataFrame | None:
    """`stage_csv_typed`, in memory: the typed table, or None when any value does not parse."""
    try:
        return _typed_scan(text, dtypes, conversions, null_values).collect(engine="streaming")
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
        return None


def _typed_scan(
    text: PreparedText,
    dtypes: dict[str, pl.DataType],
    conversions: dict[str, pl.Expr],
    null_values: list[str] | None,
) -> pl.LazyFrame:
    """The parser compares every field with every null token, which is slow: it gets only the
    tokens the head showed (`null_values`); a late other token fails a typed column (and the
    caller falls back), and text columns map all of `NULL_TOKENS` afterwards."""
    lf = scan_text(text, dtypes, null_values)
    if null_values is not None:
        texts = [n for n, t in lf.collect_schema().items() if t == pl.String]
        lf = lf.with_columns(
            pl.when(pl.col(n).is_in(NULL_TOKENS)).then(None).otherwise(pl.col(n)).alias(n)
            for n in texts
        )
    if conversions:
        lf = lf.with_columns(e.alias(n) for n, e in conversions.items())
    return lf.rename(_blank_header_names(lf.collect_schema().names()))


def _failure(text: PreparedText, err: Exception) -> UnreadableFile:
    # polars panics on some malformed input; the file is at fault, not the service.
    if text.path.stat().st_size > STRUCTURE_SCAN_BYTES:
        scan_structure(text)  # raises with the line when it finds the fault
    else:
        _raise_unclosed_quote(text)
    return _explain(err)


def _blank_header_names(names: list[str]) -> dict[str, str]:
    return {n: f"column_{i + 1}" for i, n in enumerate(names) if not n.strip()}


def scan_structure(text: PreparedText) -> Structure:
    """Count short rows (padded with nulls); fail on a too-long row or a quote never closed."""
    quote = text.quote_char or '"'
    with text.path.open(encoding="utf-8", errors="replace", newline="") as f:
        for _ in range(text.skipped_rows):
            f.readline()
        reader = csv.reader(f, delimiter=text.delimiter, quotechar=quote, strict=False)
        header = next(reader, None)
        if header is None:
            return Structure(0)
        padded, previous, last_span = 0, reader.line_num, 1
        for row in reader:
            if len(row) > len(header):
                line = text.skipped_rows + reader.line_num
                raise UnreadableFile(
                    f"ragged rows: line {line} has {len(row)} fields, the header has "
                    f"{len(header)} (delimiter {text.delimiter!r})",
                    stage=ProcessingStage.PARSE,
                    row=line,
                )
            if 0 < len(row) < len(header):
                padded += 1
            last_span, previous = reader.line_num - previous, reader.line_num
    # An unclosed quote swallows the rest of the file into the last row.
    if last_span > 1:
        _raise_unclosed_quote(text)
    return Structure(padded)


def _raise_unclosed_quote(text: PreparedText) -> None:
    line = find_unclosed_quote(text.path, text.quote_char or '"')
    if line is not None:
        raise UnreadableFile(
            f"unterminated quote: the quoted field opened on line {line} never closes",
            stage=ProcessingStage.PARSE,
            row=line,
        )


def find_unclosed_quote(path: Path, quote: str) -> int | None:
    """Line where the quoted field left open at the end of the file started, if any: quotes
    pair up ("" inside a field included), so an odd running count means "inside a field"."""
    inside, opened = False, 0
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        for number, line in enumerate(f, start=1):
            if line.count(quote) % 2:
                inside = not inside
                if inside:
                    opened = number
    return opened if inside else None


def _explain(err: Exception) -> UnreadableFile:
    text = str(err).strip()
    message = text.splitlines()[0] if text else type(err).__name__
    if "not properly escaped" in text or "unterminated" in text.lower():
        message = "broken quoting: a quoted field is not closed properly"
    match = _COLUMN_IN_MESSAGE.search(text)
    return UnreadableFile(
        f"not a readable CSV: {message}"[:1000],
        stage=ProcessingStage.PARSE,
        column=match.group(1) if match else None,
    )
