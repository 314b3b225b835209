"""Text columns that hold dates, found on a lazy table: format from a sample (with
`temporal.parse_temporal`), then checked on every row, so a late odd value keeps it text.

The reader types most dates itself; this keeps date statistical types for text that reaches
the profiler untyped (a spec that forces text off, an older reader, a frame built by hand).
"""

from __future__ import annotations

import re

import polars as pl

from mdc_profiler.columns import TextTemporal
from mdc_profiler.stats import _collect, batches
from mdc_profiler.temporal import parse_temporal

SAMPLE_ROWS = 1_000
_CLOCK = r"\d{1,2}:\d{2}(:\d{2})?"
# Formats `parse_temporal` does not try: year-first with slashes and a time, English month
# names ("Jan 1 2000", "1 January 2000", "01-Jan-2000"). A family applies when every sampled
# value matches its pattern; its first format that parses the whole sample is kept.
EXTRA_FAMILIES: tuple[tuple[pl.DataType, str, tuple[str, ...]], ...] = (
    (
        pl.Datetime(),
        rf"^\d{{4}}/\d{{1,2}}/\d{{1,2}}[T ]{_CLOCK}$",
        ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%dT%H:%M:%S"),
    ),
    (
        pl.Date(),
        r"^[A-Za-z]{3,9}\.? \d{1,2},? \d{4}$",
        ("%b %d %Y", "%B %d %Y", "%b %d, %Y", "%B %d, %Y"),
    ),
    (pl.Date(), r"^\d{1,2} [A-Za-z]{3,9}\.? \d{4}$", ("%d %b %Y", "%d %B %Y")),
    (pl.Date(), r"^\d{1,2}-[A-Za-z]{3}-\d{4}$", ("%d-%b-%Y",)),
)

_ANY_EXTRA = "|".join(f"(?:{pattern})" for _, pattern, _ in EXTRA_FAMILIES)


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
                extra = _extra_format(sample[name])
                if extra is not None:
                    candidates[name] = [extra]
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


def _extra_format(values: pl.Series) -> TextTemporal | None:
    if values.dtype != pl.String:
        return None
    sample = values.str.strip_chars().drop_nulls()
    if sample.is_empty() or not sample.str.contains(_ANY_EXTRA).all():
        return None
    for dtype, pattern, formats in EXTRA_FAMILIES:
        if not sample.str.contains(pattern).all():
            continue
        for fmt in formats:
            parsed = sample.str.strptime(dtype, fmt, strict=False)  # type: ignore[arg-type]
            if parsed.null_count() == 0:
                return TextTemporal(dtype, fmt, "", False)
    return None
