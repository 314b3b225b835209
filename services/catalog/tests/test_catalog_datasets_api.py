from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from catalog_fakes import FakeRepository, column, version_created
from fastapi.testclient import TestClient
from mdc_catalog.models import Source
from mdc_catalog.status import record_dataset_version


async def _seed(repo: FakeRepository) -> tuple[uuid.UUID, uuid.UUID]:
    penguins = Source(
        name="penguins",
        url="https://data.example.org/penguins.csv",
        title="Palmer penguins",
        description="Body measurements of three species",
    )
    stations = Source(name="weather-stations", url="https://data.example.org/stations.csv")
    repo.sources = {penguins.id: penguins, stations.id: stations}
    start = datetime(2026, 1, 1, tzinfo=UTC)
    await record_dataset_version(repo, version_created(penguins.id, 1, created_at=start))
    await record_dataset_version(
        repo,
        version_created(
            penguins.id,
            2,
            created_at=start + timedelta(days=1),
            columns=[column("species", 0), column("flipper_length_mm", 1, "continuous")],
        ),
    )
    await record_dataset_version(
        repo,
        version_created(
            stations.id,
            1,
            name="weather-stations",
            row_count=12,
            columns=[column("station_id", 0, "identifier"), column("latitude", 1, "latitude")],
        ),
    )
    return penguins.id, stations.id


def _names(response: Any) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


async def test_list_datasets_with_filters(client: TestClient, repo: FakeRepository) -> None:
    await _seed(repo)
    everything = client.get("/datasets")
    assert everything.status_code == 200
    assert everything.json()["total"] == 2
    assert _names(everything) == ["penguins", "weather-stations"]
    item = everything.json()["items"][0]
    assert set(item) == {
        "id", "name", "title", "source_id", "row_count", "column_count", "version",
        "updated_at", "parquet_uri",
    }  # fmt: skip
    assert (item["title"], item["version"], item["column_count"]) == ("Palmer penguins", 2, 2)

    assert _names(client.get("/datasets", params={"q": "MEASUREMENTS"})) == ["penguins"]
    assert _names(client.get("/datasets", params={"q": "flipper"})) == ["penguins"]
    # Columns of older versions do not match.
    assert _names(client.get("/datasets", params={"q": "bill_length"})) == []
    assert _names(client.get("/datasets", params={"q": "latitude"})) == ["weather-stations"]
    assert _names(client.get("/datasets", params={"name": "penguins"})) == ["penguins"]
    assert _names(client.get("/datasets", params={"min_rows": 100})) == ["penguins"]
    assert _names(client.get("/datasets", params={"max_rows": 100})) == ["weather-stations"]
    page = client.get("/datasets", params={"limit": 1, "offset": 1})
    assert page.json()["total"] == 2
    assert _names(page) == ["weather-stations"]


def test_list_datasets_passes_the_parsed_filter(client: TestClient, repo: FakeRepository) -> None:
    response = client.get(
        "/datasets",
        params={"q": "pen", "name": "x", "min_rows": 1, "max_rows": 9, "limit": 5, "offset": 10},
    )
    assert response.json() == {"items": [], "total": 0}
    query = repo.dataset_queries[-1]
    assert query.model_dump() == {
        "q": "pen", "name": "x", "min_rows": 1, "max_rows": 9, "limit": 5, "offset": 10,
    }  # fmt: skip
    client.get("/datasets")
    assert (repo.dataset_queries[-1].limit, repo.dataset_queries[-1].offset) == (50, 0)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 501}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"min_rows": -5}, "min_rows"),
        ({"min_rows": "many"}, "min_rows"),
        ({"q": ""}, "q"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_invalid_filter_is_422_naming_the_parameter(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    response = client.get("/datasets", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


def test_inverted_row_range_is_422(client: TestClient) -> None:
    response = client.get("/datasets", params={"min_rows": 10, "max_rows": 5})
    assert response.status_code == 422
    assert "min_rows" in response.json()["detail"][0]["msg"]


async def test_dataset_detail_has_latest_version_and_columns(
    client: TestClient, repo: FakeRepository
) -> None:
    penguins_id, _ = await _seed(repo)
    response = client.get(f"/datasets/{penguins_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2
    assert body["row_count"] == 344
    assert body["source_id"] == str(penguins_id)
    assert (body["encoding"], body["delimiter"]) == ("utf-8", ",")
    assert body["raw_sha256"] == "ab" * 32
    assert body["parquet_uri"].endswith("/v2.parquet")
    assert [c["name"] for c in body["columns"]] == ["species", "flipper_length_mm"]
    assert set(body["columns"][1]) >= {
        "name", "dtype", "stat_type", "stat_type_confidence", "stat_type_evidence",
        "null_count", "distinct_count", "min", "max", "position", "unit", "source_name",
        "top_values", "quantiles",
    }  # fmt: skip
    assert body["columns"][1]["stat_type"] == "continuous"


async def test_versions_history_and_one_version(client: TestClient, repo: FakeRepository) -> None:
    penguins_id, _ = await _seed(repo)
    history = client.get(f"/datasets/{penguins_id}/versions").json()
    assert history["total"] == 2
    assert [v["version"] for v in history["items"]] == [2, 1]
    assert set(history["items"][0]) >= {
        "version", "created_at", "row_count", "raw_sha256", "parquet_uri",
    }  # fmt: skip
    first = client.get(f"/datasets/{penguins_id}/versions/1").json()
    assert first["version"] == 1
    assert [c["name"] for c in first["columns"]] == ["species", "bill_length_mm"]


def test_unknown_dataset_and_version_are_404(client: TestClient) -> None:
    missing = uuid.uuid4()
    for path in (f"/datasets/{missing}", f"/datasets/{missing}/versions",
                 f"/datasets/{missing}/versions/3"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NotFound"
    assert client.get("/datasets/nope").status_code == 422
    assert client.get(f"/datasets/{missing}/versions/0").status_code == 422


def test_metrics_and_openapi_are_served(client: TestClient) -> None:
    assert "mdc_catalog_dataset_versions_total" in client.get("/metrics").text
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/admin/sources", "/admin/sources/{source_id}", "/datasets",
            "/datasets/{dataset_id}", "/datasets/{dataset_id}/versions",
            "/datasets/{dataset_id}/versions/{version}"} <= set(paths)  # fmt: skip


def test_healthz_reports_unreachable_dependencies(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert set(checks) == {"db", "kafka"}
    assert checks["db"].startswith("failed")
    assert checks["kafka"].startswith("failed")


async def test_schema_diff_between_any_two_versions(
    client: TestClient, repo: FakeRepository
) -> None:
    penguins_id, _ = await _seed(repo)
    island = column("island", 2).model_copy(
        update={"top_values": None, "categories": ["Biscoe", "Dream"]}
    )
    await record_dataset_version(
        repo,
        version_created(
            penguins_id,
            3,
            columns=[
                column("species", 0).model_copy(update={"dtype": "Categorical"}),
                column("flipper_length_mm", 1, "continuous"),
                island,
            ],
        ),
    )
    one_to_three = client.get(f"/datasets/{penguins_id}/diff", params={"from": 1, "to": 3})
    assert one_to_three.status_code == 200, one_to_three.text
    body = one_to_three.json()
    assert (body["from_version"], body["to_version"], body["breaking"]) == (1, 3, True)
    kinds = [(change["kind"], change["column"]) for change in body["changes"]]
    # bill_length_mm (continuous) -> flipper_length_mm (continuous, same position and
    # profile): one unambiguous look-alike, reported as a rename.
    assert kinds == [
        ("column_renamed", "flipper_length_mm"),
        ("dtype_changed", "species"),
        ("column_added", "island"),
    ]
    # `to` defaults to the latest version; backwards works too, with the roles swapped.
    latest = client.get(f"/datasets/{penguins_id}/diff", params={"from": 1}).json()
    assert latest == body
    back = client.get(f"/datasets/{penguins_id}/diff", params={"from": 3, "to": 1}).json()
    assert ("column_removed", "island") in [(c["kind"], c["column"]) for c in back["changes"]]
    same = client.get(f"/datasets/{penguins_id}/diff", params={"from": 2, "to": 2}).json()
    assert (same["breaking"], same["changes"]) == (False, [])


def test_schema_diff_errors_name_the_version(client: TestClient) -> None:
    missing = uuid.uuid4()
    assert client.get(f"/datasets/{missing}/diff", params={"from": 1}).status_code == 404
    invalid = client.get(f"/datasets/{missing}/diff", params={"from": 0})
    assert invalid.status_code == 422
    assert invalid.json()["error"]["fields"][0]["field"] == "from"
    assert client.get(f"/datasets/{missing}/diff").status_code == 422  # `from` is required
