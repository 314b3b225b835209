"""The technician endpoints over a fake repository and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from access_fakes import ADMIN_KEY, bearer
from catalog_fakes import AUTH
from fastapi import FastAPI
from fastapi.testclient import TestClient
from health_fakes import (
    FakeHealthRepository,
    make_dataset,
    make_failure,
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
    """ok: fresh-bills (daily, changed 1 h ago), new-trees (daily, created 2 h ago, never
    checked); stale: old-maps (monthly, changed 60 d ago); failing: stale-roads (weekly, changed
    20 d ago, drifting, download error), broken-birds (unknown, processing error); paused:
    paused-parks; and a deleted one."""
    repo = FakeHealthRepository()
    fresh = make_source(
        "fresh-bills",
        CREATED,
        cadence=Cadence.DAILY,
        publisher="City",
        tags=["finance"],
        last_checked_at=NOW - timedelta(minutes=10),
        last_changed_at=NOW - timedelta(hours=1),
        last_outcome="unchanged",
    )
    new = make_source("new-trees", NOW - timedelta(hours=2), cadence=Cadence.DAILY)
    old = make_source(
        "old-maps",
        CREATED,
        cadence=Cadence.MONTHLY,
        publisher="City",
        last_checked_at=NOW - timedelta(hours=1),
        last_changed_at=NOW - timedelta(days=60),
    )
    stale = make_source(
        "stale-roads",
        CREATED,
        cadence=Cadence.WEEKLY,
        publisher="Region",
        tags=["transport", "finance"],
        last_checked_at=NOW - timedelta(hours=2),
        last_changed_at=NOW - timedelta(days=20),
        last_outcome="failed",
        consecutive_failures=3,
        check_error=_error(NOW - timedelta(hours=2)),
    )
    paused = make_source("paused-parks", CREATED, cadence=Cadence.DAILY, active=False)
    broken = make_source(
        "broken-birds",
        CREATED,
        last_checked_at=NOW - timedelta(minutes=40),
        last_changed_at=NOW - timedelta(minutes=40),
        processing_error=_error(
            NOW - timedelta(minutes=30), reason="processing", stage="parse", row=4, column="wing"
        ),
    )
    gone = make_source(
        "gone", CREATED, cadence=Cadence.DAILY, deleted_at=NOW, check_error=_error(NOW)
    )
    repo.sources = [fresh, new, old, stale, paused, broken, gone]
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
    repo.failure_records = [
        make_failure(fresh, NOW - timedelta(days=3)),  # recovered since
        make_failure(stale, NOW - timedelta(hours=3), reason="timeout", http_status=None),
        make_failure(stale, NOW - timedelta(hours=2), http_status=503, consecutive_failures=3),
        make_failure(
            broken, NOW - timedelta(minutes=30), kind="processing", row=4, column_name="wing"
        ),
        make_failure(gone, NOW),  # its source is deleted: not shown
    ]
    return repo


@pytest.fixture
def health_client(app: FastAPI, health_repo: FakeHealthRepository) -> TestClient:
    app.dependency_overrides[get_health_repository] = lambda: health_repo
    app.dependency_overrides[get_now] = lambda: NOW
    return TestClient(app)


def _names(body: dict[str, object], field: str = "name") -> list[str]:
    items = body["items"]
    assert isinstance(items, list)
    return [item[field] for item in items]


def _get(client: TestClient, path: str, **params: object) -> dict[str, object]:
    response = client.get(f"/admin/health/{path}", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


PATHS = ["sources", "failures", "schema-changes", "summary"]


@pytest.mark.parametrize("path", PATHS)
def test_the_view_needs_a_key(health_client: TestClient, path: str) -> None:
    assert health_client.get(f"/admin/health/{path}").status_code == 401
    bad = {"Authorization": "Bearer not-a-key"}
    assert health_client.get(f"/admin/health/{path}", headers=bad).status_code == 403


@pytest.mark.parametrize("path", PATHS)
def test_technicians_read_the_view_and_consumers_do_not(
    health_client: TestClient, path: str
) -> None:
    keys = {}
    for role in ("technician", "consumer"):
        issued = health_client.post(
            "/admin/keys", json={"name": f"k-{role}", "role": role}, headers=bearer(ADMIN_KEY)
        )
        assert issued.status_code == 201, issued.text
        keys[role] = issued.json()["key"]
    assert health_client.get(f"/admin/health/{path}", headers=bearer(keys["technician"])).is_success
    refused = health_client.get(f"/admin/health/{path}", headers=bearer(keys["consumer"]))
    assert refused.status_code == 403


def test_sources_show_status_freshness_errors_and_drift(health_client: TestClient) -> None:
    body = _get(health_client, "sources")
    assert body["total"] == 6  # the deleted source is left out
    names = _names(body)
    assert names == sorted(names)
    by_name = {item["name"]: item for item in body["items"]}  # type: ignore[attr-defined]

    stale = by_name["stale-roads"]
    assert (stale["status"], stale["stale"], stale["drifting"]) == ("failing", True, True)
    assert (
        stale["overdue_by_seconds"] == (timedelta(days=20) - timedelta(days=10.5)).total_seconds()
    )
    assert stale["next_check_at"] == "2025-06-15T11:00:00Z"  # checked 2 h ago, hourly
    assert stale["last_error"]["reason"] == "timeout"
    assert stale["check_error"]["reason"] == "timeout"
    assert stale["processing_error"] is None
    assert (stale["consecutive_failures"], stale["last_outcome"]) == (3, "failed")
    assert stale["cadence"] == "weekly"

    broken = by_name["broken-birds"]
    assert (broken["status"], broken["cadence"], broken["stale"]) == ("failing", "unknown", False)
    assert broken["due_at"] is None
    assert (broken["last_error"]["stage"], broken["last_error"]["row"]) == ("parse", 4)

    paused = by_name["paused-parks"]
    assert (paused["status"], paused["stale"], paused["next_check_at"]) == ("paused", False, None)
    assert by_name["old-maps"]["status"] == "stale"
    assert by_name["fresh-bills"]["status"] == "ok"
    assert by_name["fresh-bills"]["drifting"] is False  # its schema change is 30 days old


def test_a_source_never_checked_is_listed_as_due(health_client: TestClient) -> None:
    body = _get(health_client, "sources", name="trees")
    [item] = body["items"]  # type: ignore[misc]
    assert (item["status"], item["stale"], item["last_error"]) == ("ok", False, None)
    assert (item["last_checked_at"], item["last_changed_at"], item["last_outcome"]) == (
        None,
        None,
        None,
    )
    assert item["consecutive_failures"] == 0
    assert item["next_check_at"] == "2025-06-15T10:00:00Z"  # its creation: checked at once
    assert item["due_at"] == "2025-06-16T22:00:00Z"  # created + 1 day x 1.5


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "ok"}, ["fresh-bills", "new-trees"]),
        ({"status": "stale"}, ["old-maps"]),
        ({"status": "failing"}, ["broken-birds", "stale-roads"]),
        ({"status": "paused"}, ["paused-parks"]),
        ({"status": ["stale", "failing"]}, ["broken-birds", "old-maps", "stale-roads"]),
        ({"stale": "true"}, ["old-maps", "stale-roads"]),
        ({"stale": "false"}, ["broken-birds", "fresh-bills", "new-trees", "paused-parks"]),
        ({"failing": "true"}, ["broken-birds", "stale-roads"]),
        ({"drifting": "true"}, ["stale-roads"]),
        ({"drifting": "true", "drift_days": 31}, ["fresh-bills", "stale-roads"]),
        ({"checked": "false"}, ["new-trees", "paused-parks"]),
        ({"publisher": "region"}, ["stale-roads"]),
        ({"publisher": "city", "status": "ok"}, ["fresh-bills"]),
        ({"tag": "finance"}, ["fresh-bills", "stale-roads"]),
        ({"cadence": "daily"}, ["fresh-bills", "new-trees", "paused-parks"]),
        ({"name": "IRD"}, ["broken-birds"]),
        ({"active": "false"}, ["paused-parks"]),
    ],
)
def test_source_filters(
    health_client: TestClient, params: dict[str, object], expected: list[str]
) -> None:
    body = _get(health_client, "sources", **params)
    assert _names(body) == expected
    assert body["total"] == len(expected)


def test_sort_and_pagination(health_client: TestClient) -> None:
    body = _get(health_client, "sources", sort="consecutive_failures", order="desc", limit=2)
    assert body["total"] == 6
    assert _names(body)[0] == "stale-roads"
    pages = [
        _names(_get(health_client, "sources", sort="due_at", limit=2, offset=offset))
        for offset in (0, 2, 4)
    ]
    assert pages == [
        ["old-maps", "stale-roads"],  # most overdue first
        ["new-trees", "fresh-bills"],
        ["broken-birds", "paused-parks"],  # never due: last, by name
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "url"},
        {"drift_days": 0},
        {"limit": 0},
        {"stale": "maybe"},
        {"status": "late"},
        {"cadence": "hourly"},
        {"unknown": 1},
    ],
)
def test_bad_source_parameters_are_422(
    health_client: TestClient, params: dict[str, object]
) -> None:
    response = health_client.get("/admin/health/sources", params=params, headers=AUTH)
    assert response.status_code == 422


def test_failures_are_a_history_newest_first(health_client: TestClient) -> None:
    body = _get(health_client, "failures")
    assert body["total"] == 4  # the deleted source's failure is left out
    items = body["items"]
    assert isinstance(items, list)
    assert [(i["source_name"], i["kind"], i["reason"]) for i in items] == [
        ("broken-birds", "processing", "processing"),
        ("stale-roads", "download", "http_status"),
        ("stale-roads", "download", "timeout"),
        ("fresh-bills", "download", "http_status"),  # recovered since, still in the history
    ]
    processing = items[0]
    assert (processing["stage"], processing["row"], processing["column"]) == ("parse", 4, "wing")
    download = items[1]
    assert (download["http_status"], download["consecutive_failures"]) == (503, 3)
    assert download["publisher"] == "Region"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "processing"}, ["broken-birds"]),
        ({"kind": "download", "source": "ROADS"}, ["stale-roads", "stale-roads"]),
        ({"since": (NOW - timedelta(hours=1)).isoformat()}, ["broken-birds"]),
        (
            {"until": (NOW - timedelta(hours=1)).isoformat()},
            ["stale-roads", "stale-roads", "fresh-bills"],
        ),
        ({"reason": "timeout"}, ["stale-roads"]),
        ({"stage": "parse"}, ["broken-birds"]),
        ({"publisher": "city"}, ["fresh-bills"]),
        ({"limit": 2, "offset": 2}, ["stale-roads", "fresh-bills"]),
    ],
)
def test_failure_filters(
    health_client: TestClient, params: dict[str, object], expected: list[str]
) -> None:
    assert _names(_get(health_client, "failures", **params), "source_name") == expected


def test_failures_of_one_source_by_id(
    health_client: TestClient, health_repo: FakeHealthRepository
) -> None:
    roads = next(s for s in health_repo.sources if s.name == "stale-roads")
    body = _get(health_client, "failures", source_id=str(roads.id))
    assert body["total"] == 2


@pytest.mark.parametrize(
    "since", ["2025-06-15T10:00:00", "0001-01-01T00:00:00+14:00", "not-a-time"]
)
@pytest.mark.parametrize("path", ["failures", "schema-changes"])
def test_since_needs_a_time_zone_and_a_real_instant(
    health_client: TestClient, path: str, since: str
) -> None:
    response = health_client.get(f"/admin/health/{path}", params={"since": since}, headers=AUTH)
    assert response.status_code == 422
    assert "since" in response.text


@pytest.mark.parametrize("params", [{"kind": "network"}, {"reason": "x" * 33}, {"page": 2}])
def test_bad_failure_parameters_are_422(
    health_client: TestClient, params: dict[str, object]
) -> None:
    response = health_client.get("/admin/health/failures", params=params, headers=AUTH)
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("sources", "name"),
        ("sources", "publisher"),
        ("sources", "tag"),
        ("failures", "source"),
        ("failures", "reason"),
        ("schema-changes", "dataset"),
        ("schema-changes", "publisher"),
    ],
)
def test_text_with_a_nul_is_422_not_a_database_error(
    health_client: TestClient, path: str, field: str
) -> None:
    # PostgreSQL text cannot hold NUL: the real database would fail (500) on it.
    response = health_client.get(f"/admin/health/{path}", params={field: "a\x00b"}, headers=AUTH)
    assert response.status_code == 422
    assert field in response.text


def test_schema_changes_across_datasets(health_client: TestClient) -> None:
    body = _get(health_client, "schema-changes")
    assert _names(body, "dataset_name") == ["roads", "bills"]
    first = body["items"][0]  # type: ignore[index]
    assert first["changes"][0]["kind"] == "column_removed"
    assert (first["source_name"], first["publisher"], first["breaking"]) == (
        "stale-roads",
        "Region",
        True,
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"breaking": "true"}, ["roads"]),
        ({"breaking": "false"}, ["bills"]),
        ({"dataset": "bills"}, ["bills"]),
        ({"source": "FRESH"}, ["bills"]),
        ({"publisher": "region"}, ["roads"]),
        ({"since": (NOW - timedelta(days=7)).isoformat()}, ["roads"]),
        ({"until": (NOW - timedelta(days=7)).isoformat()}, ["bills"]),
        ({"limit": 1, "offset": 1}, ["bills"]),
    ],
)
def test_schema_change_filters(
    health_client: TestClient, params: dict[str, object], expected: list[str]
) -> None:
    assert _names(_get(health_client, "schema-changes", **params), "dataset_name") == expected


def test_summary_counts_and_sets_the_gauges(app: FastAPI, health_client: TestClient) -> None:
    body = _get(health_client, "summary")
    expected = {
        "sources": 6,
        "active": 5,
        "failing": 2,
        "stale": 2,
        "drifting": 1,
        "never_checked": 1,
        "by_status": {"paused": 1, "failing": 2, "stale": 1, "ok": 2},
        "recent_failures": 3,
        "datasets": 2,
        "recent_versions": 1,
    }
    assert {key: body[key] for key in expected} == expected
    assert body["stale_grace_factor"] == 1.5
    registry = app.state.catalog_metrics.base.registry
    assert registry.get_sample_value("mdc_catalog_stale_sources") == 2
    assert registry.get_sample_value("mdc_catalog_failing_sources") == 2
    assert registry.get_sample_value("mdc_catalog_sources", {"status": "ok"}) == 2
    assert registry.get_sample_value("mdc_catalog_recent_failures") == 3


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
