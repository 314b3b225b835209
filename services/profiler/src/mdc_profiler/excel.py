"""Spreadsheets (xlsx, xls, ods) via the calamine engine: one sheet, staged to Parquet.

Blocking and CPU-heavy: call from a worker thread.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
from mdc_contracts import ProcessingStage

from mdc_profiler.errors import UnreadableFile

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def spreadsheet_format(path: Path) -> str | None:
    """ "xlsx", "xls" or "ods" when the file is a workbook, else None."""
    with path.open("rb") as f:
        head = f.read(8)
    if head == OLE_MAGIC:
        return "xls"
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
                return "ods"
    except (zipfile.BadZipFile, OSError):
        return None
    return "xlsx" if "[Content_Types].xml" in names else None


def sheet_names(path: Path) -> list[str]:
    import fastexcel

    return list(fastexcel.read_excel(str(path)).sheet_names)


def stage_sheet(path: Path, target: Path, sheet: str | None) -> str:
    """Write the chosen sheet (default: the first) to `target`; return the sheet's name."""
    try:
        names = sheet_names(path)
    except Exception as err:  # fastexcel raises its own error types for broken workbooks
        raise UnreadableFile(f"not a readable spreadsheet: {err}"[:1000]) from err
    if not names:
        raise UnreadableFile("the workbook has no sheet")
    chosen = names[0] if sheet is None else sheet
    if chosen not in names:
        raise UnreadableFile(f"no sheet {chosen!r} in the workbook (it has {', '.join(names)})")
    try:
        # Every cell as text: the same typing as for CSV decides, on all values (codes with
        # leading zeros stay text, dates written as text become dates).
        frame = pl.read_excel(
            path,
            sheet_name=chosen,
            engine="calamine",
            infer_schema_length=0,
            raise_if_empty=False,
        )
    except Exception as err:
        raise UnreadableFile(
            f"sheet {chosen!r} is not readable: {err}"[:1000], stage=ProcessingStage.PARSE
        ) from err
    frame = frame.select(pl.all().cast(pl.String))
    frame.write_parquet(target, compression="lz4", statistics=False)
    return chosen
