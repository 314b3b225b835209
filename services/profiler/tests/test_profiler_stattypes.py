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
    # 1..40 named year: a number of years, measured, not a calendar year.
    assert guess("year", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 40, 40])[0] == StatType.CONTINUOUS
    assert guess("altitude", [1950, 1960, 1970, 1950])[0] == StatType.CONTINUOUS  # metres


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


def test_whole_number_measurements_are_continuous_and_counts_need_a_sign() -> None:
    mass = [3750, 3800, 3250, 4675, 3450, 4200, 3900, 5700, 2700, 6300, 4100, 3600]
    assert guess("body_mass_g", mass) == (
        StatType.CONTINUOUS,
        "named like a measurement, whole numbers, 12 distinct in 2700..6300",
    )
    ages = [18, 25, 33, 41, 52, 67, 85, 33, 29, 41, 60, 22]
    assert guess("Alter", ages)[0] == StatType.CONTINUOUS
    assert guess("hincome", ages)[0] == StatType.CONTINUOUS  # a unit word glued to a prefix
    # No name either way, values far from 0: a measurement recorded to the unit.
    assert guess("glu", [56, 99, 120, 199, 87, 145, 102, 110, 95, 133, 160, 78])[0] == (
        StatType.CONTINUOUS
    )
    # The same values named after what they count are counts.
    assert guess("deaths", ages)[0] == StatType.COUNT
    assert guess("Einwohner", [54489, 334687, 203243, 102861, 123741, 185207])[0] == (
        StatType.COUNT
    )
    assert guess("ncontrols", ages)[0] == StatType.COUNT
    assert guess("count11", ages)[0] == StatType.COUNT
    # Anchored at 0 and skewed right: the shape of event counts.
    zero_skewed = [0, 0, 0, 1, 1, 2, 3, 5, 8, 13, 40, 0, 2, 1]
    assert guess("interlocks", zero_skewed)[0] == StatType.COUNT
    # From 0 but skewed left (mean below median): not the shape of a count.
    assert guess("rural", [0, 60, 70, 75, 80, 85, 90, 95, 100, 110, 124])[0] == (
        StatType.CONTINUOUS
    )


def test_consecutive_values_named_as_quantities_are_not_row_numbers() -> None:
    heights = list(range(58, 73))
    assert guess("height", heights)[0] == StatType.CONTINUOUS
    assert guess("visits", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])[0] == StatType.COUNT
    assert guess("row", heights)[0] == StatType.IDENTIFIER


def test_integer_ids_repeated_a_little_key_rows_and_repeated_a_lot_group_them() -> None:
    mostly_unique = [*range(100, 190), 100, 101, 102, 103, 104, 105, 106, 107, 108, 109]
    assert guess("ID", mostly_unique)[0] == StatType.IDENTIFIER
    assert guess("code", [i % 8 * 1000 + 11 for i in range(100)])[0] == StatType.NOMINAL
    assert guess("dept", [1, 2, 3, 5, 7, 10, 13, 17, 25, 33, 59, 69, 75, 200])[0] == (
        StatType.IDENTIFIER
    )


@pytest.mark.parametrize(
    ("values", "stat_type"),
    [
        ([1, 2, 4, 6, 8, 2, 4, 1], StatType.COUNT),  # gaps: counts skip values, codes do not
        ([2, 3, 4, 5, 2, 3], StatType.COUNT),  # not numbered from 1
        ([1, 2, 3, 4, 1, 2, 3, 4], StatType.NOMINAL),  # 1..k: codes
        ([*range(1, 11), 1, 5, 3], StatType.ORDINAL),  # a 1..10 rating scale
    ],
)
def test_small_integers_without_a_name_hint(values: list[int], stat_type: StatType) -> None:
    assert guess("v", values)[0] == stat_type


def test_small_integers_named_after_counted_things_or_units() -> None:
    assert guess("engines", [1, 2, 2, 2, 3, 4, 2])[0] == StatType.COUNT
    assert guess("temp_c", [3, 4, 5, 6, 7, 3])[0] == StatType.CONTINUOUS
    assert guess("age", [1, 2, 3, 4, 5, 6, 2, 3])[0] == StatType.ORDINAL  # age classes 1..6


@pytest.mark.parametrize(
    ("values", "ordered"),
    [
        (["25-29", "<25", "30-35", ">35"], ["<25", "25-29", "30-35", ">35"]),
        (["65+", "25-34", "35-44", "45-54", "55-64"], ["25-34", "35-44", "45-54", "55-64", "65+"]),
        (["0-39g/day", "120+", "40-79", "80-119"], ["0-39g/day", "40-79", "80-119", "120+"]),
        (["0.0cwt", "0.4cwt", "0.2cwt"], ["0.0cwt", "0.2cwt", "0.4cwt"]),  # one shared unit
        (["H", "L", "M", "L"], ["L", "M", "H"]),
        (["Fair", "Good", "Ideal", "Premium", "Very Good"], None),
        (["Heavy", "Never", "Occas", "Regul"], ["Never", "Occas", "Regul", "Heavy"]),
        (["AssocProf", "AsstProf", "Prof"], ["AsstProf", "AssocProf", "Prof"]),
        (["1:Sm", "3:Lg", "2:Med"], ["1:Sm", "2:Med", "3:Lg"]),
        (["Realschule", "Abitur", "Hauptschule"], ["Hauptschule", "Realschule", "Abitur"]),
        (["fulltime", "not.work", "parttime"], ["not.work", "parttime", "fulltime"]),
        (["Marked", "None", "Some"], ["None", "Some", "Marked"]),
        (
            ["Much better", "worse", "average", "better"],
            ["worse", "average", "better", "Much better"],
        ),
    ],
)
def test_ordered_vocabularies_and_numeric_bands_are_ordinal(
    values: list[str], ordered: list[str] | None
) -> None:
    g = infer_stat_type(pl.Series("group", values))
    assert g.stat_type == StatType.ORDINAL
    if ordered is not None:
        assert g.levels == ordered


@pytest.mark.parametrize(
    "values",
    [
        ["A", "B", "C", "A"],
        ["R1", "R2", "R3", "R4", "R1"],
        ["01", "02", "03", "01"],
        ["I", "II", "III", "I"],
        ["<1Mo", "1-3Mo", "1-2Yr", ">5Yr", "<1Mo"],  # bands in different units: no order
    ],
)
def test_letters_numbered_labels_and_numeric_text_stay_nominal(values: list[str]) -> None:
    assert guess("group", values)[0] == StatType.NOMINAL


def test_unique_short_names_in_a_table_of_units_are_identifiers() -> None:
    cities = ["Lille", "Lyon", "Nice", "Metz", "Brest", "Dijon", "Tours", "Pau", "Caen", "Laval"]
    assert guess("ville", cities)[0] == StatType.IDENTIFIER
    airlines = [f"{c} Air Lines Inc." for c in cities]
    assert guess("name", airlines) == (
        StatType.IDENTIFIER,
        "all 10 values unique names, one row per unit",
    )
    assert guess("name", airlines[:5])[0] == StatType.NOMINAL  # too few rows to tell
    models = [f"model {i % 38}" for i in range(234)]  # repeated labels, high cardinality
    assert guess("model", models)[0] == StatType.NOMINAL
    remarks = ["Not enough blood.", "Adult not sampled.", "Nest never observed."] * 20
    assert guess("Comments", remarks)[0] == StatType.TEXT


def test_bare_x_y_are_coordinates_only_with_a_geographic_spread() -> None:
    assert guess("x", [0.0031, 0.5, 0.99985, 0.25])[0] == StatType.CONTINUOUS  # unit interval
    assert guess("y", [0.0, 6.1, 58.9, 7.2])[0] == StatType.CONTINUOUS  # exactly 0: an origin
    assert guess("x", [2.35, 4.83, -1.55, 7.26])[0] == StatType.LONGITUDE
    assert guess("long", [165.67, 188.13, 181.5])[0] == StatType.LONGITUDE  # 0..360 convention
    assert guess("x", [165.67, 188.13, 181.5])[0] == StatType.CONTINUOUS


@pytest.mark.parametrize(
    ("values", "stat_type", "first"),
    [
        (["Jan 1 2000", "Feb 1 2000", "Dec 31 2009"], StatType.DATE, dt.date(2000, 1, 1)),
        (["1 January 2000", "15 March 2001"], StatType.DATE, dt.date(2000, 1, 1)),
        (["01-Jan-2000", "31-Dec-2001"], StatType.DATE, dt.date(2000, 1, 1)),
        (
            ["2010/01/01 00:00:00", "2010/01/01 01:00:00"],
            StatType.DATETIME,
            dt.datetime(2010, 1, 1),
        ),
    ],
)
def test_month_names_and_slashed_datetimes_parse(
    values: list[str], stat_type: StatType, first: object
) -> None:
    analysis = analyse_column(pl.Series("when", values))
    assert analysis.guess.stat_type == stat_type
    assert analysis.values[0] == first


def test_a_late_value_that_is_not_a_month_name_date_keeps_text() -> None:
    values = [f"Jan {d} 2000" for d in range(1, 29)] * 40 + ["sometime in 2001"]
    assert analyse_column(pl.Series("when", values)).guess.stat_type != StatType.DATE


def test_name_tokens_split_trailing_numbers() -> None:
    assert name_tokens("count11") == {"count", "11"}
    assert name_tokens("V1") == {"v", "1"}


def test_few_levels_around_zero_are_a_signed_scale_and_unit_letters_end_a_name() -> None:
    assert guess("natlecon", [-1, 0, 1, 0, 0, -1, 1])[0] == StatType.ORDINAL
    assert guess("rating", [-37, -5, 0, 12, 42, 3, -8, 20])[0] == StatType.CONTINUOUS
    assert guess("change", [-2, 0, 2, 2, -2])[0] == StatType.CONTINUOUS  # gaps: not a scale
    # 'L_dose': a one-letter unit only as the last word of a name.
    assert guess("L_dose", [2, 3, 3, 5, 6, 2])[0] == StatType.COUNT
    assert guess("pegel_m", [2, 3, 3, 5, 6, 2])[0] == StatType.CONTINUOUS


@pytest.mark.parametrize(
    ("name", "values", "stat_type"),
    [
        ("latitud", [40.41, 41.38, 39.47, 37.39], StatType.LATITUDE),
        ("longitud", [-3.70, 2.17, -0.37, -5.98], StatType.LONGITUDE),
        ("latitudine", [45.46, 41.90, 40.85], StatType.LATITUDE),
        ("longitudine", [9.19, 12.50, 14.27], StatType.LONGITUDE),
        ("Längengrad", [13.40, 9.99, 11.58], StatType.LONGITUDE),
        ("laengengrad", [13.40, 9.99, 11.58], StatType.LONGITUDE),
        ("Breitengrad", [52.52, 53.55, 48.14], StatType.LATITUDE),
        ("breedtegraad", [52.37, 51.92, 52.09], StatType.LATITUDE),
        ("lengtegraad", [4.90, 4.48, 5.12], StatType.LONGITUDE),
        ("latitud", [140.4, 41.38, 39.47], StatType.CONTINUOUS),  # out of range
    ],
)
def test_coordinates_named_in_other_languages(
    name: str, values: list[float], stat_type: StatType
) -> None:
    assert guess(name, values)[0] == stat_type


@pytest.mark.parametrize("name", ["delta_lat", "d_long", "lat_diff", "ecart_longitude", "var_lon"])
def test_differences_of_coordinates_are_continuous(name: str) -> None:
    assert guess(name, [-0.45, 0.12, 0.76, -2.06, 0.25])[0] == StatType.CONTINUOUS


@pytest.mark.parametrize(
    "name", ["poptotal", "survivors", "enrltot", "Packages", "nb_deaths", "Überlebende"]
)
def test_large_counts_named_after_what_they_count(name: str) -> None:
    values = [1701, 35324, 5105067, 4000, 340000, 12500, 987]
    assert guess(name, values) == (
        StatType.COUNT,
        "named like a count, 7 distinct in 987..5105067",
    )


@pytest.mark.parametrize(
    "name", ["temperature", "age", "weight_kg", "salary", "UrbanPop", "totexp"]
)
def test_whole_number_measurements_stay_continuous(name: str) -> None:
    assert guess(name, [32, 48, 55, 61, 66, 70, 77, 91])[0] == StatType.CONTINUOUS


@pytest.mark.parametrize(
    "levels",
    [
        ["sehr gut", "gut", "befriedigend", "ausreichend", "mangelhaft", "ungenügend"],
        ["Très satisfaisant", "Satisfaisant", "A améliorer", "A corriger de manière urgente"],
        ["excellent", "good", "fair", "poor"],
        ["baja", "media", "alta"],
        ["bassa", "media", "alta"],
        ["never", "rarely", "sometimes", "often", "always"],
        ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"],
        ["zeer ontevreden", "ontevreden", "neutraal", "tevreden", "zeer tevreden"],
    ],
)
def test_ordered_vocabularies_in_several_languages(levels: list[str]) -> None:
    g = infer_stat_type(pl.Series("rating", (levels[::-1] + levels) * 5))
    assert g.stat_type == StatType.ORDINAL
    assert g.levels is not None
    # The scale runs one way or the other; either way it keeps the order of the vocabulary.
    assert g.levels in (levels, levels[::-1])


def test_numeric_keys_named_with_a_glued_id_or_code() -> None:
    keys = [561 + 7 * i for i in range(120)]
    assert guess("PID", keys)[0] == StatType.IDENTIFIER
    assert guess("distcod", [61382 + 13 * i for i in range(120)])[0] == StatType.IDENTIFIER
    # Amounts paid are not keys, even when unique and in steps.
    assert guess("paid", keys)[0] == StatType.CONTINUOUS


def test_almost_unique_labels_over_many_rows_are_identifiers() -> None:
    titles = [f"Title {i}" for i in range(300)] + ["Title 1", "Title 2", "Title 3"]
    assert guess("title", titles) == (
        StatType.IDENTIFIER,
        "300 of 303 values unique names, nearly one per row",
    )
    # Labels that repeat more are a grouping variable.
    groups = [f"Group {i % 150}" for i in range(300)]
    assert guess("group", groups)[0] == StatType.NOMINAL


def test_units_named_within_a_larger_unit_are_identifiers_until_they_group_rows() -> None:
    # Counties per state: a few names recur across states.
    counties = [f"County {i}" for i in range(60)] + [f"County {i}" for i in range(20)]
    assert guess("county", counties)[0] == StatType.IDENTIFIER
    repeated = [f"County {i % 10}" for i in range(80)]
    assert guess("county", repeated)[0] == StatType.NOMINAL


def test_short_unique_sentences_are_text_and_company_names_are_not() -> None:
    items = [
        "Am full of ideas.",
        "Do you often long for excitement?",
        "Avoid difficult reading material.",
        "Make friends easily.",
        "Find it hard to approach others.",
        "Take charge of things.",
        "Get chores done right away.",
        "Waste my time.",
        "Know how to comfort others.",
        "Often feel blue.",
        "Rarely get irritated.",
        "Love to read challenging material.",
    ]
    assert guess("item", items)[0] == StatType.TEXT
    companies = [f"{name} Airlines Inc." for name in "ABCDEFGHIJKL"]
    assert guess("name", companies)[0] == StatType.IDENTIFIER


def test_stages_numbered_one_to_four_are_ordinal() -> None:
    stages = [1, 2, 3, 4, 2, 3, 3, 4, 1, 2] * 5
    assert guess("stage", stages) == (StatType.ORDINAL, "named like a scale, 4 levels in 1..4")
    assert guess("tumour_stadium", stages)[0] == StatType.ORDINAL
    assert guess("site", stages)[0] == StatType.NOMINAL  # codes 1..4 without a scale name
