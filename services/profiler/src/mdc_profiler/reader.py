"""Read a raw file into a typed table, or explain precisely why it cannot be read.

    unwrap (gzip/zip) -> sniff (encoding, delimiter, quote, header) -> all-text table (in
    memory when small; else a staged Parquet, with plain numbers parsed natively when the
    whole file allows) -> decide each text column's storage type from all its values -> casts

Blocking and CPU-heavy: call from a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from mdc_contracts import ProcessingStage, ReadReport

from mdc_profiler import dtypes
from mdc_profiler.archive import unwrap
from mdc_profiler.errors import UnreadableFile
from mdc_profiler.excel import spreadsheet_format, stage_sheet
from mdc_profiler.sniff import MAX_FIELD_BYTES, UTF8_BOM, FormatOptions, PreparedText, prepare
from mdc_profiler.staging import (
    NULL_TOKENS,
    Structure,
    read_csv_text,
    read_csv_typed,
    scan_text,
    stage_csv,
    stage_csv_typed,
)
from mdc_profiler.stats import engine

# Below this size a CSV is read in memory at once, all text (no staging file, in-memory
# queries); above, a head sample types it, and it is read typed in memory when the typed table
# is estimated below `IN_MEMORY_TYPED_BYTES` (the fastest path), else streamed through a staged
# Parquet in bounded memory.
IN_MEMORY_BYTES = 32 * 1024 * 1024
IN_MEMORY_TYPED_BYTES = 512 * 1024 * 1024
# Rows whose values decide which columns polars may parse natively on the fast path.
HEAD_ROWS = 50_000

__all__ = ["NULL_TOKENS", "StagedTable", "Table", "read_lazy", "read_table", "type_column"]


@dataclass(frozen=True)
class StagedTable:
    """The typed table as a LazyFrame over the staged Parquet, and how the file was read."""

    lazy: pl.LazyFrame
    report: ReadReport
    member: str | None  # the archive member read, for zip
    in_memory: bool = False  # the table is in memory: small, query it with the in-memory engine


@dataclass(frozen=True)
class Table:
    frame: pl.DataFrame
    encoding: str
    delimiter: str
    decimal_comma: bool  # some column was written with decimal commas
    compression: str | None
    report: ReadReport | None = None


def read_lazy(
    path: Path,
    work_dir: Path,
    *,
    sheet: str | None = None,
    options: FormatOptions | None = None,
    max_field_bytes: int = MAX_FIELD_BYTES,
    in_memory_bytes: int = IN_MEMORY_BYTES,
    in_memory_typed_bytes: int = IN_MEMORY_TYPED_BYTES,
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
    text = prepare(
        unwrapped.path,
        work_dir,
        unwrapped.compression,
        max_field_bytes=max_field_bytes,
        options=options,
    )
    in_memory = text.path.stat().st_size <= in_memory_bytes
    source: Path | pl.DataFrame = staged
    settled: set[str] = set()
    if in_memory:
        source, structure = read_csv_text(text)
    else:
        source, structure, settled = _stage_large(text, staged, in_memory_typed_bytes)
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
    return _typed(
        source, report, delimiter=text.delimiter, member=unwrapped.member, settled=settled
    )


def _stage_large(
    text: PreparedText, staged: Path, in_memory_typed_bytes: int
) -> tuple[Path | pl.DataFrame, Structure, set[str]]:
    """Fast path: the types a large head sample shows are applied while reading, strictly
    (plain numbers parsed by polars itself, dates by their format), so every value is checked
    in that one pass; any value later in the file that does not fit makes it fall back to
    staging all text. The typed table is read in memory when its estimated size allows, else
    staged. Also returns the text columns the head settled as text: more values can only rule
    a type out, never in, so they need no full-column check."""
    try:
        raw_head = scan_text(text, null_values=[]).head(HEAD_ROWS).collect(engine="in-memory")
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
        return staged, stage_csv(text, staged), set()  # it explains a malformed file precisely
    tokens = _null_tokens_in(raw_head)
    head = raw_head.with_columns(
        pl.when(pl.col(n).is_in(NULL_TOKENS)).then(None).otherwise(pl.col(n)).alias(n)
        for n in raw_head.columns
    )
    with engine("in-memory"):
        decisions = dtypes.decide(head.lazy(), delimiter=text.delimiter)
    native = {d.name: d.native for d in decisions if d.native is not None}
    strict = {d.name: d.strict for d in decisions if d.strict is not None}
    settled = {
        d.name for d in decisions if not d.decided and head[d.name].null_count() < head.height
    }
    if _typed_size(head, decisions, text.path.stat().st_size) <= in_memory_typed_bytes:
        frame = read_csv_typed(text, native, strict, tokens)
        if frame is not None:
            return frame, Structure(0), settled
    elif (native or strict) and stage_csv_typed(text, staged, native, strict, tokens):
        return staged, Structure(0), settled
    return staged, stage_csv(text, staged), set()


def _null_tokens_in(head: pl.DataFrame) -> list[str]:
    """The missing-value tokens the head uses ("" always: an empty field)."""
    if head.width == 0:
        return [""]
    found = {
        "",
        *(t for t in NULL_TOKENS if head.select(pl.any_horizontal(pl.all() == t).any()).item()),
    }
    return sorted(found)


def _typed_size(head: pl.DataFrame, decisions: list[dtypes.Decision], file_bytes: int) -> float:
    """The whole file's typed table in memory, extrapolated from the head's bytes and size."""
    if head.height == 0 or head.width == 0:
        return 0.0
    typed = head.select(d.expr.alias(d.name) for d in decisions)
    lengths = pl.sum_horizontal(pl.all().str.len_bytes().fill_null(0) + 1)  # + delimiters
    head_bytes = int(head.select(lengths.sum()).item()) or 1
    return typed.estimated_size() * file_bytes / head_bytes


def _has_bom(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(3)
    return head.startswith(UTF8_BOM) or head[:2] in (b"\xff\xfe", b"\xfe\xff")


def _typed(
    source: Path | pl.DataFrame,
    report: ReadReport,
    *,
    delimiter: str | None,
    member: str | None,
    settled: set[str] | None = None,
) -> StagedTable:
    in_memory = isinstance(source, pl.DataFrame)
    raw = source.lazy() if isinstance(source, pl.DataFrame) else pl.scan_parquet(source)
    if raw.select(pl.len()).collect(engine="in-memory").item() == 0:  # Parquet: its metadata
        where = f" (header on line {report.header_row})" if report.header_row else ""
        raise UnreadableFile(
            f"no data rows: the file has only a header{where}",
            stage=ProcessingStage.PARSE,
            row=report.header_row,
        )
    names = set(raw.collect_schema().names()) - (settled or set())
    with engine("in-memory" if in_memory else "streaming"):
        decisions = dtypes.decide(raw, delimiter=delimiter, only=names)
    lazy = raw.select([d.expr.alias(d.name) for d in decisions])
    if in_memory:
        lazy = lazy.collect(engine="in-memory").lazy()  # cast once, not in every later query
    report = report.model_copy(
        update={
            "decimal_separator": "," if dtypes.decimal_comma(decisions) else ".",
            "thousands_separator": dtypes.thousands(decisions),
        }
    )
    return StagedTable(lazy, report, member, in_memory)


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
