"""Bad sources show their reason through the catalog while good sources keep flowing."""

from __future__ import annotations

import pytest

from tests.support.files import FileServer
from tests.support.stack import Stack, wait_for

pytestmark = pytest.mark.integration

GOOD_CSV = b"city;population;area_km2\nBesan\xe7on;117912;65,05\nDijon;159346;40,41\n"
HTML_PAGE = b"<!DOCTYPE html><html><body><h1>503 Maintenance</h1></body></html>"


def _failure(stack: Stack, source_id: str) -> dict[str, object] | None:
    source = stack.source(source_id)
    return source if source.get("last_error") else None


def test_bad_sources_report_reasons_and_good_ones_flow(
    stack: Stack, file_server: FileServer
) -> None:
    missing = stack.register_source("bad-missing", file_server.url("nowhere/missing.csv"))
    html = stack.register_source("bad-html", file_server.write("bad/page.csv", HTML_PAGE))
    unreachable = stack.register_source("bad-unreachable", "http://127.0.0.1:9/data.csv")
    unknown_host = stack.register_source("bad-dns", "http://no-such-host.invalid/data.csv")
    good = stack.register_source("good-cities", file_server.write("good/cities.csv", GOOD_CSV))

    dataset = stack.wait_for_version("good-cities", 1)
    detail = stack.catalog.get(f"/datasets/{dataset['id']}").json()
    assert detail["row_count"] == 2
    assert [c["name"] for c in detail["columns"]] == ["city", "population", "area_km2"]

    not_found = wait_for(lambda: _failure(stack, missing["id"]), what="404 reason")
    assert not_found["last_error"]["http_status"] == 404  # type: ignore[index]
    html_failure = wait_for(lambda: _failure(stack, html["id"]), what="HTML reason")
    assert "html" in html_failure["last_error"]["message"].lower()  # type: ignore[index]
    refused = wait_for(lambda: _failure(stack, unreachable["id"]), what="connect reason")
    assert refused["last_error"]["reason"] == "connect"  # type: ignore[index]
    no_dns = wait_for(lambda: _failure(stack, unknown_host["id"]), what="DNS reason")
    assert no_dns["last_error"]["reason"] == "dns"  # type: ignore[index]
    for bad in (missing, html, unreachable, unknown_host):
        assert stack.dataset_by_name(bad["name"]) is None
    assert stack.source(good["id"])["last_error"] is None
