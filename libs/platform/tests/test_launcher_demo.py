from __future__ import annotations

from pathlib import Path

from mdc_platform.components.demo import DEMO_FILES, package_file, populate
from mdc_platform.demo_server import BROKEN_PATH, create_app
from starlette.testclient import TestClient


def test_three_real_csvs_ship_in_installed_packages() -> None:
    assert [d.source for d in DEMO_FILES] == ["palmer-penguins", "seattle-weather", "nyc-airlines"]
    for demo in DEMO_FILES:
        header = package_file(demo).read_text().splitlines()[0]
        assert "," in header, demo


def test_populate_copies_only_missing_files(tmp_path: Path) -> None:
    assert populate(tmp_path) == ["penguins.csv", "seattle-weather.csv", "airlines.csv"]
    edited = tmp_path / "penguins.csv"
    edited.write_text("species\nEdited\n")
    assert populate(tmp_path) == []
    assert edited.read_text() == "species\nEdited\n"


def test_server_answers_conditional_requests_and_a_broken_page(tmp_path: Path) -> None:
    populate(tmp_path)
    client = TestClient(create_app(tmp_path))
    first = client.get("/airlines.csv")
    assert first.status_code == 200
    assert first.text.startswith("carrier,name")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert client.get("/airlines.csv", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/airlines.csv", headers={"If-Modified-Since": modified}).status_code == 304
    broken = client.get(BROKEN_PATH)
    assert broken.status_code == 200
    assert broken.headers["content-type"].startswith("text/html")
    assert client.get("/missing.csv").status_code == 404
    assert "airlines.csv" in client.get("/").json()["files"]
