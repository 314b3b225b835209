"""Consumer exports: downloads (Parquet, CSV, column subsets), presigned URLs, the data
dictionary, the Data Package and the JSON-LD record."""

from __future__ import annotations

import csv
import io
import shutil
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from catalog_fakes import FakeRepository, column, version_created
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mdc_catalog import parquet_stream
from mdc_catalog.api.routes.exports import get_parquet_files
from mdc_catalog.exports import (
    Links,
    data_package,
    dictionary_csv,
    dictionary_json,
    dictionary_markdown,
    example_values,
    json_ld,
    temporal_coverage,
)
from mdc_catalog.models import Source
from mdc_catalog.schemas import ColumnPublic, VersionDetail
from mdc_catalog.status import record_dataset_version
from mdc_common.storage import S3Uri
from mdc_contracts import ColumnProfile, TemporalProfile, ValueCount

T0 = datetime(2026, 3, 1, tzinfo=UTC)
BASE = "https://data.example.org/catalog"
BATCH_ROWS = 1_000
ROWS = 2 * BATCH_ROWS + 10  # several CSV batches and several row groups
PARQUET = "application/vnd.apache.parquet"


class FakeParquetFiles:
    """Serves local files as if they were S3 objects; unknown keys are missing objects."""

    def __init__(self) -> None:
        self.objects: dict[str, Path] = {}
        self.presigned: list[tuple[S3Uri, timedelta]] = []

    def get_file(self, uri: S3Uri, path: str) -> None:
        if str(uri) not in self.objects:
            raise FileNotFoundError(str(uri))
        shutil.copyfile(self.objects[str(uri)], path)

    def presigned_get(self, uri: S3Uri, expires: timedelta = timedelta(hours=1)) -> str:
        self.presigned.append((uri, expires))
        return f"https://s3.example.org/{uri.bucket}/{uri.key}?X-Amz-Expires={expires.seconds}"


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "species": [["Adelie", "Gentoo", "Chinstrap"][i % 3] for i in range(ROWS)],
            "bill_length_mm": [30.0 + (i % 200) / 10 for i in range(ROWS)],
            "observed": [date(2007, 1, 1) + timedelta(days=i % 1000) for i in range(ROWS)],
            "notes": [None if i % 4 else f"note, {i}" for i in range(ROWS)],
            "rings": [[i, i + 1] for i in range(ROWS)],
        }
    )


def _columns() -> list[ColumnProfile]:
    species = column("species", 0).model_copy(
        update={
            "source_name": "Species",
            "description": "Penguin | species",
            "categories": ["Adelie", "Chinstrap", "Gentoo"],
            "top_values": [
                ValueCount(value="Adelie", count=9),
                ValueCount(value="Gentoo", count=5),
            ],
        }
    )
    bill = column("bill_length_mm", 1, "continuous").model_copy(
        update={"dtype": "Float64", "unit": "mm", "min": "30.0", "max": "49.9"}
    )
    observed = column("observed", 2, "date").model_copy(
        update={
            "dtype": "Date",
            "min": "2007-01-01",
            "max": "2009-09-26",
            "temporal": TemporalProfile(min="2007-01-01", max="2009-09-26", granularity="day"),
        }
    )
    notes = column("notes", 3, "text").model_copy(update={"pii": True, "min": None, "max": None})
    rings = column("rings", 4, "identifier").model_copy(update={"dtype": "List(Int64)"})
    return [species, bill, observed, notes, rings]


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # Small batches, so a small file already goes through the multi-batch path.
    monkeypatch.setattr(parquet_stream, "CSV_BATCH_ROWS", BATCH_ROWS)


@pytest.fixture
def files(app: FastAPI) -> FakeParquetFiles:
    fake = FakeParquetFiles()
    app.dependency_overrides[get_parquet_files] = lambda: fake
    return fake


@pytest.fixture
async def seeded(repo: FakeRepository, files: FakeParquetFiles, tmp_path: Path) -> uuid.UUID:
    source = Source(
        name="penguins",
        url="https://data.example.org/penguins.csv",
        title="Palmer penguins",
        description="Size measurements of penguins",
        publisher="Palmer Station LTER",
        license="CC0-1.0",
        tags=["biology", "antarctica"],
    )
    repo.sources[source.id] = source
    await record_dataset_version(repo, version_created(source.id, 1, created_at=T0, row_count=3))
    event = version_created(source.id, 2, created_at=T0, row_count=ROWS, columns=_columns())
    await record_dataset_version(repo, event)
    path = tmp_path / "v2.parquet"
    _frame().write_parquet(path, row_group_size=BATCH_ROWS // 2)
    files.objects[event.parquet_uri] = path
    return source.id


async def _version(repo: FakeRepository, dataset_id: uuid.UUID, version: int = 2) -> VersionDetail:
    found = await repo.get_version(dataset_id, version)
    assert found is not None
    return found


# --- pure builders ---------------------------------------------------------------------------


async def test_dictionary_in_three_formats(repo: FakeRepository, seeded: uuid.UUID) -> None:
    version = await _version(repo, seeded)

    document = dictionary_json("penguins", version)
    assert [f["name"] for f in document["fields"]] == [c.name for c in _columns()]
    species, bill, observed, notes, _ = document["fields"]
    assert species["source_name"] == "Species"
    assert species["categories"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert species["examples"] == ["Adelie", "Gentoo"]  # the most frequent values
    assert (bill["unit"], bill["stat_type"], bill["dtype"]) == ("mm", "continuous", "Float64")
    assert bill["examples"] == ["30.0", "49.9"]  # no top values: the range
    assert bill["source_name"] == "bill_length_mm"  # not renamed
    assert observed["position"] == 2
    assert notes["pii"] is True
    assert document["row_count"] == ROWS

    rows = list(csv.DictReader(io.StringIO(dictionary_csv(version))))
    assert [r["name"] for r in rows] == [c.name for c in _columns()]
    assert rows[0]["categories"] == "Adelie | Chinstrap | Gentoo"
    assert rows[3]["pii"] == "true"
    assert rows[1]["unit"] == "mm"

    markdown = dictionary_markdown("penguins", version).splitlines()
    table = [line for line in markdown if line.startswith("|")]
    assert len(table) == 2 + len(_columns())  # header, rule, one row per column
    assert "Penguin \\| species" in table[2]  # a pipe in a description does not split the row
    assert all(line.count(" | ") == table[0].count(" | ") for line in table[2:])


def test_examples_skip_missing_values() -> None:
    profiled = ColumnPublic.model_validate(
        {
            **column("species", 0).model_dump(),
            "top_values": [{"value": None, "count": 7}, {"value": "Adelie", "count": 3}],
        }
    )
    assert example_values(profiled) == ["Adelie"]
    ranged = ColumnPublic.model_validate({**column("n", 1).model_dump(), "min": "1", "max": "1"})
    assert example_values(ranged) == ["1"]


async def test_data_package_describes_the_latest_version(
    repo: FakeRepository, seeded: uuid.UUID
) -> None:
    dataset = await repo.get_dataset(seeded)
    assert dataset is not None
    package = data_package(dataset, await _version(repo, seeded), repo.sources[seeded], Links(BASE))

    assert package["name"] == "penguins"
    assert package["version"] == "2"
    assert package["licenses"] == [{"name": "CC0-1.0"}]
    assert package["keywords"] == ["biology", "antarctica"]
    assert package["sources"] == [
        {"title": "Palmer Station LTER", "path": "https://data.example.org/penguins.csv"}
    ]
    [resource] = package["resources"]
    assert resource["path"] == f"{BASE}/datasets/{seeded}/versions/2/download?format=parquet"
    assert (resource["format"], resource["mediatype"]) == ("parquet", PARQUET)
    fields = resource["schema"]["fields"]
    assert [f["name"] for f in fields] == [c.name for c in _columns()]
    assert fields[2]["type"] == "date"
    assert fields[0]["constraints"] == {"enum": ["Adelie", "Chinstrap", "Gentoo"]}


async def test_json_ld_record(repo: FakeRepository, seeded: uuid.UUID) -> None:
    dataset = await repo.get_dataset(seeded)
    assert dataset is not None
    record = json_ld(dataset, repo.sources[seeded], Links(BASE))

    assert {"dcat", "dct", "schema"} <= set(record["@context"])
    assert "dcat:Dataset" in record["@type"]
    assert record["dct:title"] == "Palmer penguins"
    assert record["dct:publisher"]["foaf:name"] == "Palmer Station LTER"
    assert record["dct:license"] == "CC0-1.0"
    assert record["dcat:keyword"] == ["biology", "antarctica"]
    assert record["dct:modified"]["@value"] == T0.isoformat()
    assert record["dct:temporal"]["dcat:startDate"] == "2007-01-01"
    assert record["dct:temporal"]["dcat:endDate"] == "2009-09-26"
    assert record["schema:size"]["schema:value"] == ROWS
    by_format = {d["dct:format"]: d for d in record["dcat:distribution"]}
    assert by_format["CSV"]["schema:encodingFormat"] == "text/csv"
    assert by_format["PARQUET"]["dcat:downloadURL"] == {
        "@id": f"{BASE}/datasets/{seeded}/download?format=parquet"
    }
    variables = {v["schema:name"]: v for v in record["schema:variableMeasured"]}
    assert variables["bill_length_mm"]["mdc:statType"] == "continuous"
    assert variables["bill_length_mm"]["schema:unitText"] == "mm"


async def test_temporal_coverage_spans_every_date_column(
    repo: FakeRepository, seeded: uuid.UUID
) -> None:
    columns = (await _version(repo, seeded)).columns
    later = columns[2].model_copy(
        update={"name": "hatched", "stat_type": "datetime", "temporal": None, "max": "2011-05-02"}
    )
    assert temporal_coverage([*columns, later]) == ("2007-01-01", "2011-05-02")
    assert temporal_coverage(columns[:2]) is None  # no date column: no coverage claimed


# --- routes ----------------------------------------------------------------------------------


def test_download_parquet_is_the_stored_file(
    client: TestClient, seeded: uuid.UUID, files: FakeParquetFiles
) -> None:
    response = client.get(f"/datasets/{seeded}/versions/2/download")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PARQUET
    assert 'filename="penguins-v2.parquet"' in response.headers["content-disposition"]
    stored = next(iter(files.objects.values())).read_bytes()
    assert response.content == stored
    assert int(response.headers["content-length"]) == len(stored)


def test_download_csv_converts_every_row(client: TestClient, seeded: uuid.UUID) -> None:
    response = client.get(
        f"/datasets/{seeded}/versions/2/download",
        params={"format": "csv", "columns": "notes,species,observed"},
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="penguins-v2.csv"' in response.headers["content-disposition"]
    got = pl.read_csv(io.BytesIO(response.content), try_parse_dates=True)
    assert got.columns == ["notes", "species", "observed"]  # the order asked for
    assert got.equals(_frame().select("notes", "species", "observed"))


def test_download_parquet_column_subset(client: TestClient, seeded: uuid.UUID) -> None:
    response = client.get(
        f"/datasets/{seeded}/versions/2/download",
        params={"columns": " bill_length_mm , rings,bill_length_mm"},
    )

    assert response.status_code == 200, response.text
    got = pl.read_parquet(io.BytesIO(response.content))
    assert got.equals(_frame().select("bill_length_mm", "rings"))


def test_unknown_column_is_named_in_a_422(client: TestClient, seeded: uuid.UUID) -> None:
    response = client.get(
        f"/datasets/{seeded}/versions/2/download", params={"columns": "species,beak_colour"}
    )
    assert response.status_code == 422
    assert "beak_colour" in response.text


def test_csv_refuses_a_nested_column_with_422(client: TestClient, seeded: uuid.UUID) -> None:
    response = client.get(
        f"/datasets/{seeded}/versions/2/download", params={"format": "csv", "columns": "rings"}
    )
    assert response.status_code == 422
    assert "rings" in response.text


def test_missing_version_dataset_or_file_is_404(client: TestClient, seeded: uuid.UUID) -> None:
    assert client.get(f"/datasets/{seeded}/versions/9/download").status_code == 404
    assert client.get(f"/datasets/{uuid.uuid4()}/versions/1/download").status_code == 404
    # Version 1 is in the catalog but its file is not in the store.
    assert client.get(f"/datasets/{seeded}/versions/1/download").status_code == 404
    assert client.get(f"/datasets/{uuid.uuid4()}/download").status_code == 404
    assert client.get(f"/datasets/{uuid.uuid4()}/datapackage.json").status_code == 404
    assert client.get(f"/datasets/{uuid.uuid4()}/jsonld").status_code == 404
    assert client.get(f"/datasets/{seeded}/versions/9/dictionary").status_code == 404


def test_latest_download_redirects_to_the_latest_version(
    client: TestClient, seeded: uuid.UUID
) -> None:
    response = client.get(
        f"/datasets/{seeded}/download",
        params={"format": "csv", "columns": "species"},
        follow_redirects=False,
    )
    assert response.status_code == 307
    location = response.headers["location"]
    assert f"/datasets/{seeded}/versions/2/download?format=csv&columns=species" in location

    followed = client.get(
        f"/datasets/{seeded}/download", params={"format": "csv", "columns": "species"}
    )
    assert followed.status_code == 200
    assert followed.text.splitlines()[:2] == ['"species"', '"Adelie"']


def test_download_url_is_presigned_with_its_expiry(
    client: TestClient, seeded: uuid.UUID, files: FakeParquetFiles
) -> None:
    response = client.get(f"/datasets/{seeded}/versions/2/download-url", params={"expires_in": 600})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["url"].startswith("https://s3.example.org/mdc-curated/datasets/penguins/v2")
    assert body["expires_in_seconds"] == 600
    assert files.presigned[-1][1] == timedelta(seconds=600)
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert timedelta(0) < expires_at - datetime.now(UTC) <= timedelta(seconds=600)
    csv_url = client.get(f"/datasets/{seeded}/versions/2/download-url", params={"format": "csv"})
    assert csv_url.status_code == 422  # only the stored file is presigned


def test_dictionary_route_formats(client: TestClient, seeded: uuid.UUID) -> None:
    url = f"/datasets/{seeded}/versions/2/dictionary"
    as_json = client.get(url)
    assert as_json.status_code == 200
    assert as_json.json()["dataset_name"] == "penguins"
    as_csv = client.get(url, params={"format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.splitlines()[0].startswith("name,source_name,position,dtype,stat_type")
    as_markdown = client.get(url, params={"format": "markdown"})
    assert as_markdown.headers["content-type"].startswith("text/markdown")
    assert client.get(url, params={"format": "xml"}).status_code == 422


def test_links_use_the_request_or_the_public_base_url(
    app: FastAPI, client: TestClient, seeded: uuid.UUID
) -> None:
    package = client.get(f"/datasets/{seeded}/datapackage.json").json()
    assert package["resources"][0]["path"].startswith(f"http://testserver/datasets/{seeded}/")

    app.state.settings = app.state.settings.model_copy(update={"public_base_url": BASE})
    record = client.get(f"/datasets/{seeded}/jsonld")
    assert record.headers["content-type"].startswith("application/ld+json")
    assert record.json()["@id"] == f"{BASE}/datasets/{seeded}"
