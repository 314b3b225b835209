"""Read a raw file into a typed table, or explain precisely why it cannot be read.

    unwrap (gzip/zip) -> sniff (encoding, delimiter, quote, header) -> stage all-text Parquet
    -> decide each column's storage type from all its values -> lazy casts

Blocking and CPU-heavy: call from a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from mdc_contracts import ReadReport

from mdc_profiler import dtypes
from mdc_profiler.archive import unwrap
from mdc_profiler.excel import spreadsheet_format, stage_sheet
from mdc_profiler.sniff import MAX_FIELD_BYTES, UTF8_BOM, prepare
from mdc_profiler.staging import NULL_TOKENS, stage_csv

__all__ = ["NULL_TOKENS", "StagedTable", "Table", "read_lazy", "read_table", "type_column"]


@dataclass(frozen=True)
class StagedTable:
    """The typed table as a LazyFrame over the staged Parquet, and how the file was read."""

    lazy: pl.LazyFrame
    report: ReadReport
    member: str | None  # the archive member read, for zip


@dataclass(frozen=True)
class Table:
    frame: pl.DataFrame
    encoding: str
    delimiter: str
    decimal_comma: bool  # some column was written with decimal commas
    compression: str | None
    report: ReadReport | None = None


def read_lazy(
    path: Path, work_dir: Path, *, sheet: str | None = None, max_field_bytes: int = MAX_FIELD_BYTES
) -> StagedTable:
    unwrapped = unwrap(path, work_dir)
    staged = work_dir / "staged.parquet"
    workbook = spreadsheet_format(unwrapped.path)
    if workbook is not None:
        chosen = stage_sheet(unwrapped.path, staged, sheet)
        report = ReadReport(
            file_format=workbook,
            compression=unwrapped.compression,
            sheet=chosen,
            quote_char=None,
            null_tokens=[],
        )
        return _typed(staged, report, delimiter=None, member=unwrapped.member)
    text = prepare(unwrapped.path, work_dir, unwrapped.compression, max_field_bytes=max_field_bytes)
    structure = stage_csv(text, staged)
    report = ReadReport(
        file_format="csv",
        compression=unwrapped.compression,
        encoding=text.encoding,
        bom=text.encoding in ("utf-8-sig", "utf-16") and _has_bom(unwrapped.path),
        delimiter=text.delimiter,
        quote_char=text.quote_char,
        header_row=text.skipped_rows + 1,
        skipped_rows=text.skipped_rows,
        null_tokens=list(NULL_TOKENS),
        padded_rows=structure.padded_rows,
    )
    return _typed(staged, report, delimiter=text.delimiter, member=unwrapped.member)


def _has_bom(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(3)
    return head.startswith(UTF8_BOM) or head[:2] in (b"\xff\xfe", b"\xfe\xff")


def _typed(
    staged: Path, report: ReadReport, *, delimiter: str | None, member: str | None
) -> StagedTable:
    raw = pl.scan_parquet(staged)
    decisions = dtypes.decide(raw, delimiter=delimiter)
    lazy = raw.select([d.expr.alias(d.name) for d in decisions])
    report = report.model_copy(
        update={
            "decimal_separator": "," if dtypes.decimal_comma(decisions) else ".",
            "thousands_separator": dtypes.thousands(decisions),
        }
    )
    return StagedTable(lazy, report, member)


def read_table(
    path: Path, work_dir: Path, *, sheet: str | None = None, max_field_bytes: int = MAX_FIELD_BYTES
) -> Table:
    """The eager form, for small files and callers that want a DataFrame."""
    staged = read_lazy(path, work_dir, sheet=sheet, max_field_bytes=max_field_bytes)
    report = staged.report
    return Table(
        staged.lazy.collect(),
        report.encoding or "utf-8",
        report.delimiter or "",
        report.decimal_separator == ",",
        report.compression,
        report,
    )


def type_column(values: pl.Series, *, decimal_comma: bool) -> pl.Series:
    """The storage type every non-null value of one text column fits (see `dtypes`)."""
    lf = values.to_frame().lazy()
    (decision,) = dtypes.decide(lf, delimiter=";" if decimal_comma else ",")
    return lf.select(decision.expr.alias(values.name)).collect().to_series()
