"""The technician endpoints over a fake repository and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from catalog_fakes import AUTH
from fastapi import FastAPI
from fastapi.testclient import TestClient
from health_fakes import (
    FakeHealthRepository,
    make_dataset,
    make_schema_change,
    make_source,
    make_version,
)
from mdc_catalog.api.routes.health import get_health_repository, get_now
from mdc_catalog.cadence import Cadence

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
CREATED = NOW - timedelta(days=100)


def _error(at: datetime, **extra: object) -> dict[str, object]:
    return {"reason": "timeout", "message": "no answer", "at": at.isoformat(), **extra}


@pytest.fixture
def health_repo() -> FakeHealthRepository:
    """fresh (daily, changed 1 h ago), stale (weekly, changed 20 d ago, drifting, failing),
    paused (daily, never changed), broken (unknown, processing error), and a deleted one."""
    repo = FakeHealthRepository()
    fresh = make_source(
        "fresh-bills",
        CREATED,
        cadence=Cadence.DAILY,
        publisher="City",
        tags=["finance"],
        last_checked_at=NOW - timedelta(minutes=10),
        last_changed_at=NOW - timedelta(hours=1),
    )
    stale = make_source(
        "stale-roads",
        CREATED,
        cadence=Cadence.WEEKLY,
        publisher="Region",
        tags=["transport", "finance"],
        last_checked_at=NOW - timedelta(hours=2),
        last_changed_at=NOW - timedelta(days=20),
        consecutive_failures=3,
        check_error=_error(NOW - timedelta(hours=2)),
    )
    paused = make_source("paused-parks", CREATED, cadence=Cadence.DAILY, active=False)
    broken = make_source(
        "broken-birds",
        CREATED,
        processing_error=_error(
            NOW - timedelta(minutes=30), reason="processing", stage="parse", row=4, column="wing"
        ),
    )
    gone = make_source(
        "gone", CREATED, cadence=Cadence.DAILY, deleted_at=NOW, check_error=_error(NOW)
    )
    repo.sources = [fresh, stale, paused, broken, gone]
    roads = make_dataset("roads", stale, CREATED)
    bills = make_dataset("bills", fresh, CREATED)
    repo.datasets = [roads, bills]
    repo.versions = [
        make_version(roads, 1, NOW - timedelta(days=20)),
        make_version(bills, 1, NOW - timedelta(hours=30)),
        make_version(bills, 2, NOW - timedelta(hours=1)),
    ]
    repo.schema_change_records = [
        make_schema_change(roads, 2, NOW - timedelta(days=2), breaking=True),
        make_schema_change(bills, 2, NOW - timedelta(days=30), breaking=False),
    ]
    return repo


@pytest.fixture
def health_client(app: FastAPI, health_repo: FakeHealthRepository) -> TestClient:
    app.dependency_overrides[get_health_repository] = lambda: health_repo
    app.dependency_overrides[get_now] = lambda: NOW
    return TestClient(app)


def _names(body: dict[str, object]) -> list[str]:
    items = body["items"]
    assert isinstance(items, list)
    return [item["name"] for item in items]


@pytest.mark.parametrize(
    "path", ["/admin/health/sources", "/admin/health/failures", "/admin/health/summary"]
)
def test_the_view_needs_a_key(health_client: TestClient, path: str) -> None:
    assert health_client.get(path).status_code == 401
    bad = {"Authorization": "Bearer not-a-key"}
    assert health_client.get(path, headers=bad).status_code == 403


def test_sources_show_freshness_errors_and_drift(health_client: TestClient) -> None:
    response = health_client.get("/admin/health/sources", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 4  # the deleted source is left out
    by_name = {item["name"]: item for item in body["items"]}
    assert list(by_name) == sorted(by_name)

    stale = by_name["stale-roads"]
    assert stale["stale"] is True
    assert stale["drifting"] is True
    assert (
        stale["overdue_by_seconds"] == (timedelta(days=20) - timedelta(days=10.5)).total_seconds()
    )
    assert stale["next_check_at"] == "2025-06-15T11:00:00Z"  # checked 2 h ago, hourly
    assert stale["last_error"]["reason"] == "timeout"
    assert stale["consecutive_failures"] == 3

    broken = by_name["broken-birds"]
    assert broken["cadence"] == "unknown"
    assert broken["stale"] is False
    assert broken["due_at"] is None
    assert (broken["last_error"]["stage"], broken["last_error"]["row"]) == ("parse", 4)

    assert by_name["paused-parks"]["stale"] is False  # paused: not expected to change
    assert by_name["fresh-bills"]["drifting"] is False  # its schema change is 30 days old


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stale": "true"}, ["stale-roads"]),
        ({"stale": "false"}, ["broken-birds", "fresh-bills", "paused-parks"]),
        ({"failing": "true"}, ["broken-birds", "stale-roads"]),
        ({"drifting": "true"}, ["stale-roads"]),
        ({"drifting": "true", "drift_days": 31}, ["fresh-bills", "stale-roads"]),
        ({"publisher": "region"}, ["stale-roads"]),
        ({"tag": "finance"}, ["fresh-bills", "stale-roads"]),
        ({"name": "IRD"}, ["broken-birds"]),
        ({"active": "false"}, ["paused-parks"]),
    ],
)
def test_source_filters(
    health_client: TestClient, params: dict[str, object], expected: list[str]
) -> None:
    response = health_client.get("/admin/health/sources", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    assert _names(response.json()) == expected


def test_sort_and_pagination(health_client: TestClient) -> None:
    params = {"sort": "consecutive_failures", "order": "desc", "limit": 2}
    body = health_client.get("/admin/health/sources", params=params, headers=AUTH).json()
    assert body["total"] == 4
    assert _names(body)[0] == "stale-roads"
    params = {"sort": "due_at", "limit": 2}
    body = health_client.get("/admin/health/sources", params=params, headers=AUTH).json()
    assert _names(body) == ["stale-roads", "fresh-bills"]  # most overdue first
    second = health_client.get(
        "/admin/health/sources", params={**params, "offset": 2}, headers=AUTH
    ).json()
    assert _names(second) == ["broken-birds", "paused-parks"]  # never due: last


@pytest.mark.parametrize(
    "params",
    [{"sort": "url"}, {"drift_days": 0}, {"limit": 0}, {"stale": "maybe"}, {"unknown": 1}],
)
def test_bad_parameters_are_422(health_client: TestClient, params: dict[str, object]) -> None:
    response = health_client.get("/admin/health/sources", params=params, headers=AUTH)
    assert response.status_code == 422


def test_failures_newest_first_and_since(health_client: TestClient) -> None:
    body = health_client.get("/admin/health/failures", headers=AUTH).json()
    assert [item["name"] for item in body["items"]] == ["broken-birds", "stale-roads"]
    assert body["items"][0]["processing_error"]["column"] == "wing"
    assert body["items"][0]["check_error"] is None
    since = (NOW - timedelta(hours=1)).isoformat()
    body = health_client.get("/admin/health/failures", params={"since": since}, headers=AUTH)
    assert [item["name"] for item in body.json()["items"]] == ["broken-birds"]


def test_since_needs_a_time_zone(health_client: TestClient) -> None:
    response = health_client.get(
        "/admin/health/failures", params={"since": "2025-06-15T10:00:00"}, headers=AUTH
    )
    assert response.status_code == 422


def test_schema_changes_across_datasets(health_client: TestClient) -> None:
    body = health_client.get("/admin/health/schema-changes", headers=AUTH).json()
    assert [item["dataset_name"] for item in body["items"]] == ["roads", "bills"]
    assert body["items"][0]["changes"][0]["kind"] == "column_removed"
    breaking = health_client.get(
        "/admin/health/schema-changes", params={"breaking": "true"}, headers=AUTH
    ).json()
    assert [item["dataset_name"] for item in breaking["items"]] == ["roads"]
    by_name = health_client.get(
        "/admin/health/schema-changes", params={"dataset": "bills"}, headers=AUTH
    ).json()
    assert by_name["total"] == 1
    assert by_name["items"][0]["to_version"] == 2


def test_summary_counts_and_sets_the_gauges(app: FastAPI, health_client: TestClient) -> None:
    response = health_client.get("/admin/health/summary", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    expected = {
        "sources": 4,
        "active": 3,
        "failing": 2,
        "stale": 1,
        "drifting": 1,
        "datasets": 2,
        "recent_versions": 1,
    }
    assert {key: body[key] for key in expected} == expected
    assert body["stale_grace_factor"] == 1.5
    registry = app.state.catalog_metrics.base.registry
    assert registry.get_sample_value("mdc_catalog_stale_sources") == 1
    assert registry.get_sample_value("mdc_catalog_failing_sources") == 2


def test_cadence_round_trips_through_the_source_api(client: TestClient) -> None:
    body = {"name": "trains", "url": "https://data.example.org/trains.csv", "cadence": "monthly"}
    created = client.post("/admin/sources", json=body, headers=AUTH)
    assert created.status_code == 201, created.text
    assert created.json()["cadence"] == "monthly"
    source_id = created.json()["id"]
    patched = client.patch(f"/admin/sources/{source_id}", json={"cadence": "yearly"}, headers=AUTH)
    assert patched.status_code == 200, patched.text
    assert patched.json()["cadence"] == "yearly"
    wrong = client.post(
        "/admin/sources", json={**body, "name": "x", "cadence": "hourly"}, headers=AUTH
    )
    assert wrong.status_code == 422
