"""Stream a Parquet file, a column subset of it, or its CSV conversion, in bounded memory.

Data is read one row group (Parquet) or one batch (CSV) at a time, and what the writer produced
is handed out right away, so memory stays near one row group whatever the file size.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from mdc_catalog.exports import DownloadFormat

FILE_CHUNK_BYTES = 1 << 20
CSV_BATCH_ROWS = 65_536


class _Chunks(io.RawIOBase):
    """A write-only sink whose bytes are taken out after every write of the writer."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._buffer += data
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        taken = bytes(self._buffer)
        self._buffer.clear()
        return taken


class MissingColumns(ValueError):
    """Columns asked for that the file does not have."""

    def __init__(self, columns: list[str]) -> None:
        super().__init__(f"no column {', '.join(map(repr, columns))} in the file")
        self.columns = columns


class UnsupportedColumns(ValueError):
    """Columns whose type the asked format cannot hold (nested types in CSV)."""

    def __init__(self, columns: dict[str, str]) -> None:
        listed = ", ".join(f"{name!r} ({kind})" for name, kind in columns.items())
        super().__init__(
            f"columns that CSV cannot hold: {listed}; ask for parquet or leave them out"
        )
        self.columns = columns


def file_chunks(handle: BinaryIO, chunk_bytes: int = FILE_CHUNK_BYTES) -> Iterator[bytes]:
    """The file as is; closes it when done (or when the response is abandoned)."""
    try:
        while chunk := handle.read(chunk_bytes):
            yield chunk
    finally:
        handle.close()


def _is_nested(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_nested(kind) or (pa.types.is_dictionary(kind) and _is_nested(kind.value_type))
    )


def open_export(
    handle: BinaryIO, fmt: DownloadFormat, columns: list[str] | None
) -> Iterator[bytes]:
    """Check the request against the file's schema (raises before any byte is sent), then
    return the stream. `columns` None means every column, in the file's order."""
    try:
        parquet = pq.ParquetFile(handle)
        schema = parquet.schema_arrow
        selected = columns if columns is not None else list(schema.names)
        missing = [name for name in selected if name not in schema.names]
        if missing:
            raise MissingColumns(missing)
        fields = [schema.field(name) for name in selected]
        if fmt == "csv":
            nested = {f.name: str(f.type) for f in fields if _is_nested(f.type)}
            if nested:
                raise UnsupportedColumns(nested)
    except BaseException:
        handle.close()
        raise
    # Field metadata stays (polars keeps its Enum categories there); the schema's does not,
    # as it describes every column of the original file.
    projected = pa.schema(fields)
    if fmt == "csv":
        return _csv_chunks(handle, parquet, projected)
    return _parquet_chunks(handle, parquet, projected)


def _parquet_chunks(
    handle: BinaryIO, parquet: pq.ParquetFile, schema: pa.Schema
) -> Iterator[bytes]:
    sink = _Chunks()
    try:
        with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
            for group in range(parquet.num_row_groups):
                table = parquet.read_row_group(group, columns=schema.names)
                writer.write_table(table.select(schema.names))
                yield sink.take()
        yield sink.take()  # the footer
    finally:
        handle.close()


def _csv_chunks(handle: BinaryIO, parquet: pq.ParquetFile, schema: pa.Schema) -> Iterator[bytes]:
    sink = _Chunks()
    try:
        with pa_csv.CSVWriter(sink, schema) as writer:
            yield sink.take()
            for batch in parquet.iter_batches(batch_size=CSV_BATCH_ROWS, columns=schema.names):
                writer.write_batch(batch.select(schema.names))
                yield sink.take()
        yield sink.take()
    finally:
        handle.close()
