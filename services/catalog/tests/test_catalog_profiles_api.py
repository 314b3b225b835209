"""Issue 3 in the catalog: specs (provider), full profiles, schema changes, Table Schema."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from catalog_fakes import AUTH, FakeRepository, FakeSpecSink, column, version_created
from fastapi.testclient import TestClient
from mdc_catalog.models import Source
from mdc_catalog.schemas import ColumnPublic, VersionDetail
from mdc_catalog.status import record_dataset_version, record_schema_change
from mdc_catalog.tableschema import frictionless_type, table_schema
from mdc_contracts import (
    ColumnProfile,
    DatasetProfile,
    ReadReport,
    SchemaChange,
    SchemaChanged,
    SchemaChangeKind,
    StatType,
    ValueCount,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
SPEC = {
    "columns": [
        {"name": "sp", "rename_to": "species", "description": "Species"},
        {"name": "size", "categories": ["S", "M", "L"], "ordered": True},
    ],
    "select": ["species", "size"],
}
PROFILE = DatasetProfile(
    row_count=344,
    column_count=2,
    duplicate_rows=1,
    stat_type_counts={"ordinal": 1, "nominal": 1},
    low_cardinality_columns=2,
    measurement_columns=0,
    datetime_columns=0,
    geo_columns=0,
)


def _profiled_columns() -> list[ColumnProfile]:
    species = column("species", 0).model_copy(
        update={
            "source_name": "sp",
            "description": "Species",
            "top_values": [ValueCount(value="Adelie", count=152)],
        }
    )
    size = column("size", 1, "ordinal").model_copy(
        update={"dtype": "Enum(categories=['S', 'M', 'L'])", "categories": ["S", "M", "L"]}
    )
    return [species, size]


async def _seed(repo: FakeRepository) -> uuid.UUID:
    source = Source(name="penguins", url="https://data.example.org/penguins.csv")
    repo.sources[source.id] = source
    await record_dataset_version(repo, version_created(source.id, 1, created_at=T0))
    event = version_created(source.id, 2, created_at=T0, columns=_profiled_columns())
    event = event.model_copy(
        update={
            "profile": PROFILE,
            "read": ReadReport(file_format="csv", delimiter=";", null_tokens=["", "NA"]),
            "spec_version": 1,
            "reason": "spec_changed",
        }
    )
    await record_dataset_version(repo, event)
    return source.id


async def test_put_spec_stores_a_version_and_publishes_it(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink
) -> None:
    dataset_id = await _seed(repo)
    first = client.put(f"/admin/datasets/{dataset_id}/spec", json=SPEC, headers=AUTH)
    assert first.status_code == 201
    assert first.json()["version"] == 1
    second = client.put(f"/admin/datasets/{dataset_id}/spec", json={"columns": []}, headers=AUTH)
    assert second.json()["version"] == 2
    [one, two] = spec_sink.events
    assert (one.spec_version, one.dataset_id, one.dataset_name) == (1, dataset_id, "penguins")
    assert one.spec.columns[0].rename_to == "species"
    assert two.spec_version == 2
    assert one.published_by == first.json()["created_by"]
    assert one.published_by is not None
    latest = client.get(f"/admin/datasets/{dataset_id}/spec", headers=AUTH).json()
    assert latest["version"] == 2
    history = client.get(f"/admin/datasets/{dataset_id}/spec/versions", headers=AUTH).json()
    assert [v["version"] for v in history["items"]] == [2, 1]
    assert history["items"][1]["spec"]["select"] == ["species", "size"]


async def test_put_spec_validates_and_needs_a_known_dataset_and_a_key(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink
) -> None:
    dataset_id = await _seed(repo)
    url = f"/admin/datasets/{dataset_id}/spec"
    bad = {"columns": [{"name": "size", "ordered": True}]}
    invalid = client.put(url, json=bad, headers=AUTH)
    assert invalid.status_code == 422
    assert "`ordered` needs `categories`" in invalid.text
    typo = client.put(url, json={"columns": [{"name": "a", "dtype": "int"}]}, headers=AUTH)
    assert typo.status_code == 422
    assert "dtype" in typo.text
    assert client.put(url, json=SPEC).status_code == 401
    wrong = client.put(url, json=SPEC, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    unknown = client.put(f"/admin/datasets/{uuid.uuid4()}/spec", json=SPEC, headers=AUTH)
    assert unknown.status_code == 404
    assert client.get(url, headers=AUTH).status_code == 404  # no spec yet
    assert spec_sink.events == []
    assert repo.specs == []


async def test_version_shows_effective_schema_profile_and_read_report(
    client: TestClient, repo: FakeRepository
) -> None:
    dataset_id = await _seed(repo)
    body = client.get(f"/datasets/{dataset_id}/versions/2").json()
    assert (body["reason"], body["spec_version"]) == ("spec_changed", 1)
    assert body["profile"]["low_cardinality_columns"] == 2
    assert body["read"]["delimiter"] == ";"
    species, size = body["columns"]
    assert (species["source_name"], species["description"]) == ("sp", "Species")
    assert species["top_values"] == [{"value": "Adelie", "count": 152}]
    assert (size["stat_type"], size["categories"]) == ("ordinal", ["S", "M", "L"])
    detail = client.get(f"/datasets/{dataset_id}").json()
    assert detail["profile"]["duplicate_rows"] == 1
    assert detail["columns"][1]["categories"] == ["S", "M", "L"]
    older = client.get(f"/datasets/{dataset_id}/versions/1").json()
    assert older["reason"] == "source_changed"
    assert older["profile"] is None  # recorded without a dataset profile
    stored = repo.profiles[(dataset_id, 2)]
    assert (stored.low_cardinality_columns, stored.binary_columns) == (2, 0)


async def test_table_schema_of_a_version(client: TestClient, repo: FakeRepository) -> None:
    dataset_id = await _seed(repo)
    response = client.get(f"/datasets/{dataset_id}/versions/2/table-schema")
    assert response.status_code == 200
    assert response.json() == {
        "fields": [
            {
                "name": "species",
                "type": "string",
                "description": "Species",
                "x-mdc-source-name": "sp",
                "x-mdc-stat-type": "nominal",
            },
            {
                "name": "size",
                "type": "string",
                "constraints": {"enum": ["S", "M", "L"]},
                "x-mdc-stat-type": "ordinal",
            },
        ],
        "missingValues": ["", "NA"],
    }
    missing = client.get(f"/datasets/{dataset_id}/versions/9/table-schema")
    assert missing.status_code == 404


def test_dtype_mapping_to_frictionless_types() -> None:
    cases = {
        "Int64": ("integer", None),
        "UInt8": ("integer", None),
        "Float64": ("number", None),
        "Boolean": ("boolean", None),
        "Date": ("date", "%Y-%m-%d"),
        "Datetime(time_unit='us', time_zone=None)": ("datetime", None),
        "Time": ("time", "%H:%M:%S"),
        "String": ("string", None),
        "Categorical": ("string", None),
    }
    assert {dtype: frictionless_type(dtype) for dtype in cases} == cases
    column = ColumnPublic.model_validate(
        column_dict("d", "Date", StatType.DATE) | {"unit": "day", "pii": True}
    )
    version = VersionDetail(
        version=1,
        created_at=T0,
        row_count=1,
        column_count=1,
        raw_sha256="ab" * 32,
        parquet_uri="s3://x/v1.parquet",
        dataset_id=uuid.uuid4(),
        change_id=uuid.uuid4(),
        encoding="utf-8",
        delimiter=",",
        columns=[column],
    )
    assert table_schema(version) == {
        "fields": [
            {
                "name": "d",
                "type": "date",
                "format": "%Y-%m-%d",
                "x-mdc-unit": "day",
                "x-mdc-stat-type": "date",
                "x-mdc-pii": True,
            }
        ]
    }


def column_dict(name: str, dtype: str, stat_type: StatType) -> dict[str, object]:
    return column(name, 0, stat_type.value).model_copy(update={"dtype": dtype}).model_dump()


async def test_schema_changes_are_stored_once_and_listed_newest_first(
    client: TestClient, repo: FakeRepository
) -> None:
    dataset_id = await _seed(repo)

    def changed(to_version: int, breaking: bool) -> SchemaChanged:
        kind = SchemaChangeKind.COLUMN_REMOVED if breaking else SchemaChangeKind.COLUMN_ADDED
        return SchemaChanged(
            producer="profiler",
            correlation_id=uuid.uuid4(),
            dataset_id=dataset_id,
            dataset_name="penguins",
            from_version=to_version - 1,
            to_version=to_version,
            breaking=breaking,
            changes=[SchemaChange(kind=kind, column="x", breaking=breaking, detail="d")],
        )

    v2, v3 = changed(2, True), changed(3, False)
    assert await record_schema_change(repo, v2)
    assert not await record_schema_change(repo, v2)  # re-delivered
    assert await record_schema_change(repo, v3)
    body = client.get(f"/datasets/{dataset_id}/schema-changes").json()
    assert body["total"] == 2
    assert [(c["to_version"], c["breaking"]) for c in body["items"]] == [(3, False), (2, True)]
    assert body["items"][1]["changes"][0]["kind"] == "column_removed"
    assert client.get(f"/datasets/{uuid.uuid4()}/schema-changes").status_code == 404
