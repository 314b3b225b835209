"""Name and value vocabulary: normalised name tokens, count / identifier hints, ordered scales."""

from __future__ import annotations

import pytest
from mdc_profiler.vocab import count_hint, id_hint, name_hints, name_tokens, ordered_levels


def test_name_tokens_give_both_spellings_of_an_umlaut_and_fold_case() -> None:
    assert name_tokens("Längengrad") == {"laengengrad", "langengrad"}
    assert name_tokens("BREITENGRAD_WGS84") == {"breitengrad", "wgs", "84"}
    assert name_tokens("Straße") == {"strasse"}
    assert name_tokens("niveau_hygiène") == {"niveau", "hygiene"}
    assert name_tokens("längenGrad") == {"laengen", "langen", "grad"}


@pytest.mark.parametrize(
    "name", ["poptotal", "enrl_tot", "nb_packages", "survivors", "Überlebende", "totalvisits"]
)
def test_counted_things_and_glued_totals_hint_a_count(name: str) -> None:
    assert count_hint(name_tokens(name))


@pytest.mark.parametrize(
    "name", ["UrbanPop", "totexp", "temperature", "county", "population_density"]
)
def test_percentages_durations_and_units_do_not_hint_a_count(name: str) -> None:
    tokens = name_tokens(name)
    assert not count_hint(tokens) or name_hints(name).measure


@pytest.mark.parametrize("name", ["PID", "uid", "distcod", "zipcode", "station_id", "code_insee"])
def test_identifier_names_also_glued(name: str) -> None:
    assert id_hint(name_tokens(name))


@pytest.mark.parametrize("name", ["paid", "acid", "covid", "valid", "code_verbosity_level_x"])
def test_words_ending_in_id_are_not_identifiers(name: str) -> None:
    # 'code_verbosity...' has the word 'code' and so is a code; the others only end in 'id'.
    assert id_hint(name_tokens(name)) == name.startswith("code")


def test_scales_match_whatever_the_umlaut_spelling() -> None:
    assert ordered_levels(["hoch", "mäßig", "gering"]) == ["gering", "mäßig", "hoch"]
    assert ordered_levels(["hoch", "maessig", "gering"]) == ["gering", "maessig", "hoch"]
    assert ordered_levels(["UNGENUEGEND", "gut", "Ausreichend"]) == [
        "UNGENUEGEND",
        "Ausreichend",
        "gut",
    ]


def test_single_scale_words_mixed_with_others_are_not_a_scale() -> None:
    assert ordered_levels(["gut", "rot", "blau"]) is None
    assert ordered_levels(["high", "blue", "low"]) is None
