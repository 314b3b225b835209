"""Consumer access (public or by key) and the audit trail of admin changes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from access_fakes import ADMIN_KEY, HOSTILE, CapturingSession, bearer, compiled_sql
from catalog_fakes import AUTH, FakeAuditLog, FakeRepository, version_created
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mdc_catalog.api.routes.specs import get_spec_review
from mdc_catalog.audit import AuditFilter, SqlAuditLog
from mdc_catalog.status import record_dataset_version

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


# --- every kind of admin change, in one trail ---------------------------------------------

SPEC = {"columns": [{"name": "species", "description": "Species", "unit": "none"}]}
STEP = {
    "name": "penguins_by_species",
    "layer": "aggregate",
    "language": "python",
    "command": "python steps/by_species.py",
    "inputs": ["penguins"],
    "outputs": ["penguins-by-species"],
}
IMPORTED = """\
sources:
- name: seattle-weather
  url: https://data.example.org/weather.csv
steps:
- name: weather_monthly
  layer: aggregate
  language: r
  command: Rscript steps/monthly.R
  inputs: [seattle-weather]
  outputs: [weather-monthly]
"""
JANE, JOHN, ADMIN = "jane.doe", "john.roe", "admin-key-1"  # two providers and the settings key
ROLES = {JANE: "provider", JOHN: "provider", ADMIN: "admin"}
# (actor, action, target type, target, before recorded, after recorded), in order.
TRAIL = [
    (ADMIN, "key.create", "key", "jane-key", False, True),
    (ADMIN, "key.create", "key", "john-key", False, True),
    (JANE, "source.create", "source", "source", False, True),
    (JANE, "source.update", "source", "source", True, True),
    (JANE, "source.pause", "source", "source", True, True),
    (JANE, "source.resume", "source", "source", True, True),
    (JANE, "source.check", "source", "source", True, True),
    (JANE, "spec_draft.create", "spec_draft", "draft", False, True),
    (JANE, "spec_draft.update", "spec_draft", "draft", True, True),
    (JANE, "spec_draft.submit", "spec_draft", "draft", True, True),
    (JOHN, "spec_draft.reject", "spec_draft", "draft", True, True),
    (JANE, "spec_draft.update", "spec_draft", "draft", True, True),
    (JANE, "spec_draft.submit", "spec_draft", "draft", True, True),
    (JOHN, "spec_draft.approve", "spec_draft", "draft", True, True),
    (JOHN, "spec.publish", "spec", "source", False, True),  # version 1: nothing before
    (JANE, "spec_draft.submit", "spec_draft", "put", False, True),  # PUT .../spec, reviewed
    (JOHN, "spec_draft.approve", "spec_draft", "put", True, True),
    (JOHN, "spec.publish", "spec", "source", True, True),
    (JANE, "spec.revert", "spec_draft", "revert", False, True),
    (JOHN, "spec_draft.approve", "spec_draft", "revert", True, True),
    (JOHN, "spec.revert", "spec", "source", True, True),
    (JANE, "spec_draft.create", "spec_draft", "dropped", False, True),
    (JANE, "spec_draft.delete", "spec_draft", "dropped", True, False),
    (JANE, "step.create", "step", "step", False, True),
    (JANE, "step.update", "step", "step", True, True),
    (JANE, "step.delete", "step", "step", True, False),
    (JANE, "source.create", "source", "imported source", False, True),  # once, not twice
    (JANE, "step.create", "step", "imported step", False, True),
    (ADMIN, "key.revoke", "key", "john-key", True, True),
    (JANE, "source.delete", "source", "source", True, True),
]


async def test_every_admin_change_is_audited_once_with_who_what_when_before_after(
    app: FastAPI, client: TestClient, repo: FakeRepository, audit: FakeAuditLog
) -> None:
    app.dependency_overrides[get_spec_review] = lambda: "required"  # approve and reject too
    ids: dict[str, str] = {}

    def call(method: str, path: str, key: str, expected: int, **kwargs: Any) -> Any:
        response = client.request(method, path, headers=bearer(key), **kwargs)
        assert response.status_code == expected, response.text
        return response.json() if response.content else None

    def issue(name: str) -> str:
        issued = call(
            "POST", "/admin/keys", ADMIN_KEY, 201, json={"name": name, "role": "provider"}
        )
        ids[f"{name.split('.')[0]}-key"] = issued["id"]
        key: str = issued["key"]
        return key

    jane, john = issue(JANE), issue(JOHN)
    source = call("POST", "/admin/sources", jane, 201, json=SOURCE)
    ids["source"], source_path = source["id"], f"/admin/sources/{source['id']}"
    call("PATCH", source_path, jane, 200, json={"title": "Penguins"})
    call("POST", f"{source_path}/pause", jane, 200)
    call("POST", f"{source_path}/resume", jane, 200)
    call("POST", f"{source_path}/check", jane, 202)
    await record_dataset_version(repo, version_created(uuid.UUID(source["id"])))

    spec = f"/admin/datasets/{source['id']}/spec"
    # Each write of a draft names the revision it read (409 otherwise).
    draft = call("POST", f"{spec}/drafts", jane, 201, json={"spec": SPEC})
    ids["draft"], url = draft["id"], f"{spec}/drafts/{draft['id']}"
    for key, verb, body in [
        (jane, "PUT", {"spec": {"columns": []}}),
        (jane, "submit", {}),
        (john, "reject", {"comment": "keep the description"}),
        (jane, "PUT", {"spec": SPEC}),
        (jane, "submit", {}),
        (john, "approve", {}),
    ]:
        method, path = ("PUT", url) if verb == "PUT" else ("POST", f"{url}/{verb}")
        draft = call(method, path, key, 200, json={**body, "revision": draft["revision"]})
    for name, method, path, body in [
        ("put", "PUT", spec, {"columns": []}),  # under review: a pending draft (202)
        ("revert", "POST", f"{spec}/revert", {"version": 1}),
    ]:
        pending = call(method, path, jane, 202, json=body)
        ids[name] = pending["id"]
        approval = {"revision": pending["revision"]}
        call("POST", f"{spec}/drafts/{pending['id']}/approve", john, 200, json=approval)
    ids["dropped"] = call("POST", f"{spec}/drafts", jane, 201, json={})["id"]
    call("DELETE", f"{spec}/drafts/{ids['dropped']}", jane, 204)

    ids["step"] = call("POST", "/admin/steps", jane, 201, json=STEP)["id"]
    call("PATCH", f"/admin/steps/{STEP['name']}", jane, 200, json={"owner": "ecology"})
    call("DELETE", f"/admin/steps/{STEP['name']}", jane, 204)

    headers = {**bearer(jane), "Content-Type": "application/yaml"}
    imported = client.post("/admin/import", content=IMPORTED.encode(), headers=headers)
    assert imported.status_code == 200, imported.text
    listed = call("GET", "/admin/sources", jane, 200, params={"name": "seattle-weather"})
    ids["imported source"] = listed["items"][0]["id"]
    ids["imported step"] = call("GET", "/admin/steps/weather_monthly", jane, 200)["id"]

    call("DELETE", f"/admin/keys/{ids['john-key']}", ADMIN_KEY, 204)
    call("DELETE", source_path, jane, 204)

    recorded = [
        (e.actor, e.action, e.target_type, e.target_id, e.before is not None, e.after is not None)
        for e in audit.recorded
    ]
    expected = [
        (actor, action, kind, ids[target], before, after)
        for actor, action, kind, target, before, after in TRAIL
    ]
    assert recorded == expected
    assert [e.role for e in audit.recorded] == [ROLES[e.actor] for e in audit.recorded]
    times = [e.at for e in audit.recorded]
    assert times == sorted(times)
    # The same trail through the API, for the technician's eyes.
    listing = client.get("/admin/audit", params={"limit": 500}, headers=bearer(ADMIN_KEY)).json()
    assert listing["total"] == len(TRAIL)


# --- nothing typed reaches SQL but as a bound parameter -----------------------------------


async def test_audit_listing_filters_are_bound_parameters() -> None:
    session = CapturingSession()
    since = datetime(2026, 1, 1, tzinfo=UTC)
    query = AuditFilter(
        actor=HOSTILE, action=HOSTILE, target_type=HOSTILE, target_id=HOSTILE, since=since
    )
    await SqlAuditLog(session).entries(query)  # type: ignore[arg-type]
    assert len(session.statements) == 2  # the count and the page
    for statement in session.statements:
        sql, params = compiled_sql(statement)
        assert "'1'='1'" not in sql
        assert "DROP" not in sql
        assert params.count(HOSTILE) == 4
        assert since in params


async def test_audit_listing_without_filters_builds_its_statements() -> None:
    # Every filter left out, `since` included (`at >= None` used to raise: a 500 on PostgreSQL).
    session = CapturingSession()
    await SqlAuditLog(session).entries(AuditFilter())  # type: ignore[arg-type]
    for statement in session.statements:
        sql, _ = compiled_sql(statement)
        assert "WHERE" not in sql
