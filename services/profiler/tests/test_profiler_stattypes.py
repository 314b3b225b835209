"""Statistical type inference, rule by rule, and the column profile."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from mdc_contracts import StatType
from mdc_profiler.profile import profile_frame
from mdc_profiler.stattypes import analyse_column, infer_stat_type, name_tokens


def guess(
    name: str, values: list[object], dtype: pl.DataType | None = None
) -> tuple[StatType, str]:
    g = infer_stat_type(pl.Series(name, values, dtype=dtype))
    assert 0 <= g.confidence <= 1
    return g.stat_type, g.evidence


def test_empty_and_constant() -> None:
    assert guess("x", [None, None, None], pl.String) == (StatType.EMPTY, "all 3 values are missing")
    assert guess("x", [], pl.Int64) == (StatType.EMPTY, "no rows")
    assert guess("x", ["FR", "FR", None]) == (StatType.CONSTANT, "1 distinct value: FR")


def test_binary() -> None:
    assert guess("smoker", ["Yes", "No", "Yes", None]) == (
        StatType.BINARY,
        "2 distinct values: No/Yes",
    )
    assert guess("flag", [True, False, True])[0] == StatType.BINARY
    assert guess("sex", [0, 1, 1, 0])[0] == StatType.BINARY


def test_dates_day_first_when_a_first_field_exceeds_12() -> None:
    analysis = analyse_column(pl.Series("date", ["01/02/2020", "25/12/2021", "03/04/2022"]))
    assert analysis.guess.stat_type == StatType.DATE
    assert "day-first: a first field is > 12" in analysis.guess.evidence
    assert analysis.values.to_list() == [
        dt.date(2020, 2, 1),
        dt.date(2021, 12, 25),
        dt.date(2022, 4, 3),
    ]


def test_dates_month_first_when_a_second_field_exceeds_12() -> None:
    analysis = analyse_column(pl.Series("date", ["01/02/2020", "12/25/2021", "03/04/2022"]))
    assert analysis.guess.stat_type == StatType.DATE
    assert "month-first" in analysis.guess.evidence
    assert analysis.values[1] == dt.date(2021, 12, 25)


def test_ambiguous_dates_are_day_first_with_less_confidence() -> None:
    g = infer_stat_type(pl.Series("d", ["01/02/2020", "03/04/2021", "05/06/2022"]))
    assert g.stat_type == StatType.DATE
    assert g.confidence < 0.9


def test_datetimes_and_times() -> None:
    assert (
        guess("ts", ["2024-01-02T10:00:00Z", "2024-01-03T11:30:00+01:00", "2024-01-04T09:00:00Z"])[
            0
        ]
        == StatType.DATETIME
    )
    assert guess("ts", ["2024-01-02 10:00", "2024-01-03 11:30", "2024-01-04 12:00"])[0] == (
        StatType.DATETIME
    )
    assert guess("heure", ["08:00", "12:30", "23:59"])[0] == StatType.TIME
    assert guess("d", [dt.date(2020, 1, 1), dt.date(2020, 1, 2), dt.date(2020, 1, 3)]) == (
        StatType.DATE,
        "stored as Date",
    )


def test_latitude_and_longitude_by_name_and_range() -> None:
    assert guess("latitude", [48.85, 45.76, 43.3])[0] == StatType.LATITUDE
    assert guess("geo_lon", [2.35, 4.83, 5.37])[0] == StatType.LONGITUDE
    assert guess("lat", [148.0, 45.7, 43.3])[0] == StatType.CONTINUOUS  # out of range


def test_identifiers() -> None:
    assert guess("row", list(range(1, 345))) == (
        StatType.IDENTIFIER,
        "all 344 values unique integers, nearly consecutive (1..344)",
    )
    assert guess("station_id", [9, 400, 12000, 77])[0] == StatType.IDENTIFIER
    assert guess("ref", ["A-001", "A-002", "B-117", "C-9"])[0] == StatType.IDENTIFIER
    assert guess("code_insee", ["01053", "01004", "25056", "21231"])[0] == StatType.IDENTIFIER


def test_counts_and_continuous() -> None:
    assert guess("visits", [0, 3, 3, 7, 12, 3])[0] == StatType.COUNT
    population = [117912, 156920, 516092, 2145906, 861635, 117912]
    assert guess("population", population)[0] == StatType.COUNT
    assert guess("temperature", [-3, 4, 12, 25, -3])[0] == StatType.CONTINUOUS
    assert guess("bill_length_mm", [39.1, 39.5, 40.3, 36.7])[0] == StatType.CONTINUOUS


def test_nominal_and_text() -> None:
    species = ["Adelie", "Gentoo", "Chinstrap"] * 40
    stat_type, evidence = guess("species", species)
    assert stat_type == StatType.NOMINAL
    assert evidence == "3 distinct values: Adelie, Chinstrap, Gentoo"
    comments = [f"comment number {i} about the weather" for i in range(100)]
    assert guess("comment", comments)[0] == StatType.TEXT
    postcodes = [f"{i % 60:05d}" for i in range(1000)]  # many repeated codes
    assert guess("cp", postcodes)[0] == StatType.NOMINAL


def test_name_tokens() -> None:
    assert name_tokens("geoLatitude") == {"geo", "latitude"}
    assert name_tokens("code_postal") == {"code", "postal"}
    assert name_tokens("Station ID") == {"station", "id"}


def test_profile_frame_converts_text_dates_and_counts() -> None:
    frame = pl.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "when": ["13/01/2024", "14/01/2024", None, "15/01/2024"],
            "species": ["Adelie", "Gentoo", "Adelie", None],
            "mass": [3750.0, None, 3250.5, 4000.0],
        }
    )
    profiled = profile_frame(frame)
    assert profiled.frame["when"].dtype == pl.Date
    by_name = {c.name: c for c in profiled.columns}
    assert [c.position for c in profiled.columns] == [0, 1, 2, 3]
    when = by_name["when"]
    assert (when.dtype, when.stat_type, when.null_count, when.distinct_count) == (
        "Date",
        StatType.DATE,
        1,
        3,
    )
    assert (when.min, when.max) == ("2024-01-13", "2024-01-15")
    assert by_name["species"].stat_type == StatType.BINARY
    assert (by_name["mass"].min, by_name["mass"].max) == ("3250.5", "4000.0")
    assert by_name["id"].stat_type == StatType.IDENTIFIER


@pytest.mark.parametrize("dtype", [pl.Int64, pl.Float64, pl.String])
def test_all_null_columns_of_any_type_are_empty(dtype: pl.DataType) -> None:
    assert guess("x", [None] * 5, dtype)[0] == StatType.EMPTY
