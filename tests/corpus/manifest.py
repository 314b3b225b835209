"""The labelled stat-type corpus: load `labels.yaml`, find each file, read its header.

Package files are read from the installed package at run time (never copied into the repo):
`package` names an importable module, `path` the file inside it; when `archive` is set, `path` is
a member of that tar.gz inside the package (pydataset ships its CSVs that way) and is extracted to
a cache directory. Fixtures (no `package`) live under tests/corpus/. `labels.yaml` is the main
set; `heldout.yaml` (same format, same guidelines) is the held-out set.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

import yaml
from mdc_contracts import StatType
from pydantic import BaseModel, ConfigDict, Field

CORPUS_DIR = Path(__file__).resolve().parent
LABELS = CORPUS_DIR / "labels.yaml"
# A second labelled set, never looked at while the profiler's rules were tuned: an honest figure.
HELDOUT = CORPUS_DIR / "heldout.yaml"
# Folders of synthetic European fixtures (no `package`), one per manifest.
EUROPEAN_DIRS = ("european/", "heldout/")


class ReadHints(BaseModel):
    """How a person would open the file; used to check headers, never given to the profiler."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    encoding: str = "utf-8"
    delimiter: str = ","
    skip_rows: int = Field(default=0, ge=0, description="Lines above the header (a title).")


class CorpusFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    package: str | None = None
    archive: str | None = None
    path: str
    doc: str | None = Field(default=None, description="Where the labels' meaning comes from.")
    hints: ReadHints = ReadHints()
    columns: dict[str, StatType] = Field(min_length=1)

    @property
    def key(self) -> str:
        return f"{self.package}:{self.path}" if self.package else f"fixture:{self.path}"

    @property
    def european(self) -> bool:
        return self.package is None and self.path.startswith(EUROPEAN_DIRS)


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    guidelines: str
    files: list[CorpusFile]


class ManifestError(Exception):
    """The manifest is invalid: bad YAML, unknown label, missing file or column."""


def load_manifest(path: Path = LABELS) -> Manifest:
    try:
        manifest = Manifest.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValueError) as exc:
        raise ManifestError(f"{path}: {exc}") from exc
    keys = [f.key for f in manifest.files]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ManifestError(f"files listed twice: {duplicates}")
    return manifest


def package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ManifestError(f"package {package!r} is not installed (uv sync --all-groups)")
    return Path(next(iter(spec.submodule_search_locations)))


def materialize(files: Iterable[CorpusFile], cache_dir: Path) -> dict[str, Path]:
    """Local path of every file (archive members extracted under `cache_dir`), by `key`."""
    found: dict[str, Path] = {}
    members: dict[tuple[str, str], list[CorpusFile]] = {}
    for f in files:
        if f.package is None:
            found[f.key] = CORPUS_DIR / f.path
        elif f.archive is None:
            found[f.key] = package_dir(f.package) / f.path
        else:
            members.setdefault((f.package, f.archive), []).append(f)
    for (package, archive), entries in members.items():
        target = cache_dir / package
        wanted = {f.path: f for f in entries}
        missing = [p for p in wanted if not (target / p).is_file()]
        if missing:
            # One pass over the tar: pydataset's archive holds ~2,000 files.
            with tarfile.open(package_dir(package) / archive, "r:gz") as tar:
                for member in tar:
                    if member.name in missing and member.isfile():
                        tar.extract(member, target, filter="data")
        for p, f in wanted.items():
            found[f.key] = target / p
    return found


def read_header(path: Path, hints: ReadHints) -> list[str]:
    """The header row as a person reading with the hints would see it (csv module, no profiler)."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    elif path.suffix == ".zip":
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            raw = zf.read(zf.namelist()[0])
    encoding = "utf-8-sig" if hints.encoding.lower() in ("utf-8", "utf8") else hints.encoding
    # Only the start is decoded: enough for the header, and a multibyte cut is tolerated.
    text = raw[:65536].decode(encoding, errors="ignore")
    lines = text.splitlines()[hints.skip_rows :]
    return next(csv.reader(lines[:1], delimiter=hints.delimiter), [])
