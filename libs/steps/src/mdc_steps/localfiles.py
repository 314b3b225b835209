"""Local files exchanged with other languages: Parquet, or CSV for tools without a Parquet reader.

CSV carries no types. Columns named like a column of an input are read with that column's type
(when their text parses as it), so a column passed through a CSV step keeps its type and is
still recognised as a pass-through.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path

import polars as pl

from mdc_steps.errors import LocalFileError


class FileFormat(StrEnum):
    PARQUET = "parquet"
    CSV = "csv"


_SUFFIXES = {".parquet": FileFormat.PARQUET, ".pq": FileFormat.PARQUET, ".csv": FileFormat.CSV}


def file_format(path: Path, explicit: str | None = None) -> FileFormat:
    """The explicit format, else the one the file name's suffix tells."""
    if explicit:
        return FileFormat(explicit)
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise LocalFileError(
            f"{path}: cannot tell the format from the suffix {path.suffix!r}; "
            "name it .parquet or .csv, or pass --format"
        )
    return found


def write_local(frame: pl.DataFrame, path: Path, fmt: FileFormat) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt is FileFormat.CSV:
            frame.write_csv(path)
        else:
            frame.write_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as err:
        raise LocalFileError(f"cannot write {path}: {err}") from err


def read_local(
    path: Path,
    fmt: FileFormat,
    type_hints: Mapping[str, pl.DataType] | None = None,
    null_values: Sequence[str] = (),
) -> pl.DataFrame:
    if not path.is_file():
        raise LocalFileError(f"{path}: no such file")
    try:
        if fmt is FileFormat.PARQUET:
            return pl.read_parquet(path)
        return read_csv(path, type_hints or {}, null_values)
    except (OSError, pl.exceptions.PolarsError) as err:
        raise LocalFileError(f"cannot read {path} as {fmt.value}: {err}") from err


def read_csv(
    path: Path, type_hints: Mapping[str, pl.DataType], null_values: Sequence[str]
) -> pl.DataFrame:
    nulls = list(null_values) or None
    header = pl.read_csv(path, n_rows=0, null_values=nulls).columns
    hints = {column: type_hints[column] for column in header if column in type_hints}
    if hints:
        try:
            return pl.read_csv(
                path, schema_overrides=hints, null_values=nulls, try_parse_dates=True
            )
        except pl.exceptions.PolarsError:
            pass  # some text does not parse as the input's type: infer every type instead
    return pl.read_csv(path, null_values=nulls, try_parse_dates=True)


def csv_type_hints(schemas: Sequence[pl.Schema]) -> dict[str, pl.DataType]:
    """Column name -> type, for names that have one type across the inputs."""
    seen: dict[str, set[pl.DataType]] = {}
    for schema in schemas:
        for column, dtype in schema.items():
            seen.setdefault(column, set()).add(dtype)
    return {column: next(iter(types)) for column, types in seen.items() if len(types) == 1}
