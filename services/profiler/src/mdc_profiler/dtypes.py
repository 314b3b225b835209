"""Storage type of each text column, decided from ALL its values, lazily and in column batches.

Pass A (every column, full data): non-null count, how many values cast to Int64 / Float64, and
whether an integer column has leading zeros. Pass B (only the columns still text, full data):
the formats a sample suggests (thousands separators, decimal commas, booleans, dates) are
verified on every value. Each pass is one streaming `select` per batch of columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from mdc_profiler import temporal
from mdc_profiler.stats import current_engine

BATCH_COLUMNS = 100
SAMPLE_ROWS = 2000
SPACES = "[ \u00a0\u202f]"  # plain, no-break and narrow no-break spaces group thousands
_APOSTROPHES = "['\u2019]"  # plain and typographic apostrophes (Swiss)


@dataclass(frozen=True)
class Decision:
    name: str
    expr: pl.Expr  # turns the text column into its storage type
    decimal: str | None = None  # "," when written with decimal commas
    thousands: str | None = None
    note: str = ""
    native: pl.DataType | None = None  # a plain Int64/Float64 that polars' CSV parser can read
    strict: pl.Expr | None = None  # `expr` failing on a value it cannot convert (dates)
    decided: bool = True  # False: the column stays text


@dataclass(frozen=True)
class _Numeric:
    name: str
    pattern: str  # every sampled value matches
    marker: str  # ...and some sampled value matches this one
    convert: Callable[[pl.Expr], pl.Expr]
    decimal: str | None
    thousands: str | None


def _float(strip: str, comma_decimal: bool) -> Callable[[pl.Expr], pl.Expr]:
    def convert(c: pl.Expr) -> pl.Expr:
        text = c.str.strip_chars().str.replace_all(strip, "") if strip else c.str.strip_chars()
        if comma_decimal:
            text = text.str.replace(",", ".", literal=True)
        return text.cast(pl.Float64, strict=False)

    return convert


_INT = r"[+-]?\d+"
NUMERIC_FORMATS = (
    _Numeric("decimal comma", rf"^{_INT}(,\d+)?$", ",", _float("", True), ",", None),
    _Numeric(
        "space thousands",
        rf"^[+-]?\d{{1,3}}({SPACES}\d{{3}})*(,\d+)?$",
        SPACES,
        _float(SPACES, True),
        ",",
        " ",
    ),
    _Numeric(
        "dot thousands, decimal comma",
        r"^[+-]?\d{1,3}(\.\d{3})*(,\d+)?$",
        r"\.",
        _float(r"\.", True),
        ",",
        ".",
    ),
    _Numeric(
        "apostrophe thousands",  # Swiss: 1'234.5, also with the typographic apostrophe
        rf"^[+-]?\d{{1,3}}({_APOSTROPHES}\d{{3}})*(\.\d+)?$",
        _APOSTROPHES,
        _float(_APOSTROPHES, False),
        ".",
        "'",
    ),
    _Numeric(
        "comma thousands",
        r"^[+-]?\d{1,3}(,\d{3})*(\.\d+)?$",
        r",\d{3}",
        _float(",", False),
        ".",
        ",",
    ),
)

_ANY_NUMERIC = "|".join(f"(?:{fmt.pattern})" for fmt in NUMERIC_FORMATS)


def decide(
    lf: pl.LazyFrame,
    *,
    delimiter: str | None,
    batch: int = BATCH_COLUMNS,
    only: set[str] | None = None,
) -> list[Decision]:
    """One decision per column; `only` limits the work to those text columns."""
    schema = lf.collect_schema()
    text = [n for n, t in schema.items() if t == pl.String and (only is None or n in only)]
    sample = lf.select(text).head(SAMPLE_ROWS).collect()
    decisions: dict[str, Decision] = {}
    for start in range(0, len(text), batch):
        names = text[start : start + batch]
        decisions.update(_decide_batch(lf, names, sample, delimiter))
    return [decisions.get(n) or Decision(n, pl.col(n), decided=False) for n in schema.names()]


def _decide_batch(
    lf: pl.LazyFrame, names: list[str], sample: pl.DataFrame, delimiter: str | None
) -> dict[str, Decision]:
    exprs: list[pl.Expr] = []
    for i, n in enumerate(names):
        c = pl.col(n)
        exprs += [
            c.is_not_null().sum().alias(f"nn{i}"),
            c.cast(pl.Int64, strict=False).is_not_null().sum().alias(f"int{i}"),
            c.cast(pl.Float64, strict=False).is_not_null().sum().alias(f"flt{i}"),
            (c.str.starts_with("0") & (c.str.len_bytes() > 1)).any().alias(f"z{i}"),
        ]
    stats = lf.select(exprs).collect(engine=current_engine()).row(0, named=True)
    # Whether the sampled values are all plain integers: one query for the batch.
    digits = sample.select(
        (pl.col(n).str.contains(rf"^{_INT}$").all() & pl.col(n).is_not_null().any()).alias(n)
        for n in names
    ).row(0, named=True)
    out: dict[str, Decision] = {}
    pending: dict[str, list[tuple[Decision, pl.Expr]]] = {}
    for i, n in enumerate(names):
        nn = stats[f"nn{i}"]
        if nn == 0:
            continue
        digits_only = bool(digits[n])
        if stats[f"int{i}"] == nn:
            if not stats[f"z{i}"]:
                out[n] = Decision(n, pl.col(n).cast(pl.Int64), native=pl.Int64())
        elif stats[f"flt{i}"] == nn and not digits_only:
            out[n] = Decision(n, pl.col(n).cast(pl.Float64), native=pl.Float64())
        elif not digits_only and (values := sample[n].drop_nulls()).len():
            pending[n] = _candidates(n, values, delimiter)
    non_null = {n: int(stats[f"nn{i}"]) for i, n in enumerate(names)}
    out.update(_verify(lf, pending, non_null))
    return out


def _candidates(
    name: str, values: pl.Series, delimiter: str | None
) -> list[tuple[Decision, pl.Expr]]:
    c = pl.col(name)
    found: list[tuple[Decision, pl.Expr]] = []
    numeric = values.str.contains(_ANY_NUMERIC).all()  # one check rules most text out
    for fmt in NUMERIC_FORMATS if numeric else ():
        if fmt.decimal == "," and delimiter == ",":
            # A comma file quotes "1,5": ambiguous with thousands, so never a decimal comma.
            continue
        if values.str.contains(fmt.pattern).all() and values.str.contains(fmt.marker).any():
            converted = fmt.convert(c)
            if fmt.thousands and not values.str.contains(rf"\{fmt.decimal}").any():
                # "1 234" with no decimal part anywhere: a grouped integer, tried first.
                whole = converted.cast(pl.Int64, strict=False)
                found.append((Decision(name, whole, None, fmt.thousands, fmt.name), whole))
            decision = Decision(name, converted, fmt.decimal, fmt.thousands, fmt.name)
            found.append((decision, converted))
    lowered = values.str.strip_chars().str.to_lowercase()
    if lowered.is_in(["true", "false"]).all():
        flag = c.str.strip_chars().str.to_lowercase()
        found.append((Decision(name, flag == "true"), flag.is_in(["true", "false"])))
    found += _temporal(name, values)
    return found


def _temporal(name: str, values: pl.Series) -> list[tuple[Decision, pl.Expr]]:
    candidate = temporal.temporal_candidate(values)
    if candidate is None:
        return []
    c = pl.col(name).str.strip_chars()
    # Stripping copies every value: the strict parse (the fast path) skips it when the sample
    # has no padding; a padded value later then fails it, and the exact path takes over.
    padded = bool(values.str.contains(r"^\s|\s$").any())
    exact = c if padded else pl.col(name)
    found: list[tuple[Decision, pl.Expr]] = []
    orders = [True, False] if candidate.day_month else [True]
    for day_first in orders:
        formats = temporal.concrete_formats(candidate, day_first)
        fmt = temporal.first_parsing_format(values, candidate, formats)
        if fmt is None:
            continue
        parsed = c.str.strptime(candidate.dtype, fmt, strict=False)
        strict = exact.str.strptime(candidate.dtype, fmt, strict=True)
        note = f"{'day' if day_first else 'month'}-first" if candidate.day_month else ""
        found.append((Decision(name, parsed, note=f"{fmt} {note}".strip(), strict=strict), parsed))
    return found


def _verify(
    lf: pl.LazyFrame,
    pending: dict[str, list[tuple[Decision, pl.Expr]]],
    non_null: dict[str, int],
) -> dict[str, Decision]:
    """Keep, per column, the first candidate that converts every non-null value; for day/month
    dates both orders are checked on all values: the data decides (day-first when both fit)."""
    exprs = [
        conv.is_not_null().sum().alias(f"{n}\x00{k}")
        for n, cands in pending.items()
        for k, (_, conv) in enumerate(cands)
    ]
    if not exprs:
        return {}
    counts = lf.select(exprs).collect(engine=current_engine()).row(0, named=True)
    out: dict[str, Decision] = {}
    for n, cands in pending.items():
        for k, (decision, _) in enumerate(cands):
            if counts[f"{n}\x00{k}"] == non_null[n]:
                out[n] = decision
                break
    return out


def decimal_comma(decisions: list[Decision]) -> bool:
    return any(d.decimal == "," for d in decisions)


def thousands(decisions: list[Decision]) -> str | None:
    return next((d.thousands for d in decisions if d.thousands), None)
