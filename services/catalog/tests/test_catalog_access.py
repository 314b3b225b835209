"""Roles and API keys: issuing, listing and revoking keys; who may call what; 401 vs 403."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from access_fakes import ADMIN_KEY, FakeKeyStore, bearer
from catalog_fakes import AUTH, FakeAuditLog, FakeRepository
from fastapi.testclient import TestClient
from mdc_catalog.api.auth import Role, SettingsKeys

SOURCE = {"name": "palmer-penguins", "url": "https://data.example.org/penguins.csv"}


def _issue(client: TestClient, name: str, role: str) -> dict[str, Any]:
    response = client.post(
        "/admin/keys", json={"name": name, "role": role}, headers=bearer(ADMIN_KEY)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def keys(client: TestClient) -> dict[str, str]:
    """One issued key per role (plus the admin key from the settings)."""
    issued = {
        role.value: _issue(client, f"{role.value}-someone", role.value)["key"] for role in Role
    }
    return issued


def _source(client: TestClient) -> str:
    response = client.post("/admin/sources", json=SOURCE, headers=AUTH)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


# --- the key is shown once and stored only as a digest ------------------------------------


def test_issued_key_is_returned_once_and_stored_only_as_its_digest(
    client: TestClient, key_store: FakeKeyStore
) -> None:
    issued = _issue(client, "airflow-dag", "provider")
    key = issued["key"]
    assert key.startswith("mdc_provider_")
    assert len(key) > 40
    (record,) = key_store.records.values()
    assert record.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in record.model_dump_json()
    assert issued["fingerprint"] == record.digest[:12]
    assert issued["created_by"] == "admin-key-1"

    listed = client.get("/admin/keys", headers=bearer(ADMIN_KEY))
    assert listed.status_code == 200
    assert key not in listed.text
    assert record.digest not in listed.text
    (item,) = listed.json()["items"]
    assert "key" not in item
    assert (item["name"], item["role"], item["id"]) == ("airflow-dag", "provider", issued["id"])


def test_two_keys_differ_and_names_are_unique(client: TestClient) -> None:
    first = _issue(client, "jane", "consumer")
    second = _issue(client, "john", "consumer")
    assert first["key"] != second["key"]
    again = client.post(
        "/admin/keys", json={"name": "jane", "role": "admin"}, headers=bearer(ADMIN_KEY)
    )
    assert again.status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"name": "provider-key-1", "role": "provider"},  # reserved for the settings keys
        {"name": "Jane Doe", "role": "provider"},
        {"name": "jane", "role": "superuser"},
    ],
)
def test_invalid_key_requests_are_422(client: TestClient, body: dict[str, str]) -> None:
    response = client.post("/admin/keys", json=body, headers=bearer(ADMIN_KEY))
    assert response.status_code == 422


def test_issued_key_works_and_records_its_last_use(
    client: TestClient, key_store: FakeKeyStore
) -> None:
    issued = _issue(client, "airflow-dag", "provider")
    assert client.get("/admin/sources", headers=bearer(issued["key"])).status_code == 200
    (record,) = key_store.records.values()
    assert record.last_used_at is not None


# --- revoking -----------------------------------------------------------------------------


def test_revoked_key_is_refused_with_403_naming_the_revocation(
    client: TestClient, audit: FakeAuditLog
) -> None:
    issued = _issue(client, "leaver", "provider")
    assert client.get("/admin/sources", headers=bearer(issued["key"])).status_code == 200

    revoked = client.delete(f"/admin/keys/{issued['id']}", headers=bearer(ADMIN_KEY))
    assert revoked.status_code == 204
    refused = client.get("/admin/sources", headers=bearer(issued["key"]))
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "the API key leaver was revoked"

    assert client.get("/admin/keys", headers=bearer(ADMIN_KEY)).json()["total"] == 0
    with_revoked = client.get(
        "/admin/keys", params={"include_revoked": "true"}, headers=bearer(ADMIN_KEY)
    ).json()
    assert with_revoked["items"][0]["revoked_by"] == "admin-key-1"

    # Revoking twice is fine and is not a second change.
    assert (
        client.delete(f"/admin/keys/{issued['id']}", headers=bearer(ADMIN_KEY)).status_code == 204
    )
    assert [e.action for e in audit.recorded] == ["key.create", "key.revoke"]


def test_revoking_an_unknown_key_is_404(client: TestClient) -> None:
    response = client.delete(f"/admin/keys/{uuid.uuid4()}", headers=bearer(ADMIN_KEY))
    assert response.status_code == 404


def test_key_changes_are_audited_without_digests(client: TestClient, audit: FakeAuditLog) -> None:
    issued = _issue(client, "airflow-dag", "technician")
    client.delete(f"/admin/keys/{issued['id']}", headers=bearer(ADMIN_KEY))
    created, revoked = audit.recorded
    assert (created.actor, created.role, created.target_type) == ("admin-key-1", "admin", "key")
    assert created.target_id == issued["id"]
    assert created.before is None
    assert created.after is not None
    assert created.after["name"] == "airflow-dag"
    assert revoked.before == created.after
    assert revoked.after is not None
    assert revoked.after["revoked_at"] is not None
    for entry in (created, revoked):
        text = str(entry.before) + str(entry.after)
        assert issued["key"] not in text
        assert hashlib.sha256(issued["key"].encode()).hexdigest() not in text


# --- 401 vs 403 ---------------------------------------------------------------------------


def test_no_key_is_401_with_bearer_challenge_and_the_roles_needed(client: TestClient) -> None:
    response = client.get("/admin/keys")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"] == {
        "code": "Unauthorized",
        "message": "an API key (admin) is required: send 'Authorization: Bearer <key>'",
    }


def test_wrong_role_is_403_naming_the_role_needed(
    client: TestClient, keys: dict[str, str], repo: FakeRepository
) -> None:
    response = client.post("/admin/sources", json=SOURCE, headers=bearer(keys["technician"]))
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response.headers
    assert response.json()["error"] == {
        "code": "Forbidden",
        "message": (
            "this endpoint needs the role admin or provider; the key has the role technician"
        ),
    }
    assert repo.sources == {}


def test_unknown_issued_looking_key_is_403(client: TestClient) -> None:
    response = client.get("/admin/sources", headers=bearer("mdc_admin_" + "x" * 43))
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "the API key is not valid"


# --- the roles matrix ---------------------------------------------------------------------

ALLOWED = {
    # (method, path template): roles allowed (admin is in every set)
    ("GET", "/admin/sources"): {"admin", "provider", "technician"},
    ("GET", "/admin/sources/{source}"): {"admin", "provider", "technician"},
    ("PATCH", "/admin/sources/{source}"): {"admin", "provider"},
    ("POST", "/admin/sources/{source}/pause"): {"admin", "provider"},
    ("GET", "/admin/steps"): {"admin", "provider"},
    ("GET", "/admin/export"): {"admin", "provider"},
    ("GET", "/admin/audit"): {"admin", "technician"},
    ("GET", "/admin/keys"): {"admin"},
    ("GET", "/datasets"): {"admin", "provider", "technician", "consumer"},
}


@pytest.mark.parametrize(("method", "template"), sorted(ALLOWED))
@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_is_allowed_or_refused(
    client: TestClient, keys: dict[str, str], method: str, template: str, role: str
) -> None:
    path = template.format(source=_source(client))
    body = {"title": "changed"} if method == "PATCH" else None
    response = client.request(method, path, json=body, headers=bearer(keys[role]))
    if role in ALLOWED[(method, template)]:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 403, response.text
        assert role in response.json()["error"]["message"]


def test_admin_key_from_the_settings_may_do_provider_work(client: TestClient) -> None:
    response = client.post("/admin/sources", json=SOURCE, headers=bearer(ADMIN_KEY))
    assert response.status_code == 201


def test_settings_keys_are_named_by_role_and_position() -> None:
    keys = SettingsKeys({Role.ADMIN: ["a1"], Role.PROVIDER: ["p1", "p2"]})
    caller = keys.verify("p2")
    assert caller is not None
    assert (caller.name, caller.role) == ("provider-key-2", Role.PROVIDER)
    assert caller.key_fingerprint == hashlib.sha256(b"p2").hexdigest()[:12]
    admin = keys.verify("a1")
    assert admin is not None
    assert (admin.name, admin.role) == ("admin-key-1", Role.ADMIN)
    assert keys.verify("p3") is None
