"""Spec preview and spec diff: pure functions over stored columns and specs, and the preview
endpoint ("this is the schema you would get")."""

from __future__ import annotations

from catalog_fakes import AUTH, FakeAuditLog, FakeRepository, FakeSpecSink, column
from fastapi.testclient import TestClient
from mdc_catalog.models import DatasetSpecRecord, Source
from mdc_catalog.schemas import ColumnPublic
from mdc_catalog.spec_diff import diff_specs
from mdc_catalog.spec_preview import PreviewIssue, SpecPreview, preview_spec
from mdc_contracts import DatasetSpec, ValueCount
from spec_fakes import FakeSpecDraftRepository, SpecDesk, seed_dataset


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


def _codes(issues: list[PreviewIssue]) -> list[tuple[str, str | None]]:
    return [(i.code, i.column) for i in issues]


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


def test_preview_errors_on_unknown_and_output_named_columns() -> None:
    renamed = [_column("isle", 0, source_name="island", top=["Dream"])]
    preview = _preview(
        {"columns": [{"name": "isle", "unit": "x"}, {"name": "ghost", "unit": "y"}]}, renamed
    )
    assert _codes(preview.errors) == [("output_name_used", "isle"), ("unknown_column", "ghost")]
    assert "name it 'island'" in preview.errors[0].message
    assert "'island'" in preview.errors[1].message  # the raw columns it could have meant
    assert preview.warnings == []


def test_preview_only_warns_about_names_an_earlier_select_may_hide() -> None:
    """The latest version was made with a spec whose `select` dropped raw columns: the catalog
    cannot see them, so an unknown name may be one of them."""
    made_with = DatasetSpec.model_validate({"select": ["species", "island"]})
    spec = DatasetSpec.model_validate(
        {"columns": [{"name": "sex", "pii": True}], "select": ["species", "body_mass_g"]}
    )
    preview = preview_spec(spec, COLUMNS[:2], 3, made_with=made_with, made_with_version=4)
    assert preview.errors == []
    assert _codes(preview.warnings) == [
        ("column_not_visible", "sex"),
        ("select_not_visible", "body_mass_g"),
    ]
    assert preview.made_with_spec_version == 4
    without_select = preview_spec(spec, COLUMNS[:2], 3, made_with=DatasetSpec())
    assert _codes(without_select.errors) == [
        ("unknown_column", "sex"),
        ("select_missing", "body_mass_g"),
    ]


def test_preview_warns_when_a_type_the_earlier_spec_fixed_is_inferred_again() -> None:
    made_with = DatasetSpec.model_validate({"columns": [{"name": "code", "dtype": "string"}]})
    dropped = preview_spec(DatasetSpec(), COLUMNS, 3, made_with=made_with, made_with_version=2)
    assert _codes(dropped.warnings) == [("dtype_reinferred", "code")]
    assert "spec version 2" in dropped.warnings[0].message
    kept = DatasetSpec.model_validate({"columns": [{"name": "code", "dtype": "string"}]})
    assert preview_spec(kept, COLUMNS, 3, made_with=made_with).warnings == []


def test_preview_lists_the_missing_value_tokens_of_each_column() -> None:
    preview = _preview(
        {"null_tokens": ["NA"], "columns": [{"name": "code", "null_tokens": ["-", "NA"]}]}
    )
    tokens = {c.name: c.null_tokens for c in preview.columns}
    assert (tokens["code"], tokens["species"]) == (["NA", "-"], ["NA"])


def test_preview_errors_on_a_select_of_a_missing_column_but_skips_gone_spec_columns() -> None:
    preview = _preview(
        {
            "columns": [{"name": "ghost", "rename_to": "phantom"}],
            "select": ["species", "nope", "phantom"],
        }
    )
    assert _codes(preview.errors) == [("unknown_column", "ghost"), ("select_missing", "nope")]
    assert _codes(preview.warnings) == [("select_skipped", "phantom")]
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
    numbers = [_column("n", 0, top=["1", "2", "-3", "NA"], bounds=("-3", "2"))]
    as_int = _preview(
        {"null_tokens": ["NA"], "columns": [{"name": "n", "dtype": "int64"}]}, numbers
    )
    assert as_int.ok  # null tokens are missing values, not text to cast
    as_float = _preview({"columns": [{"name": "n", "dtype": "float64"}]}, numbers)
    assert _codes(as_float.errors) == [("impossible_cast", "n")]


def test_preview_casts_text_by_polars_rules() -> None:
    """Polars reads no surrounding spaces, separators or non-ASCII digits as numbers; it reads
    exponents, 'inf' and 'NaN' as floats."""
    padded = [_column("n", 0, top=["1", " 2", "1_000", "٣", "99999999999999999999"])]
    as_int = _preview({"columns": [{"name": "n", "dtype": "int64"}]}, padded)
    assert all(v in as_int.errors[0].message for v in ("' 2'", "'1_000'", "'٣'", "'9999"))
    assert "'1'" not in as_int.errors[0].message
    floats = [_column("x", 0, top=["1e3", ".5", "-inf", "NaN", "5."])]
    assert _preview({"columns": [{"name": "x", "dtype": "float64"}]}, floats).ok


def test_preview_checks_numbers_read_as_booleans() -> None:
    flags = [_column("f", 0, dtype="Int64", stat_type="binary", top=["0", "1"], bounds=("0", "1"))]
    assert _preview({"columns": [{"name": "f", "dtype": "boolean"}]}, flags).ok
    counts = [_column("c", 0, dtype="Int64", stat_type="count", bounds=("0", "7"))]
    preview = _preview({"columns": [{"name": "c", "dtype": "boolean"}]}, counts)
    assert _codes(preview.errors) == [("impossible_cast", "c")]
    assert "'7'" in preview.errors[0].message
    # A typed column cast to another number type is not checked: polars converts it.
    assert _preview({"columns": [{"name": "c", "dtype": "float64"}]}, counts).ok


def test_preview_of_an_enum_without_levels() -> None:
    preview = _preview({"columns": [{"name": "size", "dtype": "enum"}]})
    assert preview.ok
    assert preview.columns[3].categories == ["L", "M", "S", "XL"]  # observed, sorted
    partial = _preview({"columns": [{"name": "code", "dtype": "enum"}]})
    assert partial.columns[4].dtype == "Enum(categories=<observed values>)"


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


# --- the endpoint ----------------------------------------------------------------------------


async def test_preview_answers_the_schema_and_changes_nothing(
    client: TestClient,
    repo: FakeRepository,
    spec_sink: FakeSpecSink,
    audit: FakeAuditLog,
    spec_drafts: FakeSpecDraftRepository,
) -> None:
    desk = SpecDesk(client, await seed_dataset(repo), AUTH)
    spec = {
        "columns": [
            {"name": "species", "rename_to": "kind", "categories": ["a", "b"]},
            {"name": "ghost", "unit": "g"},
        ],
        "select": ["kind", "missing"],
    }
    draft = desk.create(spec).json()
    commits, recorded = repo.commits, len(audit.recorded)
    drafts_before = {k: v.model_copy() for k, v in spec_drafts.drafts.items()}
    url = f"{desk.base}/preview"
    by_draft = client.post(url, json={"draft_id": draft["id"]}, headers=AUTH)
    by_body = client.post(url, json={"spec": spec}, headers=AUTH)
    assert by_draft.status_code == by_body.status_code == 200
    assert by_draft.json() == by_body.json()
    preview = by_body.json()
    assert preview["against_version"] == 1
    assert [(c["name"], c["source_name"]) for c in preview["columns"]] == [("kind", "species")]
    assert {(e["code"], e["column"]) for e in preview["errors"]} == {
        ("values_outside_categories", "species"),  # 'c' is observed
        ("unknown_column", "ghost"),
        ("select_missing", "missing"),
    }
    assert (repo.commits, len(audit.recorded), spec_sink.events) == (commits, recorded, [])
    assert spec_drafts.drafts == drafts_before
    both = client.post(url, json={"spec": spec, "draft_id": draft["id"]}, headers=AUTH)
    assert both.status_code == 422
    impossible = client.post(
        url, json={"spec": {"columns": [{"name": "x", "ordered": True}]}}, headers=AUTH
    )
    assert impossible.status_code == 422
    no_version = Source(name="later", url="https://data.example.org/later.csv")
    repo.sources[no_version.id] = no_version
    early = client.post(
        f"/admin/datasets/{no_version.id}/spec/preview", json={"spec": spec}, headers=AUTH
    )
    assert early.status_code == 409
    assert client.post(url, json={"spec": spec}).status_code == 401


async def test_preview_knows_the_spec_the_latest_version_was_made_with(
    client: TestClient, repo: FakeRepository
) -> None:
    """Version 1 of the data was made with spec version 1, whose `select` dropped `sex`."""
    stored = [column("species", 0), column("island", 1)]
    dataset_id = await seed_dataset(repo, stored, spec_version=1)
    made_with = DatasetSpec.model_validate({"select": ["species", "island"]})
    repo.specs.append(
        DatasetSpecRecord(dataset_id=dataset_id, version=1, spec=made_with.model_dump(mode="json"))
    )
    spec = {"columns": [{"name": "sex", "pii": True}], "select": ["species", "sex"]}
    url = f"/admin/datasets/{dataset_id}/spec/preview"
    preview = client.post(url, json={"spec": spec}, headers=AUTH).json()
    assert preview["made_with_spec_version"] == 1
    assert preview["errors"] == []
    assert [w["code"] for w in preview["warnings"]] == ["column_not_visible", "select_not_visible"]


def test_preview_warns_that_format_options_show_in_the_next_version_only() -> None:
    preview = _preview({"delimiter": ";", "header_row": 2})
    assert _codes(preview.warnings) == [("format_changed", None)]
    assert "delimiter, header_row" in preview.warnings[0].message
    assert preview.ok  # a warning, not an error
    # The same options as the spec that made the version: nothing changes, nothing to say.
    same = preview_spec(
        DatasetSpec(delimiter=";", header_row=2),
        COLUMNS,
        version=3,
        made_with=DatasetSpec(delimiter=";", header_row=2),
        made_with_version=1,
    )
    assert "format_changed" not in [w.code for w in same.warnings]
