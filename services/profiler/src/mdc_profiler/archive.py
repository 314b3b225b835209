"""Compressed wrappers around the data file: gzip (by magic bytes) and zip archives.

All blocking (file I/O): call from a worker thread.
"""

from __future__ import annotations

import gzip
import shutil
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mdc_profiler.errors import UnreadableFile

CHUNK_BYTES = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
# What a data file inside an archive can be called, in order of preference.
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".ods")
# Office documents are zips too: these members mark a workbook, not an archive of files.
WORKBOOK_MEMBERS = ("[Content_Types].xml", "mimetype")


@dataclass(frozen=True)
class Unwrapped:
    path: Path
    compression: str | None  # "gzip" | "zip" | None
    member: str | None = None  # the archive member read, for zip


def unwrap(path: Path, work_dir: Path) -> Unwrapped:
    with path.open("rb") as f:
        magic = f.read(4)
    if magic.startswith(GZIP_MAGIC):
        return Unwrapped(_gunzip(path, work_dir), "gzip")
    if magic == ZIP_MAGIC and not is_workbook(path):
        member, extracted = _unzip(path, work_dir)
        return Unwrapped(extracted, "zip", member)
    return Unwrapped(path, None)


def is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    return any(m in names for m in WORKBOOK_MEMBERS)


def _gunzip(path: Path, work_dir: Path) -> Path:
    target = work_dir / "decompressed"
    try:
        with gzip.open(path, "rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK_BYTES)
    except (OSError, EOFError, zlib.error) as err:
        raise UnreadableFile(f"a corrupt gzip file: {err}") from err
    return target


def choose_member(names: list[str]) -> str | None:
    """The only file, else the first data file by preferred suffix (CSV before Excel)."""
    files = [n for n in names if not n.endswith("/") and not _hidden(n)]
    if len(files) == 1:
        return files[0]
    for suffix in DATA_SUFFIXES:
        for name in files:
            if name.lower().endswith(suffix):
                return name
    return None


def _hidden(name: str) -> bool:
    # macOS archives carry __MACOSX/ resource forks and ._ files that are not data.
    parts = PurePosixPath(name).parts
    return any(p.startswith(("__MACOSX", "._", ".")) for p in parts)


def _unzip(path: Path, work_dir: Path) -> tuple[str, Path]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            member = choose_member(names)
            if member is None:
                shown = ", ".join(names[:10]) or "nothing"
                raise UnreadableFile(f"a zip archive with no data file (it holds {shown})")
            target = work_dir / ("unzipped" + PurePosixPath(member).suffix.lower())
            with archive.open(member) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK_BYTES)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as err:
        raise UnreadableFile(f"a corrupt zip archive: {err}") from err
    return member, target
