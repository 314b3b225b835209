"""Statistical type inference, rule by rule, and the column profile."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl
import pytest
from mdc_contracts import StatType
from mdc_profiler.profile import profile_frame
from mdc_profiler.stattypes import analyse_column, infer_stat_type
from mdc_profiler.vocab import name_tokens


def guess(
    name: str, values: Sequence[object], dtype: pl.DataType | type[pl.DataType] | None = None
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
        "2 distinct values: Yes/No",
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
        "stored as Date, 2020-01-01..2020-01-03, by day",
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


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        (["oui", "non", "oui"], "oui/non"),
        (["Nein", "Ja", "Ja"], "Ja/Nein"),
        (["nee", "ja", "nee"], "ja/nee"),
        (["no", "si", "si"], "si/no"),
        (["faux", "vrai", "vrai"], "vrai/faux"),
        (["false", "true", "true"], "true/false"),
        (["N", "Y", "Y"], "Y/N"),
    ],
)
def test_european_yes_no_words_are_binary_yes_first(values: list[object], shown: str) -> None:
    assert guess("reponse", values) == (StatType.BINARY, f"2 distinct values: {shown}")


def test_zero_one_integers_and_booleans_are_binary() -> None:
    assert guess("flag", [0, 1, 1, 0, 1]) == (StatType.BINARY, "2 distinct values: 0/1")
    assert infer_stat_type(pl.Series("b", [True, False])).confidence == 1.0


def test_year_columns_are_ordinal_with_a_year_range() -> None:
    assert guess("year", [2007, 2008, 2009, 2007]) == (StatType.ORDINAL, "year values 2007..2009")
    assert guess("Année", list(range(1990, 2021)))[0] == StatType.ORDINAL
    assert guess("Jahr", [1950.0, 1960.0, 1970.0])[0] == StatType.ORDINAL
    # Not a year: out of range, or no year-like name.
    assert guess("year", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 40, 40])[0] == StatType.COUNT
    assert guess("altitude", [1950, 1960, 1970, 1950])[0] == StatType.COUNT


def test_small_integer_codes_are_nominal_ordinal_or_count_by_name() -> None:
    codes = [1, 2, 3, 4, 5, 1, 2, 3]
    assert guess("region", codes) == (StatType.NOMINAL, "small integer codes, 5 levels in 1..5")
    assert guess("satisfaction_score", codes)[0] == StatType.ORDINAL
    assert guess("nb_enfants", codes)[0] == StatType.COUNT
    assert guess("siblings", [0, 1, 0, 3, 2, 1, 0])[0] == StatType.COUNT  # 0 is a count's value
    assert guess("visits", [0, 3, 3, 7, 40, 3])[0] == StatType.COUNT  # beyond small codes


@pytest.mark.parametrize(
    ("values", "ordered"),
    [
        (["high", "low", "medium", "low"], ["low", "medium", "high"]),
        (["Élevé", "faible", "moyen"], ["faible", "moyen", "Élevé"]),
        (["hoog", "laag", "gemiddeld"], ["laag", "gemiddeld", "hoog"]),
        (["3rd", "1st", "2nd", "1st"], ["1st", "2nd", "3rd"]),
        (["2e", "1er", "10e"], ["1er", "2e", "10e"]),
        (["agree", "neutral", "strongly agree", "disagree"], None),
    ],
)
def test_ordered_level_sets_are_ordinal_with_less_confidence(
    values: list[object], ordered: list[str] | None
) -> None:
    g = infer_stat_type(pl.Series("niveau", values))
    assert g.stat_type == StatType.ORDINAL
    assert g.confidence < 0.8
    if ordered is not None:
        assert g.levels == ordered
        assert g.evidence == f"levels follow an ordered scale: {' < '.join(ordered)}"


def test_unordered_levels_stay_nominal() -> None:
    assert guess("colour", ["red", "green", "blue", "red"])[0] == StatType.NOMINAL
    assert guess("size", ["small", "medium", "purple", "small"])[0] == StatType.NOMINAL


def test_postcodes_are_identifiers_when_unique_and_nominal_when_repeated() -> None:
    unique = [f"{i:05d}" for i in range(1000, 1300)]
    assert guess("code_postal", unique) == (
        StatType.IDENTIFIER,
        "all 300 values unique codes of 5 digits",
    )
    repeated = [f"0{i % 30:04d}" for i in range(900)]
    stat_type, evidence = guess("cp", repeated)
    assert stat_type == StatType.NOMINAL
    assert evidence.startswith("codes of 5 digits, 30 distinct values: 00000, 00001")


def test_latitude_longitude_need_decimals_a_name_and_the_range() -> None:
    assert guess("lat", [48.85, 45.76, 43.3]) == (
        StatType.LATITUDE,
        "named like a latitude, values in 43.3..48.85",
    )
    assert guess("y", [48.85, 45.76, 43.3])[0] == StatType.LATITUDE
    assert infer_stat_type(pl.Series("y", [48.85, 45.76, 43.3])).confidence < 0.9
    assert guess("lng", [-179.5, 2.3, 170.0])[0] == StatType.LONGITUDE
    assert guess("x", [652000.5, 653100.25, 655000.75])[0] == StatType.CONTINUOUS  # Lambert 93
    assert guess("lat", [48, 45, 43])[0] != StatType.LATITUDE  # whole numbers


def test_continuous_evidence_gives_range_and_distinct() -> None:
    values = [-4.9, 7.8, 0.5, 1.25, 3.5]
    assert guess("anomaly", values) == (
        StatType.CONTINUOUS,
        "decimal numbers in -4.9..7.8, 5 distinct",
    )


def test_short_free_text_in_a_small_file_is_text_not_nominal() -> None:
    remarks = ["the sensor was replaced after the storm", "no remark on this visit at all"]
    assert guess("remark", [*remarks, "calibrated again by the field team today"])[0] == (
        StatType.TEXT
    )


def test_calendar_parts_are_ordinal_by_name_and_range() -> None:
    assert guess("month", list(range(1, 13))) == (StatType.ORDINAL, "month values 1..12")
    assert guess("jour", [1, 15, 31, 15])[0] == StatType.ORDINAL
    assert guess("hour", [0, 5, 23, 5])[0] == StatType.ORDINAL
    assert guess("month", [0, 5, 13, 5])[0] != StatType.ORDINAL  # not a month range
