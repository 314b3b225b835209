"""The provider's spec and schema drift on the real stack: a spec change re-standardizes the
latest raw file without downloading it again; a new column shows up as a non-breaking change."""

from __future__ import annotations

import io
import json
from typing import Any

import pyarrow.parquet as pq
import pytest
from mdc_common.settings import S3Settings
from mdc_common.storage import ObjectStore, S3Uri

from tests.support.files import FileServer
from tests.support.stack import Stack, wait_for

pytestmark = pytest.mark.e2e

HEADER = "code_postal;ville;niveau;surface_km2;date_mesure\n"
ROWS = [
    "01000;Bourg-en-Bresse;moyen;23,86;31/01/2024",
    "25000;Besançon;élevé;65,05;15/02/2024",
    "75001;Paris;élevé;1,83;01/03/2024",
    "21000;Dijon;faible;40,41;28/03/2024",
    "06000;Nice;moyen;71,92;12/04/2024",
    "13001;Marseille;faible;240,62;30/04/2024",
]


def _csv(rows: list[str], header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode("cp1252")


def _detail(stack: Stack, dataset_id: str, version: int) -> dict[str, Any]:
    response = stack.catalog.get(f"/datasets/{dataset_id}/versions/{version}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _parquet_metadata(stack: Stack, uri: str) -> dict[str, Any]:
    env = stack.env
    store = ObjectStore(
        S3Settings(
            endpoint=env["MDC_S3_ENDPOINT"],
            access_key=env["MDC_S3_ACCESS_KEY"],
            secret_key=env["MDC_S3_SECRET_KEY"],
        )
    )
    data = store.get_bytes(S3Uri.parse(uri))
    metadata = pq.read_metadata(io.BytesIO(data)).metadata
    result: dict[str, Any] = json.loads(metadata[b"mdc"])
    return result


def test_spec_change_restandardizes_without_download_and_drift_is_reported(
    stack: Stack, file_server: FileServer
) -> None:
    url = file_server.write("spec/villes.csv", _csv(ROWS))
    # A long interval: after the first check nothing fetches the file unless asked to.
    source = stack.register_source("villes-fr", url, interval=3600)
    v1 = stack.wait_for_version("villes-fr", 1)
    first = _detail(stack, v1["id"], 1)
    columns = {c["name"]: c for c in first["columns"]}
    assert columns["code_postal"]["dtype"] == "String"  # leading zeros kept
    assert columns["surface_km2"]["dtype"] == "Float64"  # decimal comma
    assert columns["date_mesure"]["stat_type"] == "date"
    assert first["read"]["encoding"] in {"cp1252", "latin-1", "windows-1252"}
    assert first["read"]["delimiter"] == ";"
    # Other tests' sources share the publisher: count only this file's requests.
    downloads = file_server.requests.count("/spec/villes.csv")

    spec = {
        "columns": [
            {"name": "ville", "rename_to": "city", "description": "Commune"},
            {"name": "niveau", "categories": ["faible", "moyen", "élevé"], "ordered": True},
            {"name": "surface_km2", "unit": "km2"},
        ],
    }
    put = stack.admin.put(f"/admin/datasets/{v1['id']}/spec", json=spec)
    assert put.status_code == 201, put.text

    v2 = stack.wait_for_version("villes-fr", 2)
    second = _detail(stack, v2["id"], 2)
    assert second["reason"] == "spec_changed"
    assert second["spec_version"] == 1
    assert second["raw_sha256"] == first["raw_sha256"]
    assert file_server.requests.count("/spec/villes.csv") == downloads, (
        "the spec change must not download the file again"
    )
    by_name = {c["name"]: c for c in second["columns"]}
    assert [c["name"] for c in second["columns"]] == [
        "code_postal",
        "city",
        "niveau",
        "surface_km2",
        "date_mesure",
    ]
    assert by_name["city"]["source_name"] == "ville"
    assert by_name["niveau"]["stat_type"] == "ordinal"
    assert by_name["niveau"]["categories"] == ["faible", "moyen", "élevé"]
    assert by_name["surface_km2"]["unit"] == "km2"

    table_schema = stack.catalog.get(f"/datasets/{v2['id']}/versions/2/table-schema").json()
    fields = {f["name"]: f for f in table_schema["fields"]}
    assert fields["niveau"]["constraints"]["enum"] == ["faible", "moyen", "élevé"]
    assert fields["date_mesure"]["type"] == "date"
    mdc = _parquet_metadata(stack, v2["parquet_uri"])
    assert [c["name"] for c in mdc["columns"]][1] == "city"
    assert {c["name"]: c["stat_type"] for c in mdc["columns"]}["niveau"] == "ordinal"

    # The publisher adds a column: a new version, and a non-breaking schema change.
    file_server.write(
        "spec/villes.csv",
        _csv(
            [f"{row};{1000 + i}" for i, row in enumerate(ROWS)],
            HEADER.rstrip("\n") + ";population\n",
        ),
    )
    # The provider's "check now" (through the catalog and Kafka, not the detector's own API).
    check = stack.admin.post(f"/admin/sources/{source['id']}/check")
    assert check.status_code == 202, check.text
    v3 = stack.wait_for_version("villes-fr", 3)
    third = _detail(stack, v3["id"], 3)
    assert third["spec_version"] == 1, "the spec survives re-inference on a new version"
    assert "city" in {c["name"] for c in third["columns"]}

    def drift() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = stack.catalog.get(
            f"/datasets/{v3['id']}/schema-changes"
        ).json()["items"]
        return [i for i in items if i["to_version"] == 3] or None

    changes = wait_for(drift, what="the schema change of v3")[0]
    assert changes["from_version"] == 2
    kinds = {(c["kind"], c["column"]) for c in changes["changes"]}
    assert ("column_added", "population") in kinds
    assert changes["breaking"] is False


def test_format_options_of_the_spec_reread_the_stored_raw_file(
    stack: Stack, file_server: FileServer
) -> None:
    # Two lines of notes shaped like data: detection takes the first line for the header.
    raw = "exported;2026\nsource;mairie\ncode;commune\n01000;Bourg\n25000;Besançon\n"
    url = file_server.write("spec/notes.csv", raw.encode("cp1252"))
    stack.register_source("notes-fr", url, interval=3600)
    v1 = stack.wait_for_version("notes-fr", 1)
    assert [c["name"] for c in _detail(stack, v1["id"], 1)["columns"]] == ["exported", "2026"]
    downloads = file_server.requests.count("/spec/notes.csv")

    put = stack.admin.put(f"/admin/datasets/{v1['id']}/spec", json={"header_row": 3})
    assert put.status_code == 201, put.text
    v2 = stack.wait_for_version("notes-fr", 2)
    second = _detail(stack, v2["id"], 2)
    assert [c["name"] for c in second["columns"]] == ["code", "commune"]
    assert second["row_count"] == 2
    assert second["read"]["header_row"] == 3
    assert file_server.requests.count("/spec/notes.csv") == downloads  # the stored raw file
