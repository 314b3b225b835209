"""Univariate and dataset profiles from `profile_lazy`: statistics, batches, spec overrides."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from mdc_contracts import ColumnProfile, StatType
from mdc_profiler import stats as stats_module
from mdc_profiler.effective import EffectiveColumn
from mdc_profiler.profile import SPEC_EVIDENCE, profile_frame, profile_lazy
from mdc_profiler.valuecounts import weighted_quantiles


def by_name(lf: pl.LazyFrame, exact_distinct_limit: int = 1_000_000) -> dict[str, ColumnProfile]:
    profiled = profile_lazy(lf, exact_distinct_limit=exact_distinct_limit)
    return {c.name: c for c in profiled.columns}


def test_numeric_statistics_match_polars() -> None:
    values = [float(v) for v in range(1, 101)] + [None]
    column = by_name(pl.LazyFrame({"x": values}))["x"]
    series = pl.Series(values).drop_nulls()
    assert (column.null_count, column.distinct_count, column.distinct_is_estimate) == (
        1,
        100,
        False,
    )
    assert (column.min, column.max) == ("1.0", "100.0")
    assert column.mean == pytest.approx(series.mean())
    assert column.std == pytest.approx(series.std())
    assert column.quantiles is not None
    for q in (0.05, 0.25, 0.5, 0.75, 0.95):
        assert column.quantiles[str(q)] == pytest.approx(series.quantile(q, "linear"))
    assert column.histogram is not None
    assert len(column.histogram.counts) == 20
    assert len(column.histogram.edges) == 21
    assert sum(column.histogram.counts) == 100
    assert column.histogram.counts[0] == 5
    assert column.histogram.counts[-1] == 5


def test_nan_and_infinity_do_not_poison_the_moments() -> None:
    column = by_name(pl.LazyFrame({"x": [1.5, float("nan"), float("inf"), 2.5]}))["x"]
    assert column.mean == pytest.approx(2.0)
    assert (column.min, column.max) == ("1.5", "2.5")


def test_distinct_is_a_sketch_above_the_limit() -> None:
    lf = pl.LazyFrame({"k": [i % 500 for i in range(5000)]})
    exact = by_name(lf)["k"]
    sketch = by_name(lf, exact_distinct_limit=1000)["k"]
    assert (exact.distinct_count, exact.distinct_is_estimate) == (500, False)
    assert sketch.distinct_is_estimate
    assert abs(sketch.distinct_count - 500) <= 25


def test_top_values_and_string_lengths() -> None:
    species = ["Adelie"] * 5 + ["Gentoo"] * 3 + ["Chinstrap"] * 2 + [None]
    column = by_name(pl.LazyFrame({"species": species}))["species"]
    assert column.top_values is not None
    assert [(v.value, v.count) for v in column.top_values] == [
        ("Adelie", 5),
        ("Gentoo", 3),
        ("Chinstrap", 2),
    ]
    assert column.string_length is not None
    assert (column.string_length.min, column.string_length.max) == (6, 9)
    assert column.string_length.mean == pytest.approx((5 * 6 + 3 * 6 + 2 * 9) / 10)


def test_top_k_keeps_the_ten_most_frequent() -> None:
    values = [v for v in range(30) for _ in range(v + 1)]  # value v appears v + 1 times
    column = by_name(pl.LazyFrame({"v": values}))["v"]
    assert column.top_values is not None
    assert [t.value for t in column.top_values] == [str(v) for v in range(29, 19, -1)]


@pytest.mark.parametrize(
    ("values", "granularity"),
    [
        ([dt.datetime(2024, 1, 1, 10, 0, 5), dt.datetime(2024, 1, 2)], "second"),
        ([dt.datetime(2024, 1, 1, 10, 30), dt.datetime(2024, 1, 2)], "minute"),
        ([dt.datetime(2024, 1, 1, 10), dt.datetime(2024, 3, 2)], "hour"),
        ([dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 3, 5)], "day"),
        ([dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2025, 3, 1)], "month"),
        ([dt.date(2020, 1, 1), dt.date(2021, 1, 1), dt.date(2022, 1, 1)], "year"),
        ([dt.time(8, 0), dt.time(9, 30), dt.time(10, 0)], "minute"),
    ],
)
def test_temporal_range_and_granularity(values: list[object], granularity: str) -> None:
    column = by_name(pl.LazyFrame({"t": values}))["t"]
    assert column.temporal is not None
    assert column.temporal.granularity == granularity
    assert (column.temporal.min, column.temporal.max) == (
        values[0].isoformat(),  # type: ignore[attr-defined]
        values[-1].isoformat(),  # type: ignore[attr-defined]
    )


def test_temporal_quantiles_are_seconds_since_the_epoch() -> None:
    column = by_name(pl.LazyFrame({"d": [dt.date(1970, 1, 1), dt.date(1970, 1, 3)]}))["d"]
    assert column.mean == pytest.approx(86_400.0)
    assert column.quantiles is not None
    assert column.quantiles["0.5"] == pytest.approx(86_400.0)


def test_text_dates_on_a_lazy_frame_are_detected_and_converted() -> None:
    # The first 1,000 rows cannot tell day from month; a later row can.
    values = ["01/02/2020"] * 1200 + ["25/12/2020"]
    lf = pl.LazyFrame({"when": values, "label": ["a/b"] * 1201})
    profiled = profile_lazy(lf)
    when = profiled.columns[0]
    assert (when.stat_type, when.dtype) == (StatType.DATE, "Date")
    assert when.temporal is not None
    assert when.temporal.day_first is True
    assert when.temporal.source_format == "%d/%m/%Y"
    assert list(profiled.conversions) == ["when"]
    stored = lf.with_columns(*profiled.conversions.values()).collect()
    assert stored["when"][-1] == dt.date(2020, 12, 25)


def test_a_late_value_that_is_not_a_date_keeps_the_column_text() -> None:
    values = ["2020-01-02"] * 1500 + ["unknown"]
    profiled = profile_lazy(pl.LazyFrame({"when": values}))
    assert profiled.columns[0].dtype == "String"
    assert profiled.conversions == {}


def test_dataset_profile_counts_rows_duplicates_and_types() -> None:
    frame = pl.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "smoker": ["oui", "non", "oui", "oui", "non", "oui"],
            "mass": [3750.5, 3800.25, 3250.5, 3750.5, 3800.25, 3250.5],
            "lat": [48.85, 45.76, 43.3, 48.85, 45.76, 43.3],
            "day": [dt.date(2024, 1, d) for d in (1, 2, 3, 1, 2, 3)],
        }
    )
    profile = profile_lazy(frame.lazy()).profile
    assert (profile.row_count, profile.column_count, profile.duplicate_rows) == (6, 5, 0)
    assert profile.stat_type_counts == {
        "identifier": 1,
        "binary": 1,
        "continuous": 1,
        "latitude": 1,
        "date": 1,
    }
    assert (profile.low_cardinality_columns, profile.measurement_columns) == (1, 1)
    assert (profile.datetime_columns, profile.geo_columns) == (1, 1)
    duplicated = profile_lazy(frame.drop("id").lazy()).profile
    assert duplicated.duplicate_rows == 3


def test_empty_and_zero_column_tables() -> None:
    empty_rows = profile_lazy(pl.LazyFrame({"a": pl.Series([], dtype=pl.Int64)}))
    assert empty_rows.columns[0].stat_type == StatType.EMPTY
    assert empty_rows.profile.row_count == 0
    nothing = profile_lazy(pl.LazyFrame())
    assert (nothing.columns, nothing.profile.column_count) == ([], 0)


def test_spec_overrides_keep_the_inferred_type_and_copy_the_metadata() -> None:
    lf = pl.LazyFrame({"grade": ["b", "a", "c", "a"], "t": [1.5, 2.5, 3.5, 4.5]})
    effective = [
        EffectiveColumn(
            name="grade",
            source_name="note",
            stat_type_override=StatType.ORDINAL,
            categories=["c", "b", "a"],
            ordered=True,
        ),
        EffectiveColumn(name="t", source_name="t", unit="°C", description="air", pii=True),
    ]
    grade, t = profile_lazy(lf, effective).columns
    assert (grade.stat_type, grade.inferred_stat_type) == (StatType.ORDINAL, StatType.NOMINAL)
    assert (grade.stat_type_confidence, grade.stat_type_evidence) == (1.0, SPEC_EVIDENCE)
    assert (grade.categories, grade.source_name) == (["c", "b", "a"], "note")
    assert (t.stat_type, t.inferred_stat_type, t.source_name) == (StatType.CONTINUOUS, None, None)
    assert (t.unit, t.description, t.pii) == ("°C", "air", True)


def test_year_columns_get_a_yearly_temporal_range() -> None:
    year = by_name(pl.LazyFrame({"annee": [2019, 2020, 2021, 2019]}))["annee"]
    assert year.stat_type == StatType.ORDINAL
    assert year.temporal is not None
    assert (year.temporal.min, year.temporal.max, year.temporal.granularity) == (
        "2019",
        "2021",
        "year",
    )


def test_wide_frames_are_profiled_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, int]] = []
    real = stats_module._collect

    def spy(lf: pl.LazyFrame, stage: str) -> pl.DataFrame:
        out = real(lf, stage)
        calls.append((stage, out.width))
        return out

    monkeypatch.setattr(stats_module, "_collect", spy)
    frame = pl.DataFrame({f"c{i}": range(i, i + 1000) for i in range(1000)})
    profiled = profile_lazy(frame.lazy(), batch_size=100)
    assert len(profiled.columns) == 1000
    summaries = [width for stage, width in calls if stage == "summary"]
    assert len(summaries) == math.ceil(1000 / 100)
    assert len([stage for stage, _ in calls if stage == "detail"]) == 10
    assert {c.stat_type for c in profiled.columns} == {StatType.IDENTIFIER}
    assert profiled.profile.row_count == 1000


def test_profile_frame_returns_the_table_to_store() -> None:
    frame = pl.DataFrame({"when": ["13/01/2024", None], "n": [1, 2]})
    table = profile_frame(frame)
    assert table.frame["when"].dtype == pl.Date
    assert [c.name for c in table.columns] == ["when", "n"]
    assert table.profile.row_count == 2


@pytest.mark.parametrize("text_counts_limit", [10**9, 0])
def test_long_tables_get_the_same_profile_from_value_counts(
    monkeypatch: pytest.MonkeyPatch, text_counts_limit: int
) -> None:
    # Long tables take the value-counts path: it must agree with the per-row expressions.
    n = 5_000
    frame = pl.DataFrame(
        {
            "count": [i % 37 for i in range(n)],
            "measure": [(i % 101) / 7 if i % 13 else None for i in range(n)],
            "code": [f"{i % 250:05d}" for i in range(n)],
            "label": [["oui", "non", "peut-être"][i % 3] for i in range(n)],
            "day": [dt.date(2024, 1, 1) + dt.timedelta(days=i % 90) for i in range(n)],
            "flag": [i % 4 == 0 for i in range(n)],
        }
    )
    monkeypatch.setattr(stats_module, "LONG_ROWS", 10**9)
    by_rows = profile_lazy(frame.lazy()).columns
    monkeypatch.setattr(stats_module, "LONG_ROWS", 1)
    monkeypatch.setattr(stats_module, "TEXT_COUNTS_MAX_DISTINCT", text_counts_limit)
    by_counts = profile_lazy(frame.lazy()).columns
    for expected, got in zip(by_rows, by_counts, strict=True):
        assert got.distinct_count == expected.distinct_count
        assert (got.null_count, got.min, got.max) == (
            expected.null_count,
            expected.min,
            expected.max,
        )
        assert got.mean == pytest.approx(expected.mean)
        assert got.std == pytest.approx(expected.std)
        assert got.temporal == expected.temporal
        assert got.top_values == expected.top_values
        assert got.histogram == expected.histogram
        assert got.stat_type == expected.stat_type
        assert got.string_length == expected.string_length
        if expected.quantiles is None:
            assert got.quantiles is None
        else:
            assert got.quantiles is not None
            for key, value in expected.quantiles.items():
                assert got.quantiles[key] == pytest.approx(value)
    code = {c.name: c for c in by_counts}["code"]
    assert code.stat_type == StatType.NOMINAL or "leading zero" in code.stat_type_evidence


def test_weighted_quantiles_equal_quantiles_of_the_expanded_column() -> None:
    values, counts = [1.0, 2.5, 4.0, 10.0], [3, 1, 5, 2]
    expanded = pl.Series([v for v, c in zip(values, counts, strict=True) for _ in range(c)])
    probabilities = (0.0, 0.05, 0.3, 0.5, 0.77, 1.0)
    got = weighted_quantiles(pl.Series(values), pl.Series(counts), probabilities)
    assert got is not None
    for p in probabilities:
        assert got[str(p)] == pytest.approx(expanded.quantile(p, "linear"))


def test_duplicate_rows_count_whole_rows_only() -> None:
    frame = pl.LazyFrame({"a": [1, 1, 2, 2, None, None], "b": ["x", "x", "x", "y", None, None]})
    # (1,x) twice and (None,None) twice; (2,x) and (2,y) differ in one column only.
    assert profile_lazy(frame).profile.duplicate_rows == 2
    swapped = pl.LazyFrame({"a": [1, 2], "b": [2, 1]})
    assert profile_lazy(swapped).profile.duplicate_rows == 0


def test_constant_and_empty_numeric_columns_have_no_histogram() -> None:
    frame = pl.LazyFrame(
        {"same": [3.0] * 5, "none": pl.Series([None] * 5, dtype=pl.Float64), "x": [1, 2, 3, 4, 5]}
    )
    same, none, x = profile_lazy(frame).columns
    assert (same.histogram, none.histogram, none.top_values) == (None, None, None)
    assert x.histogram is not None
    assert sum(x.histogram.counts) == 5


def test_histograms_agree_between_rows_and_value_counts_on_bin_edges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 0..200 over 20 bins of width 10: every tenth value sits exactly on an edge.
    frame = pl.LazyFrame({"x": list(range(201)) * 3, "y": [v / 7 for v in range(603)]})
    monkeypatch.setattr(stats_module, "LONG_ROWS", 10**9)
    by_rows = profile_lazy(frame).columns
    monkeypatch.setattr(stats_module, "LONG_ROWS", 1)
    by_counts = profile_lazy(frame).columns
    for expected, got in zip(by_rows, by_counts, strict=True):
        assert got.histogram == expected.histogram
    x = by_rows[0].histogram
    assert x is not None
    assert x.counts[0] == 11 * 3  # 0..10: the first bin holds the minimum and its right edge
    assert x.counts[1] == 10 * 3  # (10, 20]
