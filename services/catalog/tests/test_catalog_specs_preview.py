"""Spec preview and spec diff: pure functions over stored columns and specs."""

from __future__ import annotations

from mdc_catalog.schemas import ColumnPublic
from mdc_catalog.spec_diff import diff_specs
from mdc_catalog.spec_preview import SpecPreview, preview_spec
from mdc_contracts import DatasetSpec, ValueCount


def _column(
    name: str,
    position: int,
    *,
    dtype: str = "String",
    stat_type: str = "nominal",
    top: list[str] | None = None,
    distinct: int | None = None,
    source_name: str | None = None,
    bounds: tuple[str, str] | None = None,
) -> ColumnPublic:
    values = top or []
    return ColumnPublic(
        name=name,
        position=position,
        dtype=dtype,
        stat_type=stat_type,
        stat_type_confidence=0.9,
        stat_type_evidence="test",
        null_count=0,
        distinct_count=len(values) if distinct is None else distinct,
        min=bounds[0] if bounds else None,
        max=bounds[1] if bounds else None,
        top_values=[ValueCount(value=v, count=10 - i) for i, v in enumerate(values)] or None,
        source_name=source_name,
    )


COLUMNS = [
    _column("species", 0, top=["Adelie", "Gentoo", "Chinstrap"]),
    _column("island", 1, top=["Biscoe", "Dream", "Torgersen"]),
    _column("body_mass_g", 2, dtype="Int64", stat_type="continuous", bounds=("2700", "6300")),
    _column("size", 3, top=["S", "M", "L", "XL"]),
    _column("code", 4, top=["12", "7", "x1"], distinct=40),
]


def _preview(spec: dict[str, object], columns: list[ColumnPublic] = COLUMNS) -> SpecPreview:
    return preview_spec(DatasetSpec.model_validate(spec), columns, version=3)


def _codes(issues: list[object]) -> list[tuple[str, str | None]]:
    return [(i.code, i.column) for i in issues]  # type: ignore[attr-defined]


def test_preview_gives_the_effective_schema() -> None:
    preview = _preview(
        {
            "columns": [
                {"name": "island", "rename_to": "isle", "description": "Colony island"},
                {"name": "body_mass_g", "unit": "g", "dtype": "float64", "pii": False},
                {"name": "size", "categories": ["S", "M", "L", "XL"], "ordered": True},
                {"name": "species", "stat_type": "identifier", "pii": True},
            ],
            "select": ["size", "isle", "species", "body_mass_g"],
        }
    )
    assert preview.ok
    assert preview.against_version == 3
    assert [c.name for c in preview.columns] == ["size", "isle", "species", "body_mass_g"]
    size, isle, species, mass = preview.columns
    assert (size.dtype, size.stat_type, size.ordered) == (
        "Enum(categories=['S', 'M', 'L', 'XL'])",
        "ordinal",
        True,
    )
    assert (size.dtype_overridden, size.stat_type_overridden) == (True, True)
    assert (isle.source_name, isle.description, isle.dtype_overridden) == (
        "island",
        "Colony island",
        False,
    )
    assert (species.stat_type, species.pii, species.stat_type_overridden) == (
        "identifier",
        True,
        True,
    )
    assert (mass.dtype, mass.unit, mass.stat_type) == ("Float64", "g", "continuous")


def test_preview_without_select_keeps_file_order_and_undoes_old_renames() -> None:
    renamed = [
        _column("isle", 0, source_name="island", top=["Dream"]),
        _column("species", 1, top=["Adelie"]),
    ]
    preview = _preview({"columns": [{"name": "species", "unit": "none"}]}, renamed)
    # The new spec replaces the old one: without its rename, the raw name comes back.
    assert [c.name for c in preview.columns] == ["island", "species"]
    assert preview.ok


def test_preview_warns_about_unknown_and_output_named_columns() -> None:
    renamed = [_column("isle", 0, source_name="island", top=["Dream"])]
    preview = _preview(
        {"columns": [{"name": "isle", "unit": "x"}, {"name": "ghost", "unit": "y"}]}, renamed
    )
    assert _codes(preview.warnings) == [("output_name_used", "isle"), ("unknown_column", "ghost")]
    assert "raw-file name" in preview.warnings[0].message
    assert preview.errors == []


def test_preview_errors_on_a_select_of_a_missing_column_but_skips_gone_spec_columns() -> None:
    preview = _preview(
        {
            "columns": [{"name": "ghost", "rename_to": "phantom"}],
            "select": ["species", "nope", "phantom"],
        }
    )
    assert _codes(preview.errors) == [("select_missing", "nope")]
    assert ("select_skipped", "phantom") in _codes(preview.warnings)
    assert [c.name for c in preview.columns] == ["species"]


def test_preview_errors_when_categories_miss_observed_values() -> None:
    preview = _preview({"columns": [{"name": "size", "categories": ["S", "M", "L"]}]})
    assert _codes(preview.errors) == [("values_outside_categories", "size")]
    assert "'XL'" in preview.errors[0].message
    covered = _preview({"columns": [{"name": "size", "categories": ["S", "M", "L", "XL"]}]})
    assert covered.ok
    assert covered.columns[3].dtype == "Categorical"
    assert covered.warnings == []  # every distinct value was in the profile's top values


def test_preview_warns_when_only_part_of_the_values_could_be_checked() -> None:
    partial = [_column("grade", 0, top=["A", "B"], distinct=9)]
    preview = _preview({"columns": [{"name": "grade", "categories": ["A", "B", "C"]}]}, partial)
    assert preview.ok
    assert _codes(preview.warnings) == [("categories_partly_checked", "grade")]


def test_preview_errors_on_impossible_casts_only() -> None:
    preview = _preview(
        {
            "columns": [
                {"name": "code", "dtype": "int64"},
                {"name": "species", "dtype": "boolean"},
                {"name": "body_mass_g", "dtype": "int64"},
            ]
        }
    )
    assert _codes(preview.errors) == [("impossible_cast", "species"), ("impossible_cast", "code")]
    assert "'x1'" in preview.errors[1].message
    numbers = [_column("n", 0, top=["1", " 2", "-3", "NA"], bounds=("-3", "2"))]
    as_int = _preview(
        {"null_tokens": ["NA"], "columns": [{"name": "n", "dtype": "int64"}]}, numbers
    )
    assert as_int.ok  # null tokens are missing values, not text to cast
    as_float = _preview({"columns": [{"name": "n", "dtype": "float64"}]}, numbers)
    assert _codes(as_float.errors) == [("impossible_cast", "n")]


def test_preview_checks_date_formats_as_warnings() -> None:
    dates = [_column("day", 0, top=["01/02/2024", "2024-02-03"], stat_type="text")]
    preview = _preview(
        {"columns": [{"name": "day", "dtype": "date", "date_format": "%d/%m/%Y"}]}, dates
    )
    assert preview.ok
    assert _codes(preview.warnings) == [("impossible_cast", "day")]
    assert "'2024-02-03'" in preview.warnings[0].message


def test_preview_errors_on_two_columns_with_one_name() -> None:
    preview = _preview({"columns": [{"name": "island", "rename_to": "species"}]})
    assert _codes(preview.errors) == [("duplicate_output", "species")]


def test_preview_does_not_change_its_inputs() -> None:
    before = [c.model_copy(deep=True) for c in COLUMNS]
    _preview({"columns": [{"name": "island", "rename_to": "isle"}], "select": ["isle"]})
    assert before == COLUMNS


def test_diff_is_field_level_and_ignores_column_order() -> None:
    old = DatasetSpec.model_validate(
        {
            "columns": [
                {"name": "a", "unit": "mm"},
                {"name": "b", "rename_to": "bee"},
                {"name": "gone", "pii": True},
            ],
            "select": ["a", "bee"],
        }
    )
    new = DatasetSpec.model_validate(
        {
            "columns": [
                {"name": "b", "rename_to": "bee"},
                {"name": "a", "unit": "cm", "description": "A"},
                {"name": "c", "dtype": "int64"},
            ],
            "select": ["bee", "a"],
            "null_tokens": ["-"],
        }
    )
    changes = {(c.kind, c.path): (c.before, c.after) for c in diff_specs(old, new)}
    assert changes == {
        ("changed", "select"): (["a", "bee"], ["bee", "a"]),
        ("added", "null_tokens"): ([], ["-"]),
        ("changed", "columns[a].unit"): ("mm", "cm"),
        ("changed", "columns[a].description"): (None, "A"),
        ("added", "columns[c]"): (None, {"name": "c", "dtype": "int64"}),
        ("removed", "columns[gone]"): ({"name": "gone", "pii": True}, None),
    }
    assert diff_specs(new, new) == []
    assert [c.path for c in diff_specs(None, old)] == [
        "select",
        "columns[a]",
        "columns[b]",
        "columns[gone]",
    ]
