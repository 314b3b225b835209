"""detect_drift: what changed between two versions' column profiles, breaking or not."""

from __future__ import annotations

from typing import Any

from mdc_contracts import ColumnProfile, SchemaChangeKind, StatType, ValueCount
from mdc_profiler.drift import detect_drift

K = SchemaChangeKind


def col(name: str, position: int = 0, **fields: Any) -> ColumnProfile:
    values: dict[str, Any] = {
        "dtype": "Int64",
        "stat_type": StatType.CONTINUOUS,
        "stat_type_confidence": 0.9,
        "stat_type_evidence": "test",
        "null_count": 0,
        "distinct_count": 100,
        "min": "1",
        "max": "100",
    }
    values.update(fields)
    return ColumnProfile(name=name, position=position, **values)


def levels(*values: str) -> dict[str, Any]:
    return {
        "dtype": "String",
        "stat_type": StatType.NOMINAL,
        "distinct_count": len(values),
        "top_values": [ValueCount(value=v, count=3) for v in values],
    }


def kinds(changes: list[Any]) -> list[tuple[SchemaChangeKind, str, bool]]:
    return [(c.kind, c.column, c.breaking) for c in changes]


def test_identical_versions_have_no_drift() -> None:
    columns = [col("a"), col("b", 1, **levels("x", "y"))]
    assert detect_drift(columns, columns, previous_rows=10, current_rows=12) == []


def test_added_and_removed_columns() -> None:
    changes = detect_drift([col("a"), col("b", 1)], [col("a"), col("c", 1, dtype="String")])
    assert kinds(changes) == [(K.COLUMN_REMOVED, "b", True), (K.COLUMN_ADDED, "c", False)]
    assert (changes[0].before, changes[1].after) == ("Int64", "String")


def test_rename_by_spec_source_name() -> None:
    old = [col("mass")]
    new = [col("body_mass_g", source_name="mass", min="5")]
    [change] = detect_drift(old, new)
    assert (change.kind, change.before, change.after, change.breaking) == (
        K.COLUMN_RENAMED,
        "mass",
        "body_mass_g",
        True,
    )


def test_rename_by_look_alike_only_when_unambiguous() -> None:
    [change] = detect_drift([col("x", 0)], [col("y", 0)])
    assert change.kind == K.COLUMN_RENAMED
    # Two look-alikes: no guess, a removal and additions instead.
    ambiguous = detect_drift([col("x", 0), col("z", 0)], [col("y", 0)])
    assert {c.kind for c in ambiguous} == {K.COLUMN_REMOVED, K.COLUMN_ADDED}
    # Different values: not the same column.
    different = detect_drift([col("x", 0)], [col("y", 0, max="9999")])
    assert {c.kind for c in different} == {K.COLUMN_REMOVED, K.COLUMN_ADDED}


def test_dtype_and_stat_type_changes_are_breaking() -> None:
    old = [col("code", **(levels("0", "1") | {"stat_type": StatType.BINARY}))]
    new = [col("code", **(levels("0", "1", "2") | {"dtype": "Int64"}))]
    changes = detect_drift(old, new)
    assert kinds(changes) == [
        (K.DTYPE_CHANGED, "code", True),
        (K.STAT_TYPE_CHANGED, "code", True),
        (K.LEVELS_ADDED, "code", False),
    ]
    assert changes[1].detail == "stat type binary -> nominal"


def test_levels_removed_is_breaking_added_is_not() -> None:
    changes = detect_drift([col("s", **levels("a", "b", "c"))], [col("s", **levels("a", "c", "d"))])
    assert kinds(changes) == [(K.LEVELS_REMOVED, "s", True), (K.LEVELS_ADDED, "s", False)]
    assert (changes[0].before, changes[1].after) == ("b", "d")


def test_levels_ignored_when_top_values_are_only_a_sample() -> None:
    sample = levels("a", "b") | {"distinct_count": 500}
    assert (
        detect_drift(
            [col("s", **sample)], [col("s", **(levels("c", "d") | {"distinct_count": 500}))]
        )
        == []
    )


def test_null_rate_jump_needs_more_than_20_points() -> None:
    old, small, big = col("a", null_count=10), col("a", null_count=25), col("a", null_count=40)
    assert detect_drift([old], [small], previous_rows=100, current_rows=100) == []
    [jump] = detect_drift([old], [big], previous_rows=100, current_rows=100)
    assert (jump.kind, jump.before, jump.after, jump.breaking) == (
        K.NULL_RATE_JUMP,
        "10.0%",
        "40.0%",
        False,
    )
    assert detect_drift([old], [big]) == []  # no row counts, no rate


def test_cardinality_jump_needs_a_factor_and_an_absolute_difference() -> None:
    assert detect_drift([col("a", distinct_count=3)], [col("a", distinct_count=8)]) == []
    [jump] = detect_drift([col("a", distinct_count=100)], [col("a", distinct_count=250)])
    assert (jump.kind, jump.before, jump.after) == (K.CARDINALITY_JUMP, "100", "250")
    [drop] = detect_drift([col("a", distinct_count=100)], [col("a", distinct_count=40)])
    assert drop.kind == K.CARDINALITY_JUMP
