"""Drift between two versions of a dataset, from their column profiles (pure).

Shared by the profiler (a SchemaChanged event for each new version) and the catalog (the diff
between any two versions), so both call the same change breaking.

Breaking: what a consumer of the previous version relied on is gone or different (a removed or
renamed column, a new dtype or statistical type, vanished category levels). Non-breaking: new
columns, new levels, and jumps in null rate or cardinality (a data-quality signal).
"""

from __future__ import annotations

from mdc_contracts.datasets import ColumnProfile, StatType
from mdc_contracts.schema_changes import SchemaChange, SchemaChangeKind

NULL_RATE_JUMP = 0.20  # absolute, in share of rows
CARDINALITY_FACTOR = 2.0
CARDINALITY_MIN_DIFFERENCE = 10
LEVELS_MAX = 50  # above this, top values are a sample, not the full set of levels
_CATEGORICAL = {StatType.BINARY, StatType.NOMINAL, StatType.ORDINAL, StatType.CONSTANT}
K = SchemaChangeKind


def detect_drift(
    previous: list[ColumnProfile],
    current: list[ColumnProfile],
    *,
    previous_rows: int | None = None,
    current_rows: int | None = None,
) -> list[SchemaChange]:
    """Changes from `previous` to `current`, removed/renamed first, then per column in order.

    Null-rate jumps need the row counts of both versions; without them none is reported.
    """
    before = {c.name: c for c in previous}
    after = {c.name: c for c in current}
    removed = [c for c in previous if c.name not in after]
    added = [c for c in current if c.name not in before]
    renames = _renames(removed, added)
    changes: list[SchemaChange] = []
    for old, new in renames:
        changes.append(
            _change(
                K.COLUMN_RENAMED, new.name, True, old.name, new.name, f"{old.name} -> {new.name}"
            )
        )
        changes.extend(_column_changes(old, new, previous_rows, current_rows))
    renamed_old = {old.name for old, _ in renames}
    renamed_new = {new.name for _, new in renames}
    for column in removed:
        if column.name not in renamed_old:
            changes.append(
                _change(K.COLUMN_REMOVED, column.name, True, column.dtype, None, "column removed")
            )
    for column in current:
        kept = before.get(column.name)
        if kept is not None:
            changes.extend(_column_changes(kept, column, previous_rows, current_rows))
        elif column.name not in renamed_new:
            changes.append(
                _change(K.COLUMN_ADDED, column.name, False, None, column.dtype, "column added")
            )
    return changes


def _renames(
    removed: list[ColumnProfile], added: list[ColumnProfile]
) -> list[tuple[ColumnProfile, ColumnProfile]]:
    """Pairs (old, new): by the spec's source name, else one unambiguous look-alike."""
    pairs: list[tuple[ColumnProfile, ColumnProfile]] = []
    left = list(removed)
    for new in added:
        source = new.source_name
        match = next(
            (old for old in left if source and (old.source_name or old.name) == source), None
        )
        if match is None:
            # Conservative: only when exactly one removed column looks the same.
            alike = [old for old in left if _looks_alike(old, new)]
            match = alike[0] if len(alike) == 1 else None
        if match is not None:
            pairs.append((match, new))
            left.remove(match)
    return pairs


def _looks_alike(old: ColumnProfile, new: ColumnProfile) -> bool:
    if (old.dtype, old.stat_type, old.position) != (new.dtype, new.stat_type, new.position):
        return False
    if (old.min, old.max) != (new.min, new.max):
        return False
    bigger = max(old.distinct_count, new.distinct_count, 1)
    return abs(old.distinct_count - new.distinct_count) / bigger <= 0.1


def _column_changes(
    old: ColumnProfile, new: ColumnProfile, previous_rows: int | None, current_rows: int | None
) -> list[SchemaChange]:
    name = new.name
    changes: list[SchemaChange] = []
    if old.dtype != new.dtype:
        detail = f"dtype {old.dtype} -> {new.dtype}"
        changes.append(_change(K.DTYPE_CHANGED, name, True, old.dtype, new.dtype, detail))
    if old.stat_type != new.stat_type:
        a, b = old.stat_type.value, new.stat_type.value
        changes.append(_change(K.STAT_TYPE_CHANGED, name, True, a, b, f"stat type {a} -> {b}"))
    old_levels, new_levels = _levels(old), _levels(new)
    if old_levels is not None and new_levels is not None:
        gone = [v for v in old_levels if v not in new_levels]
        fresh = [v for v in new_levels if v not in old_levels]
        if gone:
            text = ", ".join(gone)
            changes.append(
                _change(K.LEVELS_REMOVED, name, True, text, None, f"levels gone: {text}")
            )
        if fresh:
            text = ", ".join(fresh)
            changes.append(_change(K.LEVELS_ADDED, name, False, None, text, f"new levels: {text}"))
    jump = _null_rate_jump(old, new, previous_rows, current_rows)
    if jump is not None:
        changes.append(jump)
    if _cardinality_jumped(old.distinct_count, new.distinct_count):
        a, b = str(old.distinct_count), str(new.distinct_count)
        changes.append(
            _change(K.CARDINALITY_JUMP, name, False, a, b, f"distinct values {a} -> {b}")
        )
    return changes


def _levels(column: ColumnProfile) -> list[str] | None:
    """The full set of levels when known: declared categories, or all top values of a
    low-cardinality column (top values of a high-cardinality column are only a sample)."""
    if column.categories is not None:
        return list(column.categories)
    if column.stat_type not in _CATEGORICAL or column.top_values is None:
        return None
    values = [v.value for v in column.top_values if v.value is not None]
    if len(values) != column.distinct_count or len(values) > LEVELS_MAX:
        return None
    return values


def _null_rate_jump(
    old: ColumnProfile, new: ColumnProfile, previous_rows: int | None, current_rows: int | None
) -> SchemaChange | None:
    a = _rate(old.null_count, previous_rows)
    b = _rate(new.null_count, current_rows)
    if a is None or b is None or abs(b - a) <= NULL_RATE_JUMP:
        return None
    return _change(
        K.NULL_RATE_JUMP, new.name, False, f"{a:.1%}", f"{b:.1%}", f"null rate {a:.1%} -> {b:.1%}"
    )


def _rate(nulls: int, rows: int | None) -> float | None:
    return nulls / rows if rows else None


def _cardinality_jumped(a: int, b: int) -> bool:
    if abs(a - b) < CARDINALITY_MIN_DIFFERENCE:
        return False
    low, high = min(a, b), max(a, b)
    return low == 0 or high / low >= CARDINALITY_FACTOR


def _change(
    kind: SchemaChangeKind,
    column: str,
    breaking: bool,
    before: str | None,
    after: str | None,
    detail: str,
) -> SchemaChange:
    return SchemaChange(
        kind=kind, column=column, breaking=breaking, before=before, after=after, detail=detail
    )
