"""What kind of file is this? Container, encoding, delimiter, decimal mark; and a UTF-8 copy.

All blocking (file I/O): call from a worker thread.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import shutil
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mdc_profiler.errors import UnreadableFile

CHUNK_BYTES = 1024 * 1024
HEAD_BYTES = 64 * 1024
SNIFFER_SAMPLE_CHARS = 32 * 1024
DELIMITERS = (",", ";", "\t", "|")
UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Magic bytes of things people publish instead of a CSV, and what to call them.
FOREIGN_FORMATS = (
    (b"PK\x03\x04", "a ZIP archive (or an .xlsx workbook), not a CSV"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an Excel .xls workbook (or another OLE document), not a CSV",
    ),
    (b"%PDF-", "a PDF document, not a CSV"),
    (b"PAR1", "a Parquet file, not a CSV"),
)


@dataclass(frozen=True)
class PreparedText:
    """A UTF-8 file without BOM, ready for polars, and what was found on the way."""

    path: Path
    encoding: str
    delimiter: str
    compression: str | None


def prepare(path: Path, work_dir: Path) -> PreparedText:
    path, compression = unwrap_gzip(path, work_dir)
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    check_content(head)
    encoding = detect_encoding(path, head)
    text_path = to_utf8(path, encoding, work_dir)
    delimiter = sniff_delimiter(read_sample(text_path))
    return PreparedText(text_path, encoding, delimiter, compression)


def unwrap_gzip(path: Path, work_dir: Path) -> tuple[Path, str | None]:
    """Recognised by its magic bytes (servers often send .csv.gz as octet-stream)."""
    with path.open("rb") as f:
        if f.read(2) != b"\x1f\x8b":
            return path, None
    target = work_dir / "decompressed"
    try:
        with gzip.open(path, "rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK_BYTES)
    except (OSError, EOFError, zlib.error) as err:
        raise UnreadableFile(f"a corrupt gzip file: {err}") from err
    return target, "gzip"


def check_content(head: bytes) -> None:
    """Refuse, with a clear reason, what is clearly not delimited text."""
    for magic, what in FOREIGN_FORMATS:
        if head.startswith(magic):
            raise UnreadableFile(f"looks like {what}")
    if head.startswith(UTF16_BOMS):
        return  # UTF-16 text: NUL bytes are expected, decoded later
    text = head.removeprefix(UTF8_BOM)
    if not text.strip():
        raise UnreadableFile("the file is empty" if not text else "the file is empty (only blanks)")
    start = text.lstrip()[:64].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        raise UnreadableFile("looks like an HTML page, not a CSV")
    if start.startswith(b"<?xml"):
        raise UnreadableFile("looks like an XML document, not a CSV")
    if (nul := text.find(b"\x00")) >= 0:
        raise UnreadableFile(f"binary content, not text (a NUL byte at offset {nul})")
    controls = sum(1 for b in text if b < 32 and b not in (9, 10, 12, 13))
    if controls > len(text) * 0.05:
        raise UnreadableFile(
            f"binary content, not text ({controls} control bytes in the first {len(text)})"
        )


def detect_encoding(path: Path, head: bytes) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes, UTF-16 by BOM, else cp1252."""
    if head.startswith(UTF16_BOMS):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return _single_byte_encoding(path)
    return "utf-8-sig" if head.startswith(UTF8_BOM) else "utf-8"


def _single_byte_encoding(path: Path) -> str:
    # cp1252 leaves five bytes undefined; a file using them is latin-1 (which maps every byte).
    decoder = codecs.getincrementaldecoder("cp1252")()
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK_BYTES):
                decoder.decode(chunk)
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def to_utf8(path: Path, encoding: str, work_dir: Path) -> Path:
    """polars reads UTF-8 only: transcode (and drop a BOM) into a copy when needed."""
    if encoding == "utf-8":
        return path
    target = work_dir / "utf8.csv"
    with (
        path.open("r", encoding=encoding, newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        shutil.copyfileobj(src, dst, CHUNK_BYTES)
    return target


def read_sample(path: Path) -> str:
    with path.open("rb") as f:
        data = f.read(HEAD_BYTES + 1)
    truncated = len(data) > HEAD_BYTES
    text = data[:HEAD_BYTES].decode("utf-8", errors="ignore")
    if truncated and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # whole lines only
    return text


@dataclass(frozen=True)
class _Consistency:
    header_fields: int
    modal_fields: int
    share: float  # of rows having the modal number of fields


def _consistency(sample: str, delimiter: str) -> _Consistency:
    try:
        rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if r][:500]
    except csv.Error:
        return _Consistency(0, 0, 0.0)
    if not rows:
        return _Consistency(0, 0, 0.0)
    modal, count = Counter(len(r) for r in rows).most_common(1)[0]
    return _Consistency(len(rows[0]), modal, count / len(rows))


def sniff_delimiter(sample: str) -> str:
    """csv.Sniffer's guess when it is consistent, else the candidate splitting rows most evenly."""
    scores = {d: _consistency(sample, d) for d in DELIMITERS}

    def rank(d: str) -> tuple[bool, bool, float, int]:
        s = scores[d]
        return (s.modal_fields > 1, s.header_fields == s.modal_fields, s.share, s.modal_fields)

    best = max(DELIMITERS, key=rank)
    try:
        sniffed = csv.Sniffer().sniff(sample[:SNIFFER_SAMPLE_CHARS], "".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in scores and rank(sniffed)[:3] >= rank(best)[:3]:
        return sniffed
    return best if scores[best].modal_fields > 1 else ","
