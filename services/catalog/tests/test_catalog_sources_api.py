from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from access_fakes import ADMIN_KEY
from catalog_fakes import AUTH, FakeAuditLog, FakeRepository, FakeSink, fake_scope
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mdc_catalog.service import republish_definitions
from mdc_contracts import deterministic_id

PENGUINS = {
    "name": "palmer-penguins",
    "url": "https://data.example.org/penguins.csv",
    "title": "Palmer penguins",
    "tags": ["biology"],
}


def _create(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/admin/sources", json={**PENGUINS, **overrides}, headers=AUTH)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# --- auth ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/admin/sources"),
        ("GET", "/admin/sources"),
        ("GET", f"/admin/sources/{uuid.uuid4()}"),
        ("PATCH", f"/admin/sources/{uuid.uuid4()}"),
        ("DELETE", f"/admin/sources/{uuid.uuid4()}"),
        ("POST", f"/admin/sources/{uuid.uuid4()}/check"),
    ],
)
def test_admin_endpoints_without_key_are_401_with_reason(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path, json=PENGUINS)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["error"]["message"]


def test_non_bearer_scheme_is_401(client: TestClient) -> None:
    response = client.get("/admin/sources", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401


def test_wrong_key_is_403_with_reason(client: TestClient, repo: FakeRepository) -> None:
    response = client.post(
        "/admin/sources", json=PENGUINS, headers={"Authorization": "Bearer not-a-key"}
    )
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "Forbidden",
        "message": "the API key is not valid",
    }
    assert repo.sources == {}


def test_auth_is_checked_before_the_body(client: TestClient) -> None:
    response = client.post("/admin/sources", json={"name": "BAD NAME"})
    assert response.status_code == 401


def test_every_configured_key_is_accepted(client: TestClient) -> None:
    response = client.get("/admin/sources", headers={"Authorization": "Bearer provider-key-2"})
    assert response.status_code == 200


# --- create --------------------------------------------------------------------------------


def test_create_returns_201_with_the_full_source_and_publishes_it(
    client: TestClient, repo: FakeRepository, sink: FakeSink
) -> None:
    body = _create(client)
    source_id = uuid.UUID(body["id"])
    assert body["name"] == "palmer-penguins"
    assert body["url"] == PENGUINS["url"]
    assert body["check_interval_seconds"] == 3600
    assert body["active"] is True
    assert body["revision"] == 1
    assert body["tags"] == ["biology"]
    assert body["last_error"] is None
    assert repo.sources[source_id].name == "palmer-penguins"

    [event] = sink.events
    assert (event.source_id, event.revision, event.active) == (source_id, 1, True)
    assert event.url == PENGUINS["url"]
    assert event.event_id == deterministic_id("source-defined", source_id, 1)
    assert repo.published[source_id] == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Palmer Penguins"}, "name"),
        ({"name": "-starts-with-dash"}, "name"),
        ({"name": "x" * 129}, "name"),
        ({"url": "ftp://data.example.org/penguins.csv"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"check_interval_seconds": 4}, "check_interval_seconds"),
        ({"tags": "biology"}, "tags"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_invalid_body_is_422_naming_the_field(
    client: TestClient, sink: FakeSink, payload: dict[str, Any], field: str
) -> None:
    response = client.post("/admin/sources", json={**PENGUINS, **payload}, headers=AUTH)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", field]]
    assert sink.events == []


@pytest.mark.parametrize("missing", ["name", "url"])
def test_missing_required_field_is_422(client: TestClient, missing: str) -> None:
    payload = {k: v for k, v in PENGUINS.items() if k != missing}
    response = client.post("/admin/sources", json=payload, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", missing]


def test_duplicate_name_is_409_with_reason(client: TestClient, sink: FakeSink) -> None:
    first = _create(client)
    response = client.post("/admin/sources", json=PENGUINS, headers=AUTH)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "Conflict"
    assert "palmer-penguins" in error["message"]
    assert first["id"] in error["message"]
    assert len(sink.events) == 1


def test_create_succeeds_when_publishing_fails_and_stays_pending(
    client: TestClient, repo: FakeRepository, sink: FakeSink
) -> None:
    sink.fail = True
    body = _create(client)
    source_id = uuid.UUID(body["id"])
    assert source_id in repo.sources  # committed before the publish
    assert repo.published.get(source_id, 0) == 0  # so the periodic republish sends it


# --- read ----------------------------------------------------------------------------------


def test_get_source_and_its_status(client: TestClient) -> None:
    created = _create(client)
    response = client.get(f"/admin/sources/{created['id']}", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body == created
    for field in (
        "last_checked_at",
        "last_changed_at",
        "last_outcome",
        "last_error",
        "dataset_id",
        "latest_version",
    ):
        assert body[field] is None
    assert body["consecutive_failures"] == 0


def test_unknown_source_is_404_and_bad_id_is_422(client: TestClient) -> None:
    missing = uuid.uuid4()
    response = client.get(f"/admin/sources/{missing}", headers=AUTH)
    assert response.status_code == 404
    assert str(missing) in response.json()["error"]["message"]
    response = client.get("/admin/sources/not-a-uuid", headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "source_id"]


def test_list_sources_with_exact_name_filter(client: TestClient, repo: FakeRepository) -> None:
    _create(client)
    _create(client, name="palmer-penguins-2")
    everything = client.get("/admin/sources", headers=AUTH).json()
    assert everything["total"] == 2
    assert [s["name"] for s in everything["items"]] == ["palmer-penguins", "palmer-penguins-2"]
    one = client.get("/admin/sources", params={"name": "palmer-penguins"}, headers=AUTH).json()
    assert one["total"] == 1
    assert one["items"][0]["name"] == "palmer-penguins"
    assert repo.source_queries[-1].name == "palmer-penguins"


# --- change and delete ---------------------------------------------------------------------


def test_patch_changes_only_sent_fields_and_publishes_a_new_revision(
    client: TestClient, sink: FakeSink
) -> None:
    created = _create(client, description="sizes")
    response = client.patch(
        f"/admin/sources/{created['id']}",
        json={"check_interval_seconds": 60, "title": None},
        headers=AUTH,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["check_interval_seconds"] == 60
    assert body["title"] is None
    assert body["description"] == "sizes"
    assert body["revision"] == 2
    assert [(e.revision, e.check_interval_seconds) for e in sink.events] == [(1, 3600), (2, 60)]


def test_patch_active_false_pauses(client: TestClient, sink: FakeSink) -> None:
    created = _create(client)
    response = client.patch(f"/admin/sources/{created['id']}", json={"active": False}, headers=AUTH)
    assert response.json()["active"] is False
    assert sink.events[-1].active is False


def test_patch_without_change_keeps_the_revision(client: TestClient, sink: FakeSink) -> None:
    created = _create(client)
    response = client.patch(
        f"/admin/sources/{created['id']}", json={"url": PENGUINS["url"]}, headers=AUTH
    )
    assert response.status_code == 200
    assert response.json()["revision"] == 1
    assert len(sink.events) == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": None}, "url"),
        ({"check_interval_seconds": 1}, "check_interval_seconds"),
        ({"name": "renamed"}, "name"),
    ],
)
def test_patch_invalid_is_422(client: TestClient, payload: dict[str, Any], field: str) -> None:
    created = _create(client)
    response = client.patch(f"/admin/sources/{created['id']}", json=payload, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]


def test_patch_unknown_source_is_404(client: TestClient) -> None:
    response = client.patch(f"/admin/sources/{uuid.uuid4()}", json={"active": False}, headers=AUTH)
    assert response.status_code == 404


def test_delete_is_soft_and_publishes_inactive(
    client: TestClient, repo: FakeRepository, sink: FakeSink
) -> None:
    created = _create(client)
    response = client.delete(f"/admin/sources/{created['id']}", headers=AUTH)
    assert response.status_code == 204
    kept = client.get(f"/admin/sources/{created['id']}", headers=AUTH).json()
    assert kept["active"] is False
    assert kept["deleted_at"] is not None
    assert (sink.events[-1].active, sink.events[-1].revision) == (False, 2)
    # Hidden from the list unless asked for; deleting again is harmless.
    assert client.get("/admin/sources", headers=AUTH).json()["total"] == 0
    listed = client.get("/admin/sources", params={"include_deleted": "true"}, headers=AUTH)
    assert listed.json()["total"] == 1
    assert client.delete(f"/admin/sources/{created['id']}", headers=AUTH).status_code == 204
    assert len(sink.events) == 2
    # A deleted source cannot be changed, and its name stays taken.
    patched = client.patch(f"/admin/sources/{created['id']}", json={"active": True}, headers=AUTH)
    assert patched.status_code == 409
    again = client.post("/admin/sources", json=PENGUINS, headers=AUTH)
    assert again.status_code == 409
    assert "deleted" in again.json()["error"]["message"]


def test_check_interval_floor_is_a_setting(app: FastAPI, client: TestClient) -> None:
    response = client.post(
        "/admin/sources", json={**PENGUINS, "check_interval_seconds": 2}, headers=AUTH
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "check_interval_seconds"]
    assert "5" in response.json()["detail"][0]["msg"]

    app.state.settings.min_check_interval_seconds = 1  # e.g. a test deployment
    created = _create(client, check_interval_seconds=2)
    assert created["check_interval_seconds"] == 2
    response = client.patch(
        f"/admin/sources/{created['id']}", json={"check_interval_seconds": 0}, headers=AUTH
    )
    assert response.status_code == 422  # the contract's floor of 1 always holds


# --- check now -----------------------------------------------------------------------------


def _check(client: TestClient, source_id: str, headers: dict[str, str] = AUTH) -> Any:
    return client.post(f"/admin/sources/{source_id}/check", headers=headers)


def test_check_now_is_202_and_publishes_the_request_with_a_new_revision(
    client: TestClient, repo: FakeRepository, sink: FakeSink, audit: FakeAuditLog
) -> None:
    created = _create(client)
    assert created["check_requested_at"] is None
    response = _check(client, created["id"])  # a bare POST: nothing to send
    assert response.status_code == 202, response.text
    body = response.json()
    asked = datetime.fromisoformat(body["check_requested_at"])
    assert body["revision"] == 2
    event = sink.events[-1]
    assert (event.revision, event.check_requested_at, event.active) == (2, asked, True)
    assert repo.published[uuid.UUID(created["id"])] == 2
    entry = audit.recorded[-1]
    assert (entry.action, entry.actor, entry.role) == ("source.check", "provider-key-1", "provider")
    assert (entry.target_type, entry.target_id) == ("source", created["id"])
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["check_requested_at"], entry.after["check_requested_at"]) == (
        None,
        body["check_requested_at"],
    )

    # Asking again is a new request: a newer time, another revision.
    again = _check(client, created["id"]).json()
    assert again["revision"] == 3
    assert datetime.fromisoformat(again["check_requested_at"]) > asked
    assert [e.action for e in audit.recorded] == ["source.create", "source.check", "source.check"]


def test_later_definitions_repeat_the_last_request(client: TestClient, sink: FakeSink) -> None:
    # The change-detector tells a new request from a repeated one by comparing the times.
    created = _create(client)
    asked = _check(client, created["id"]).json()["check_requested_at"]
    client.patch(f"/admin/sources/{created['id']}", json={"title": "Penguins"}, headers=AUTH)
    assert sink.events[-1].revision == 3
    assert sink.events[-1].check_requested_at == datetime.fromisoformat(asked)


def test_check_now_of_an_unknown_paused_or_deleted_source_is_refused(
    client: TestClient, sink: FakeSink, audit: FakeAuditLog
) -> None:
    assert _check(client, str(uuid.uuid4())).status_code == 404
    assert _check(client, "not-a-uuid").status_code == 422
    paused = _create(client, name="paused-one")
    client.post(f"/admin/sources/{paused['id']}/pause", headers=AUTH)
    gone = _create(client, name="gone")
    client.delete(f"/admin/sources/{gone['id']}", headers=AUTH)
    published, audited = len(sink.events), len(audit.recorded)

    refused = _check(client, paused["id"])
    assert refused.status_code == 409
    assert "paused" in refused.json()["error"]["message"]
    refused = _check(client, gone["id"])
    assert refused.status_code == 409
    assert "deleted" in refused.json()["error"]["message"]
    assert (len(sink.events), len(audit.recorded)) == (published, audited)


def test_check_now_needs_a_provider_not_a_technician(client: TestClient, sink: FakeSink) -> None:
    created = _create(client)
    issued = client.post(
        "/admin/keys",
        json={"name": "night-shift", "role": "technician"},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    ).json()
    response = _check(client, created["id"], headers={"Authorization": f"Bearer {issued['key']}"})
    assert response.status_code == 403
    assert len(sink.events) == 1


async def test_a_request_whose_publish_failed_is_published_again(
    client: TestClient, repo: FakeRepository, sink: FakeSink
) -> None:
    created = _create(client)
    sink.fail = True
    response = _check(client, created["id"])
    assert response.status_code == 202  # the request is committed; only its publish waits
    sink.fail = False
    assert await republish_definitions(fake_scope(repo), sink, pending_only=True, settle_seconds=0)
    event = sink.events[-1]
    assert event.revision == 2
    assert event.check_requested_at == datetime.fromisoformat(response.json()["check_requested_at"])
