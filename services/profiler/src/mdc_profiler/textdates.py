"""Text columns that hold dates, found on a lazy table: format from a sample (with
`temporal.parse_temporal`), then checked on every row, so a late odd value keeps it text.

The reader types most dates itself; this keeps date statistical types for text that reaches
the profiler untyped (a spec that forces text off, an older reader, a frame built by hand).
"""

from __future__ import annotations

import re

import polars as pl

from mdc_profiler.stats import TextTemporal, _collect, batches
from mdc_profiler.temporal import parse_temporal

SAMPLE_ROWS = 1_000


def detect_text_temporal(
    lf: pl.LazyFrame, names: list[str], *, batch_size: int
) -> dict[str, TextTemporal]:
    found: dict[str, TextTemporal] = {}
    for batch in batches(names, batch_size):
        sample = _collect(lf.select(batch).head(SAMPLE_ROWS), "temporal-sample")
        candidates: dict[str, list[TextTemporal]] = {}
        for name in batch:
            parse = parse_temporal(sample[name])
            if parse is None:
                continue
            dtype = parse.values.dtype
            first = TextTemporal(dtype, parse.format, parse.note, parse.ambiguous)
            options = [first]
            swapped = _swap_day_month(parse.format)
            if swapped is not None:
                # The sample may not show which order: the whole column decides.
                options.append(TextTemporal(dtype, swapped, "", False))
            candidates[name] = options
        if candidates:
            found.update(_verified(lf, candidates))
    return found


def _verified(
    lf: pl.LazyFrame, candidates: dict[str, list[TextTemporal]]
) -> dict[str, TextTemporal]:
    exprs = [
        (option.expr(name).null_count() - pl.col(name).null_count()).alias(f"{name}|{k}")
        for name, options in candidates.items()
        for k, option in enumerate(options)
    ]
    failures = _collect(lf.select(exprs), "temporal-check").row(0, named=True)
    chosen: dict[str, TextTemporal] = {}
    for name, options in candidates.items():
        ok = [o for k, o in enumerate(options) if failures[f"{name}|{k}"] == 0]
        if not ok:
            continue
        best = ok[0]
        if best is not options[0]:
            note = "month-first" if best.format.index("%m") < best.format.index("%d") else ""
            best = TextTemporal(best.dtype, best.format, note or "day-first", False)
        elif len(ok) == 1 and len(options) == 2 and options[0].ambiguous:
            # Only the sample's order parses every row: the rest of the file decided it.
            best = TextTemporal(best.dtype, best.format, "order decided by the full column", False)
        chosen[name] = best
    return chosen


def _swap_day_month(fmt: str) -> str | None:
    if "%d" not in fmt or "%m" not in fmt:
        return None
    return re.sub(r"%d|%m", lambda m: "%m" if m.group() == "%d" else "%d", fmt)
