"""Stat-type accuracy of the profiler on the labelled corpus (tests/corpus/labels.yaml).

`--set` picks the labelled set: `main` (labels.yaml, the default; the profiler's rules were tuned
on it, so its figure is optimistic), `heldout` (heldout.yaml, never looked at while tuning: the
honest figure) or `all` (both).

Runs the real pipeline (`mdc_profiler.pipeline.standardize`) on every corpus file, compares the
inferred statistical type of each labelled column with its label and prints: precision / recall
per type, overall accuracy, accuracy on the European fixtures, every miss with the profiler's
evidence, and every file that failed with its reason. It is a report: exit 0 whatever the
accuracy, 2 when the manifest is invalid.

    make accuracy                          # or: uv run python bench/accuracy.py [--only TEXT]
    uv run python bench/accuracy.py --set heldout
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.corpus is a folder of the repo, not an installed package

from mdc_contracts import ColumnProfile, StatType  # noqa: E402
from mdc_profiler.errors import UnreadableFile  # noqa: E402
from mdc_profiler.pipeline import standardize  # noqa: E402

from tests.corpus.manifest import (  # noqa: E402
    HELDOUT,
    LABELS,
    CorpusFile,
    ManifestError,
    load_manifest,
    materialize,
)

TARGET_OVERALL = 0.95
TARGET_EUROPEAN = 1.0
MISSING = "(no such column in the profile)"
SETS: dict[str, tuple[Path, ...]] = {
    "main": (LABELS,),
    "heldout": (HELDOUT,),
    "all": (LABELS, HELDOUT),
}


@dataclass(frozen=True)
class Outcome:
    file: CorpusFile
    column: str
    expected: StatType
    got: str  # a StatType value, or MISSING / "(file failed)"
    evidence: str

    @property
    def correct(self) -> bool:
        return self.got == self.expected.value


@dataclass(frozen=True)
class Failure:
    file: CorpusFile
    reason: str


def find_column(columns: list[ColumnProfile], name: str) -> ColumnProfile | None:
    by_source = {c.source_name or c.name: c for c in columns}
    by_name = {c.name: c for c in columns}
    found = by_source.get(name) or by_name.get(name)
    if found is None:
        # The profiler may normalise header text (trim, case); a person would still match them.
        loose = {(c.source_name or c.name).strip().casefold(): c for c in columns}
        found = loose.get(name.strip().casefold())
    return found


def profile_file(entry: CorpusFile, path: Path) -> tuple[list[Outcome], Failure | None]:
    with tempfile.TemporaryDirectory(prefix="mdc-accuracy-") as tmp:
        try:
            result = standardize(path, Path(tmp))
        except UnreadableFile as exc:
            where = ", ".join(
                f"{k} {v}" for k, v in (("row", exc.row), ("column", exc.column)) if v is not None
            )
            reason = f"[{exc.stage}] {exc.reason}" + (f" ({where})" if where else "")
            return _all_failed(entry, reason), Failure(entry, reason)
        except Exception as exc:  # a crash is a profiler bug; report it like a failure
            reason = f"crash: {type(exc).__name__}: {exc}"
            return _all_failed(entry, reason), Failure(entry, reason)
    outcomes = []
    for name, expected in entry.columns.items():
        col = find_column(result.columns, name)
        if col is None:
            names = [c.name for c in result.columns]
            outcomes.append(Outcome(entry, name, expected, MISSING, f"profiled columns: {names}"))
        else:
            evidence = f"{col.stat_type_evidence} (confidence {col.stat_type_confidence:.2f})"
            outcomes.append(Outcome(entry, name, expected, col.stat_type.value, evidence))
    return outcomes, None


def _all_failed(entry: CorpusFile, reason: str) -> list[Outcome]:
    return [Outcome(entry, c, t, "(file failed)", reason) for c, t in entry.columns.items()]


def pct(num: int, den: int) -> str:
    return f"{100 * num / den:6.1f}%" if den else "     -"


def verdict(rate: float, target: float) -> str:
    return "met" if rate >= target else "NOT met"


def report(
    outcomes: list[Outcome], failures: list[Failure], n_files: int, seconds: float, source: str
) -> None:
    print(f"\nStat-type accuracy on {n_files} files, {len(outcomes)} labelled columns ({source})")
    print(f"profiling took {seconds:.1f} s, {n_files / seconds:.1f} files/s")
    head = ("type", "labelled", "correct", "recall", "predicted", "precision")
    print("\n{:<12}{:>9}{:>9}{:>9}{:>11}{:>11}".format(*head))
    support = Counter(o.expected.value for o in outcomes)
    hits = Counter(o.expected.value for o in outcomes if o.correct)
    predicted = Counter(o.got for o in outcomes)
    for t in StatType:
        v = t.value
        print(
            f"{v:<12}{support[v]:>9}{hits[v]:>9}{pct(hits[v], support[v]):>9}"
            f"{predicted[v]:>11}{pct(hits[v], predicted[v]):>11}"
        )
    for other in sorted(set(predicted) - {t.value for t in StatType}):
        print(f"{other:<34}{predicted[other]:>11}")

    def line(label: str, subset: list[Outcome], target: float) -> None:
        ok = sum(o.correct for o in subset)
        rate = ok / len(subset) if subset else 0.0
        print(
            f"{label:<22}{ok:>5}/{len(subset):<5}{pct(ok, len(subset))}"
            f"   target >= {target:.0%}: {verdict(rate, target)}"
        )

    print()
    line("overall", outcomes, TARGET_OVERALL)
    line("European fixtures", [o for o in outcomes if o.file.european], TARGET_EUROPEAN)
    line("package files", [o for o in outcomes if not o.file.european], TARGET_OVERALL)

    misses = [o for o in outcomes if not o.correct]
    print(f"\nMisses ({len(misses)}): file | column | expected -> got | evidence")
    for o in sorted(misses, key=lambda o: (o.expected.value, o.file.key, o.column)):
        print(f"  {o.file.key} | {o.column} | {o.expected.value} -> {o.got} | {o.evidence}")
    pairs = Counter((o.expected.value, o.got) for o in misses)
    print("\nConfusions (expected -> got: count)")
    for (e, g), n in pairs.most_common():
        print(f"  {e} -> {g}: {n}")
    print(f"\nFiles that failed ({len(failures)} of {n_files})")
    for f in failures:
        print(f"  {f.file.key}: {f.reason}")


def load_files(manifests: tuple[Path, ...]) -> list[CorpusFile]:
    files = [f for path in manifests for f in load_manifest(path).files]
    keys = [f.key for f in files]
    shared = sorted({k for k in keys if keys.count(k) > 1})
    if shared:
        # A held-out file that is also in the main set would not be held out.
        raise ManifestError(f"files listed in more than one manifest: {shared}")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set",
        dest="labelled_set",
        choices=sorted(SETS),
        default="main",
        help="main = labels.yaml (default), heldout = heldout.yaml, all = both",
    )
    parser.add_argument(
        "--manifest", type=Path, default=None, help="score this manifest file instead of --set"
    )
    parser.add_argument("--only", default="", help="only files whose key contains this text")
    args = parser.parse_args(argv)
    if args.manifest is not None:
        manifests: tuple[Path, ...] = (args.manifest,)
        source = str(args.manifest)
    else:
        manifests = SETS[args.labelled_set]
        names = " + ".join(p.name for p in manifests)
        source = f"set {args.labelled_set}: {names}"
    print(f"scoring {source}")
    try:
        files = [f for f in load_files(manifests) if args.only in f.key]
        with tempfile.TemporaryDirectory(prefix="mdc-corpus-") as cache:
            paths = materialize(files, Path(cache))
            missing = [f.key for f in files if not paths[f.key].is_file()]
            if missing:
                raise ManifestError(f"files not found: {missing}")
            outcomes: list[Outcome] = []
            failures: list[Failure] = []
            start = time.perf_counter()
            for f in files:
                got, failure = profile_file(f, paths[f.key])
                outcomes += got
                if failure is not None:
                    failures.append(failure)
            seconds = time.perf_counter() - start
    except ManifestError as exc:
        print(f"invalid manifest: {exc}", file=sys.stderr)
        return 2
    report(outcomes, failures, len(files), seconds, source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
