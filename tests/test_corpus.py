"""The labelled stat-type corpora are well formed (no server, no profiler).

Two manifests: labels.yaml (main) and heldout.yaml (held out from rule tuning). Their accuracy is a
report (`make accuracy`, `bench/accuracy.py --set heldout`), deliberately not asserted here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from mdc_contracts import StatType

from tests.corpus.manifest import (
    HELDOUT,
    LABELS,
    CorpusFile,
    Manifest,
    ManifestError,
    load_manifest,
    materialize,
    read_header,
)


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    return load_manifest()


@pytest.fixture(scope="module")
def heldout() -> Manifest:
    return load_manifest(HELDOUT)


@pytest.fixture(scope="module", params=[LABELS, HELDOUT], ids=["main", "heldout"])
def any_manifest(request: pytest.FixtureRequest) -> Manifest:
    return load_manifest(request.param)


@pytest.fixture(scope="module")
def paths(any_manifest: Manifest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return materialize(any_manifest.files, tmp_path_factory.mktemp("corpus"))


def test_corpus_size(manifest: Manifest) -> None:
    labelled = sum(len(f.columns) for f in manifest.files)
    assert len(manifest.files) >= 100
    assert labelled >= 300
    assert sum(f.european for f in manifest.files) >= 20


def test_every_type_is_covered(manifest: Manifest) -> None:
    counts = Counter(t for f in manifest.files for t in f.columns.values())
    assert {t: counts[t] for t in StatType if counts[t] < 3} == {}


def test_heldout_size(heldout: Manifest) -> None:
    labelled = sum(len(f.columns) for f in heldout.files)
    assert len(heldout.files) >= 40
    assert labelled >= 200
    assert sum(f.european for f in heldout.files) >= 5


def test_heldout_covers_every_type(heldout: Manifest) -> None:
    counts = Counter(t for f in heldout.files for t in f.columns.values())
    assert {t: counts[t] for t in StatType if counts[t] < 1} == {}


def test_heldout_follows_the_same_guidelines(manifest: Manifest, heldout: Manifest) -> None:
    assert heldout.guidelines == manifest.guidelines


def test_heldout_shares_no_file_with_the_main_set(manifest: Manifest, heldout: Manifest) -> None:
    main_keys = {f.key for f in manifest.files}
    assert sorted(f.key for f in heldout.files if f.key in main_keys) == []


def test_every_file_exists_and_has_the_labelled_columns(
    any_manifest: Manifest, paths: dict[str, Path]
) -> None:
    problems = []
    for f in any_manifest.files:
        path = paths[f.key]
        if not path.is_file():
            problems.append(f"{f.key}: no file at {path}")
            continue
        header = read_header(path, f.hints)
        missing = sorted(set(f.columns) - set(header))
        if missing:
            problems.append(f"{f.key}: columns not in the header {missing}; header={header}")
    assert problems == []


def test_invalid_labels_are_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "labels.yaml"
    bad.write_text(
        "guidelines: x\nfiles:\n  - path: european/a.csv\n    columns: {a: ordinary}\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError, match="ordinary"):
        load_manifest(bad)


def test_a_file_listed_twice_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "labels.yaml"
    entry = "  - path: european/a.csv\n    columns: {a: binary}\n"
    bad.write_text(f"guidelines: x\nfiles:\n{entry}{entry}", encoding="utf-8")
    with pytest.raises(ManifestError, match="twice"):
        load_manifest(bad)


def test_read_header_follows_the_hints(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_bytes("Titre du fichier\ncommune;densité\nBesançon;1,5\n".encode("cp1252"))
    entry = CorpusFile.model_validate(
        {
            "path": "t.csv",
            "hints": {"encoding": "cp1252", "delimiter": ";", "skip_rows": 1},
            "columns": {"commune": "identifier"},
        }
    )
    assert read_header(f, entry.hints) == ["commune", "densité"]
