"""apply_spec: the provider's spec turns the read table into the effective one."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from mdc_contracts import ColumnSpec, DatasetSpec, ProcessingStage, StatType
from mdc_profiler.errors import UnreadableFile
from mdc_profiler.spec import apply_spec, spec_warnings

FRAME = pl.DataFrame(
    {
        "esp": ["Adelie", "Gentoo", "Adelie", "-"],
        "size": ["small", "large", "medium", "small"],
        "mass": [3750, -999, 3800, 4000],
        "day": ["01/02/2020", "02/02/2020", "03/02/2020", "04/02/2020"],
        "ok": ["oui", "non", "oui", "non"],
    }
)


def spec(*columns: ColumnSpec, **kwargs: object) -> DatasetSpec:
    return DatasetSpec(columns=list(columns), **kwargs)


def test_no_spec_is_the_identity() -> None:
    frame, effective = apply_spec(FRAME, None)
    assert frame.equals(FRAME)
    assert [(e.name, e.source_name) for e in effective] == [(c, c) for c in FRAME.columns]


def test_rename_keeps_source_name_and_annotations() -> None:
    s = spec(
        ColumnSpec(name="esp", rename_to="species", description="Species", pii=False),
        ColumnSpec(name="mass", rename_to="body_mass_g", unit="g", stat_type=StatType.CONTINUOUS),
    )
    frame, effective = apply_spec(FRAME, s)
    assert frame.columns == ["species", "size", "body_mass_g", "day", "ok"]
    mass = effective[2]
    assert (mass.name, mass.source_name, mass.unit) == ("body_mass_g", "mass", "g")
    assert mass.stat_type_override == StatType.CONTINUOUS
    assert effective[0].description == "Species"


def test_select_orders_by_output_name_and_drops_the_rest() -> None:
    s = spec(ColumnSpec(name="esp", rename_to="species"), select=["mass", "species"])
    frame, effective = apply_spec(FRAME, s)
    assert frame.columns == ["mass", "species"]
    assert [e.source_name for e in effective] == ["mass", "esp"]


def test_select_of_an_unknown_column_names_it() -> None:
    with pytest.raises(UnreadableFile, match="'weight'") as err:
        apply_spec(FRAME, spec(select=["esp", "weight"]))
    assert err.value.column == "weight"


def test_ordered_categories_become_an_enum_and_an_ordinal() -> None:
    levels = ["small", "medium", "large"]
    s = spec(ColumnSpec(name="size", categories=levels, ordered=True))
    frame, effective = apply_spec(FRAME, s)
    assert frame.schema["size"] == pl.Enum(levels)
    # Enum order is the provider's order, not alphabetical.
    assert frame.sort("size")["size"].to_list() == ["small", "small", "medium", "large"]
    assert effective[1].categories == levels
    assert effective[1].ordered
    assert effective[1].stat_type_override == StatType.ORDINAL


def test_values_outside_the_levels_are_named() -> None:
    s = spec(ColumnSpec(name="size", categories=["small", "large"], ordered=True))
    with pytest.raises(UnreadableFile) as err:
        apply_spec(FRAME, s)
    assert err.value.column == "size"
    assert err.value.stage == ProcessingStage.PROFILE
    assert "'medium'" in err.value.reason
    assert "outside its categories" in err.value.reason


def test_unordered_categories_become_categorical() -> None:
    s = spec(ColumnSpec(name="ok", categories=["oui", "non"]))
    frame, _ = apply_spec(FRAME, s)
    assert frame.schema["ok"] == pl.Categorical()
    assert frame["ok"].cast(pl.String).to_list() == ["oui", "non", "oui", "non"]


def test_dtype_overrides() -> None:
    s = spec(
        ColumnSpec(name="day", dtype="date", date_format="%d/%m/%Y"),
        ColumnSpec(name="ok", dtype="boolean"),
        ColumnSpec(name="mass", dtype="float64"),
    )
    frame, _ = apply_spec(FRAME, s)
    assert frame["day"].to_list()[0] == dt.date(2020, 2, 1)
    assert frame["ok"].to_list() == [True, False, True, False]
    assert frame.schema["mass"] == pl.Float64


def test_failed_cast_names_the_column_and_a_bad_value() -> None:
    with pytest.raises(UnreadableFile) as err:
        apply_spec(FRAME, spec(ColumnSpec(name="esp", dtype="int64")))
    assert err.value.column == "esp"
    assert "int64" in err.value.reason
    assert "'Adelie'" in err.value.reason


def test_null_tokens_global_and_per_column_keep_the_type() -> None:
    s = spec(ColumnSpec(name="mass", null_tokens=["-999"]), null_tokens=["-"])
    frame, _ = apply_spec(FRAME, s)
    assert frame["esp"].to_list() == ["Adelie", "Gentoo", "Adelie", None]
    assert frame["mass"].to_list() == [3750, None, 3800, 4000]
    assert frame.schema["mass"] == pl.Int64


def test_null_tokens_apply_before_a_cast() -> None:
    frame = pl.DataFrame({"n": ["1", "n.d.", "3"]})
    out, _ = apply_spec(frame, spec(ColumnSpec(name="n", dtype="int64"), null_tokens=["n.d."]))
    assert out["n"].to_list() == [1, None, 3]


def test_missing_spec_column_is_ignored_and_reported() -> None:
    s = spec(
        ColumnSpec(name="gone", rename_to="old", unit="m"),
        ColumnSpec(name="esp", rename_to="species"),
        select=["species", "old"],
    )
    assert spec_warnings(FRAME.columns, s) == [
        "spec column 'gone' is not in the file; its settings are ignored"
    ]
    frame, effective = apply_spec(FRAME, s)
    assert frame.columns == ["species"]
    assert [e.source_name for e in effective] == ["esp"]


def test_a_lazy_frame_stays_lazy() -> None:
    s = spec(ColumnSpec(name="esp", rename_to="species"), select=["species"])
    lazy, effective = apply_spec(FRAME.lazy(), s)
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.collect()["species"].to_list()[:2] == ["Adelie", "Gentoo"]
    assert effective[0].source_name == "esp"
