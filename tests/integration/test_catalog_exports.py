"""Consumer exports on the real stack: the Parquet file comes from S3 as stored, as CSV, as a
column subset and through a presigned URL; the dictionary, Data Package and JSON-LD link to it."""

from __future__ import annotations

import csv
import io

import httpx
import polars as pl
import pytest

from tests.support.files import FileServer
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

CITIES = b"city,population,founded\nDijon,159346,1015-01-01\nBesancon,117912,1290-06-01\n"


def test_exports_serve_the_stored_parquet_file(stack: Stack, file_server: FileServer) -> None:
    stack.register_source("export-cities", file_server.write("exports/cities.csv", CITIES))
    dataset_id = stack.wait_for_version("export-cities", 1)["id"]
    base = f"/datasets/{dataset_id}/versions/1"

    parquet = stack.catalog.get(f"{base}/download")
    assert parquet.status_code == 200, parquet.text
    assert parquet.headers["content-type"] == "application/vnd.apache.parquet"
    frame = pl.read_parquet(io.BytesIO(parquet.content))
    assert frame.columns == ["city", "population", "founded"]
    assert frame["city"].to_list() == ["Dijon", "Besancon"]

    as_csv = stack.catalog.get(f"{base}/download", params={"format": "csv"})
    assert as_csv.status_code == 200, as_csv.text
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["city", "population", "founded"]
    assert [row[:2] for row in rows[1:]] == [["Dijon", "159346"], ["Besancon", "117912"]]

    subset = stack.catalog.get(f"{base}/download", params={"columns": "population,city"})
    assert subset.status_code == 200, subset.text
    assert pl.read_parquet(io.BytesIO(subset.content)).columns == ["population", "city"]
    unknown = stack.catalog.get(f"{base}/download", params={"columns": "city,mayor"})
    assert unknown.status_code == 422
    assert "mayor" in unknown.text

    presigned = stack.catalog.get(f"{base}/download-url", params={"expires_in": 300})
    assert presigned.status_code == 200, presigned.text
    direct = httpx.get(presigned.json()["url"], timeout=10)
    assert direct.status_code == 200
    assert direct.content == parquet.content

    dictionary = stack.catalog.get(f"{base}/dictionary").json()
    assert [f["name"] for f in dictionary["fields"]] == ["city", "population", "founded"]

    package = stack.catalog.get(f"/datasets/{dataset_id}/datapackage.json").json()
    resource = package["resources"][0]
    assert [f["name"] for f in resource["schema"]["fields"]] == ["city", "population", "founded"]
    assert httpx.get(resource["path"], timeout=10).content == parquet.content

    record = stack.catalog.get(f"/datasets/{dataset_id}/jsonld")
    assert record.headers["content-type"].startswith("application/ld+json")
    formats = {d["dct:format"] for d in record.json()["dcat:distribution"]}
    assert formats == {"PARQUET", "CSV"}

    # A long column list (54 KB once URL-encoded: over h11's default 16 KiB request head, under
    # httpx's own 64 KiB query limit) gets an answer, not a connection reset by the server.
    longest = stack.catalog.get(f"{base}/download", params={"columns": "\u0800" * 6_000})
    assert longest.status_code == 422
    assert longest.json()["error"]["fields"][0]["field"] == "columns"
