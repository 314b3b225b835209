"""Consumer access (public or by key) and the audit trail of source changes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from access_fakes import ADMIN_KEY, bearer
from catalog_fakes import AUTH, FakeAuditLog
from fastapi import FastAPI
from fastapi.testclient import TestClient

SOURCE = {"name": "palmer-penguins", "url": "https://data.example.org/penguins.csv"}


def _issue(client: TestClient, name: str, role: str) -> str:
    response = client.post(
        "/admin/keys", json={"name": name, "role": role}, headers=bearer(ADMIN_KEY)
    )
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def _key_access(app: FastAPI) -> None:
    app.state.settings = app.state.settings.model_copy(update={"consumer_access": "key"})


# --- consumer access ----------------------------------------------------------------------

CONSUMER_PATHS = [
    "/datasets",
    f"/datasets/{uuid.uuid4()}",
    f"/datasets/{uuid.uuid4()}/versions",
    f"/datasets/{uuid.uuid4()}/download",  # the exports router shares the /datasets prefix
]


@pytest.mark.parametrize("path", CONSUMER_PATHS)
def test_public_access_needs_no_key_and_ignores_a_bad_one(client: TestClient, path: str) -> None:
    for headers in ({}, bearer("not-a-key")):
        response = client.get(path, headers=headers)
        assert response.status_code not in (401, 403), response.text


@pytest.mark.parametrize("path", CONSUMER_PATHS)
def test_key_access_refuses_without_a_key(app: FastAPI, client: TestClient, path: str) -> None:
    _key_access(app)
    response = client.get(path)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "any role" in response.json()["error"]["message"]
    assert client.get(path, headers=bearer("not-a-key")).status_code == 403


@pytest.mark.parametrize("role", ["consumer", "provider", "technician", "admin"])
def test_key_access_admits_any_role(app: FastAPI, client: TestClient, role: str) -> None:
    key = _issue(client, f"reader-{role}", role)
    _key_access(app)
    response = client.get("/datasets", headers=bearer(key))
    assert response.status_code == 200, response.text


def test_key_access_refuses_a_revoked_consumer_key(app: FastAPI, client: TestClient) -> None:
    issued = client.post(
        "/admin/keys", json={"name": "reader", "role": "consumer"}, headers=bearer(ADMIN_KEY)
    ).json()
    _key_access(app)
    assert client.get("/datasets", headers=bearer(issued["key"])).status_code == 200
    client.delete(f"/admin/keys/{issued['id']}", headers=bearer(ADMIN_KEY))
    assert client.get("/datasets", headers=bearer(issued["key"])).status_code == 403


def test_consumer_key_may_not_use_admin_endpoints(client: TestClient) -> None:
    key = _issue(client, "reader", "consumer")
    response = client.get("/admin/sources", headers=bearer(key))
    assert response.status_code == 403
    assert "has the role consumer" in response.json()["error"]["message"]


# --- the audit trail of sources -----------------------------------------------------------


def _create(client: TestClient, headers: dict[str, str] = AUTH) -> dict[str, Any]:
    response = client.post("/admin/sources", json=SOURCE, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_every_source_change_is_audited_with_before_and_after(
    client: TestClient, audit: FakeAuditLog
) -> None:
    created = _create(client)
    path = f"/admin/sources/{created['id']}"
    assert client.patch(path, json={"title": "Penguins"}, headers=AUTH).status_code == 200
    assert client.post(f"{path}/pause", headers=AUTH).json()["active"] is False
    assert client.post(f"{path}/resume", headers=AUTH).json()["active"] is True
    assert client.delete(path, headers=AUTH).status_code == 204

    actions = [e.action for e in audit.recorded]
    assert actions == [
        "source.create",
        "source.update",
        "source.pause",
        "source.resume",
        "source.delete",
    ]
    assert {(e.actor, e.role, e.target_type, e.target_id) for e in audit.recorded} == {
        ("provider-key-1", "provider", "source", created["id"])
    }
    create, update, pause, resume, delete = audit.recorded
    assert create.before is None
    assert create.after == created
    assert update.before is not None
    assert update.after is not None
    assert (update.before["title"], update.after["title"]) == (None, "Penguins")
    assert update.after["revision"] == update.before["revision"] + 1
    assert (pause.before, pause.after) == (update.after, resume.before)
    assert pause.after is not None
    assert pause.after["active"] is False
    assert delete.before == resume.after
    assert delete.after is not None
    assert delete.after["deleted_at"] is not None


def test_a_change_that_changes_nothing_or_fails_is_not_audited(
    client: TestClient, audit: FakeAuditLog
) -> None:
    created = _create(client)
    path = f"/admin/sources/{created['id']}"
    assert client.patch(path, json={"url": SOURCE["url"]}, headers=AUTH).status_code == 200
    assert client.post(f"{path}/resume", headers=AUTH).status_code == 200  # already active
    assert client.post("/admin/sources", json=SOURCE, headers=AUTH).status_code == 409
    assert client.post(f"/admin/sources/{uuid.uuid4()}/pause", headers=AUTH).status_code == 404
    assert [e.action for e in audit.recorded] == ["source.create"]


def test_the_actor_is_the_name_of_an_issued_key(client: TestClient, audit: FakeAuditLog) -> None:
    key = _issue(client, "jane.doe", "provider")
    _create(client, bearer(key))
    entry = audit.recorded[-1]
    assert (entry.action, entry.actor, entry.role) == ("source.create", "jane.doe", "provider")


def test_audit_listing_filters_and_is_for_technicians_and_admins(
    client: TestClient, audit: FakeAuditLog
) -> None:
    technician = _issue(client, "ops", "technician")
    created = _create(client)
    client.post(f"/admin/sources/{created['id']}/pause", headers=AUTH)

    everything = client.get("/admin/audit", headers=bearer(technician))
    assert everything.status_code == 200
    assert everything.json()["total"] == 3  # key.create, source.create, source.pause
    assert everything.json()["items"][0]["action"] == "source.pause"  # newest first

    pauses = client.get(
        "/admin/audit", params={"action": "source.pause"}, headers=bearer(ADMIN_KEY)
    ).json()
    assert [item["target_id"] for item in pauses["items"]] == [created["id"]]
    by_actor = client.get(
        "/admin/audit", params={"actor": "admin-key-1"}, headers=bearer(ADMIN_KEY)
    ).json()
    assert [item["action"] for item in by_actor["items"]] == ["key.create"]

    assert client.get("/admin/audit", headers=AUTH).status_code == 403  # a provider key
    assert client.get("/admin/audit").status_code == 401
    assert (
        client.get("/admin/audit", params={"limit": 0}, headers=bearer(ADMIN_KEY)).status_code
        == 422
    )
