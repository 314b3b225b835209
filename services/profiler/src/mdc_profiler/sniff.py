"""What kind of file is this? Container, encoding, delimiter, decimal mark; and a UTF-8 copy.

All blocking (file I/O): call from a worker thread.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mdc_contracts import ProcessingStage

from mdc_profiler.errors import UnreadableFile

CHUNK_BYTES = 1024 * 1024
MAX_FIELD_BYTES = 32 * 1024 * 1024
HEAD_BYTES = 64 * 1024
SNIFF_ROWS = 100  # rows of the sample that vote on the delimiter (x4 candidates, in Python)
# csv.Sniffer is superlinear in its sample: a few KB decide as well as 32 KB, far faster.
SNIFFER_SAMPLE_CHARS = 2 * 1024
QUOTE_SAMPLE_CHARS = 16 * 1024  # enough lines to see how fields are quoted
DELIMITERS = (",", ";", "\t", "|")
UTF8_BOM = codecs.BOM_UTF8
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
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
    quote_char: str | None = '"'
    skipped_rows: int = 0  # lines before the header (a title, notes)


@dataclass(frozen=True)
class FormatOptions:
    """What the provider's spec says of the raw file, instead of what would be detected."""

    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None  # 1-based line of the header


def prepare(
    path: Path,
    work_dir: Path,
    compression: str | None = None,
    *,
    max_field_bytes: int = MAX_FIELD_BYTES,
    options: FormatOptions | None = None,
) -> PreparedText:
    given = options or FormatOptions()
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    check_content(head)
    # Classic Mac files end lines with CR alone: polars needs LF.
    cr_only = b"\r" in head and b"\n" not in head
    encoding = scan_file(path, head, max_bytes=None if cr_only else max_field_bytes)
    if given.encoding is not None:
        detected, encoding = encoding, _given_encoding(given.encoding, head)
        if encoding.startswith("utf-8") and not detected.startswith("utf-8"):
            # UTF-8 is not transcoded, so it is checked here (the scan tried it on every byte).
            raise UnreadableFile(
                f"the file is not utf-8 as the spec says (it reads as {detected}); "
                "fix the spec's encoding"
            )
    try:
        text_path = to_utf8(path, encoding, work_dir, universal_newlines=cr_only)
    except UnicodeDecodeError as err:
        raise UnreadableFile(
            f"the file is not {encoding} as the spec says: byte {err.start} cannot be decoded"
        ) from err
    if cr_only:
        check_line_lengths(text_path, max_field_bytes)
    layout = sniff_layout(read_sample(text_path), delimiter=given.delimiter)
    skipped = layout.skipped if given.header_row is None else given.header_row - 1
    return PreparedText(
        text_path, encoding, layout.delimiter, compression, layout.quote_char, skipped
    )


def _given_encoding(encoding: str, head: bytes) -> str:
    """The spec's encoding, as the transcoding needs it (a UTF-8 BOM is dropped, not read)."""
    name = codecs.lookup(encoding).name
    if name == "utf-8" and head.startswith(UTF8_BOM):
        return "utf-8-sig"
    return name


def scan_file(path: Path, head: bytes, *, max_bytes: int | None) -> str:
    """One pass over the file: its encoding (UTF-8 with or without BOM if the whole file
    decodes, UTF-16 by BOM, else cp1252 or latin-1) and, unless `max_bytes` is None, the
    line-length check (`check_line_lengths`)."""
    if head.startswith(UTF16_BOMS):
        if max_bytes is not None:
            check_line_lengths(path, max_bytes)
        return "utf-16"
    decoder: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder("utf-8")()
    lines = _LineLengths(path, max_bytes) if max_bytes is not None else None
    with path.open("rb") as f:
        while chunk := f.read(_chunk_size(max_bytes)):
            if lines is not None:
                lines.feed(chunk)
            # ASCII is valid UTF-8 (when no multi-byte sequence is pending): skip decoding it.
            if decoder is not None and not (chunk.isascii() and not decoder.getstate()[0]):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    decoder = None
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            decoder = None
    if decoder is None:
        return _single_byte_encoding(path)
    return "utf-8-sig" if head.startswith(UTF8_BOM) else "utf-8"


def check_line_lengths(path: Path, max_bytes: int) -> None:
    """Fail fast, at C speed and in bounded memory, on a line longer than `max_bytes` (a 100 MB
    field would otherwise be buffered whole by the CSV reader)."""
    lines = _LineLengths(path, max_bytes)
    with path.open("rb") as f:
        while chunk := f.read(_chunk_size(max_bytes)):
            lines.feed(chunk)


def _chunk_size(max_bytes: int | None) -> int:
    # Chunks no longer than the limit: a too-long line cannot hide inside one chunk.
    return CHUNK_BYTES if max_bytes is None else max(1, min(CHUNK_BYTES, max_bytes))


class _LineLengths:
    """Raises once a line grows longer than `max_bytes`, fed the file chunk by chunk. Lines are
    only counted (a second pass) to name the offending one: counting every chunk costs more
    than the whole check."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path, self.max_bytes = path, max_bytes
        self.consumed, self.line_start, self.current = 0, 0, 0

    def feed(self, chunk: bytes) -> None:
        last = chunk.rfind(b"\n")
        if last < 0:
            self.current += len(chunk)
        else:
            self.current += chunk.find(b"\n")
            if self.current <= self.max_bytes:
                self.line_start = self.consumed + last + 1
                self.current = len(chunk) - last - 1
        self.consumed += len(chunk)
        if self.current > self.max_bytes:
            line = _line_number(self.path, self.line_start)
            raise UnreadableFile(
                f"line {line} is longer than {self.max_bytes} bytes (a huge field, or no "
                "line breaks at all)",
                stage=ProcessingStage.PARSE,
                row=line,
            )


def _line_number(path: Path, offset: int) -> int:
    """The 1-based number of the line starting at byte `offset`."""
    newlines, read = 0, 0
    with path.open("rb") as f:
        while read < offset and (chunk := f.read(min(CHUNK_BYTES, offset - read))):
            newlines += chunk.count(b"\n")
            read += len(chunk)
    return newlines + 1


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
    controls = len(text) - len(text.translate(None, _CONTROL_BYTES))
    if controls > len(text) * 0.05:
        raise UnreadableFile(
            f"binary content, not text ({controls} control bytes in the first {len(text)})"
        )


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


def to_utf8(path: Path, encoding: str, work_dir: Path, *, universal_newlines: bool = False) -> Path:
    """polars reads UTF-8 only: transcode (and drop a BOM) into a copy when needed; with
    `universal_newlines`, CR and CRLF line ends become LF in that copy."""
    if encoding == "utf-8" and not universal_newlines:
        return path
    target = work_dir / "utf8.csv"
    with (
        path.open("r", encoding=encoding, newline=None if universal_newlines else "") as src,
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
class Layout:
    delimiter: str
    quote_char: str | None
    skipped: int  # physical lines before the header


@dataclass(frozen=True)
class _Consistency:
    header_fields: int
    modal_fields: int
    share: float  # of rows having the modal number of fields
    header_index: int  # first row having the modal number of fields: the header


def _rows(sample: str, delimiter: str, quote_char: str | None) -> list[list[str]]:
    quoting = csv.QUOTE_NONE if quote_char is None else csv.QUOTE_MINIMAL
    reader = csv.reader(
        io.StringIO(sample), delimiter=delimiter, quotechar=quote_char or '"', quoting=quoting
    )
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= SNIFF_ROWS:
                break
    except csv.Error:
        pass  # a truncated sample: what was read still counts
    return rows


def _consistency(sample: str, delimiter: str, quote_char: str | None = '"') -> _Consistency:
    rows = [r for r in _rows(sample, delimiter, quote_char) if any(f.strip() for f in r)]
    if not rows:
        return _Consistency(0, 0, 0.0, 0)
    modal, count = Counter(len(r) for r in rows).most_common(1)[0]
    header = _header_index(rows, modal)
    return _Consistency(len(rows[header]), modal, count / len(rows), header)


def _header_index(rows: list[list[str]], modal: int) -> int:
    """The first row that looks like the table: the modal number of fields, several of them
    filled (a title line padded with delimiters, "Title;;;", is still a preamble)."""
    if modal <= 1:
        return 0
    for index, row in enumerate(rows[:50]):
        filled = sum(1 for f in row if f.strip())
        # R's write.csv leaves the row-names column unnamed: "","Content" is a header.
        row_names = modal == 2 and not row[0].strip() and filled == 1
        if len(row) == modal and (filled >= min(2, modal) or row_names):
            return index
    return 0


def sniff_delimiter(sample: str) -> str:
    return sniff_layout(sample).delimiter


def sniff_layout(sample: str, *, delimiter: str | None = None) -> Layout:
    """Delimiter (unless given): csv.Sniffer's guess when it is consistent, else the candidate
    splitting rows most evenly; then the quote character and the preamble lines before the
    header."""
    if delimiter is not None:
        return _layout(sample, delimiter)
    scores = {d: _consistency(sample, d) for d in DELIMITERS}

    def rank(d: str) -> tuple[bool, float, int]:
        s = scores[d]
        return (s.modal_fields > 1, s.share, s.modal_fields)

    best = max(DELIMITERS, key=rank)
    # The Sniffer (slow) can only overrule `best` with a rival ranking as high: ask it only then.
    rivals = [d for d in DELIMITERS if d != best and rank(d)[:2] >= rank(best)[:2]]
    sniffed = None
    if rivals:
        try:
            sample_head = sample[:SNIFFER_SAMPLE_CHARS]
            sniffed = csv.Sniffer().sniff(sample_head, "".join(DELIMITERS)).delimiter
        except csv.Error:
            sniffed = None
    if sniffed in scores and rank(sniffed)[:2] >= rank(best)[:2]:
        best = sniffed
    return _layout(sample, best if scores[best].modal_fields > 1 else ",")


def _layout(sample: str, delimiter: str) -> Layout:
    quote_char = _quote_char(sample, delimiter)
    header = _consistency(sample, delimiter, quote_char).header_index
    return Layout(delimiter, quote_char, _physical_lines(sample, delimiter, quote_char, header))


def _quote_char(sample: str, delimiter: str) -> str | None:
    """'"' unless the file quotes its fields with "'" (and never with '"')."""
    d = re.escape(delimiter)
    head = sample[:QUOTE_SAMPLE_CHARS]
    opens = {q: len(re.findall(rf"(?:^|{d}){q}", head, re.MULTILINE)) for q in "\"'"}
    return "'" if opens["'"] > 0 and opens['"'] == 0 else '"'


def _physical_lines(sample: str, delimiter: str, quote_char: str | None, rows: int) -> int:
    """Physical lines before the header, the `rows`-th non-blank row (blank lines included)."""
    if rows == 0:
        return 0
    reader = csv.reader(
        io.StringIO(sample), delimiter=delimiter, quotechar=quote_char or '"', strict=False
    )
    seen = 0
    for row in reader:
        if any(f.strip() for f in row):
            if seen == rows:
                return reader.line_num - 1
            seen += 1
    return 0
