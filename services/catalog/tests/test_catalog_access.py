"""Roles and API keys: issuing, listing and revoking keys; who may call what; 401 vs 403."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

import pytest
from access_fakes import ADMIN_KEY, HOSTILE, CapturingSession, FakeKeyStore, bearer, compiled_sql
from catalog_fakes import AUTH, FakeAuditLog, FakeRepository
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mdc_catalog.access import ApiKeyRecord, SqlKeyStore, verify_issued_key
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


# --- every route of the app, walked --------------------------------------------------------

OPEN = "open"  # no key asked for, none checked
CONSUMER = "consumer"  # MDC_CATALOG_CONSUMER_ACCESS: public, or any valid key
Protection = str | frozenset[Role]  # OPEN, CONSUMER, or the roles admitted (admin always is)

# The expected protection by method and path, first match wins. A route that matches no rule
# fails the walk: a new route is classified here before it can pass.
READ = frozenset({"GET"})
PROTECTION: list[tuple[frozenset[str] | None, str, Protection]] = [
    (None, r"/(healthz|metrics|openapi\.json|docs|docs/oauth2-redirect|redoc)", OPEN),
    (READ, r"/datasets(/.*)?", CONSUMER),
    (None, r"/admin/keys(/.*)?", frozenset({Role.ADMIN})),
    (READ, r"/admin/audit(/.*)?", frozenset({Role.TECHNICIAN})),
    (READ, r"/admin/(health|sources)(/.*)?", frozenset({Role.TECHNICIAN, Role.PROVIDER})),
    (None, r"/admin/.+", frozenset({Role.PROVIDER})),  # every other read, and every change
]
NO_KEY, UNKNOWN_KEY, REVOKED_KEY = "no key", "unknown key", "revoked key"
# Operations the walk must reach, so that it cannot pass by walking nothing.
LANDMARKS = {
    ("GET", "/healthz"),
    ("GET", "/datasets/{dataset_id}/jsonld"),  # the exports router, guarded where included
    ("POST", "/admin/sources"),
    ("POST", "/admin/sources/{source_id}/check"),  # check now: provider, not open
    ("POST", "/admin/import"),
    ("DELETE", "/admin/keys/{key_id}"),
    ("GET", "/admin/audit"),
}


def _expected_protection(method: str, path: str) -> Protection | None:
    for methods, pattern, protection in PROTECTION:
        if (methods is None or method in methods) and re.fullmatch(pattern, path):
            return protection
    return None


def _operations(app: FastAPI) -> list[tuple[str, str] | str]:
    """(method, path template) of every route, those of included routers too; a route that
    is not plain HTTP (a mount, a websocket) comes as its repr, to be classified by hand."""
    routes: list[Any]
    try:  # recent FastAPI includes routers lazily: app.routes lists the routers themselves
        from fastapi.routing import iter_route_contexts

        routes = list(iter_route_contexts(app.routes))
    except ImportError:
        routes = list(app.routes)
    found: list[tuple[str, str] | str] = []
    for route in routes:
        methods = getattr(route, "methods", None)
        if not methods:
            found.append(repr(route))
            continue
        found.extend((method, route.path_format) for method in sorted(methods))
    return found


def _concrete(path: str) -> str:
    """The template with values of the right type: ids are UUIDs, versions numbers."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.endswith("id"):
            return str(uuid.uuid4())
        return "1" if name == "version" else "x"

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def _expected_status(protection: Protection, caller: str, consumer_access: str) -> int | None:
    """401 or 403, or None for "admitted" (any answer but 401 and 403)."""
    if protection == OPEN or (protection == CONSUMER and consumer_access == "public"):
        return None
    if caller == NO_KEY:
        return 401
    if caller in (UNKNOWN_KEY, REVOKED_KEY):
        return 403
    if protection == CONSUMER:
        return None  # any valid key reads
    assert isinstance(protection, frozenset)
    return None if Role(caller) in protection | {Role.ADMIN} else 403


def _protection_problems(app: FastAPI, callers: dict[str, str | None]) -> list[str]:
    """Every way in which a route's protection, or its OpenAPI, differs from PROTECTION."""
    client = TestClient(app, raise_server_exceptions=False)
    consumer_access = app.state.settings.consumer_access
    spec = app.openapi()
    problems: list[str] = []
    for operation in _operations(app):
        if isinstance(operation, str):
            problems.append(f"{operation}: not an HTTP route; classify it by hand")
            continue
        method, path = operation
        protection = _expected_protection(method, path)
        if protection is None:
            problems.append(f"{method} {path}: matches no rule of PROTECTION; add one")
            continue
        url = _concrete(path)
        for caller, key in callers.items():
            response = client.request(method, url, headers=bearer(key) if key else {})
            expected = _expected_status(protection, caller, consumer_access)
            if expected is None and response.status_code in (401, 403):
                problems.append(f"{method} {path}: {caller} refused ({response.status_code})")
            elif expected is not None and response.status_code != expected:
                problems.append(
                    f"{method} {path}: {caller} answered {response.status_code}, not {expected}"
                )
            elif expected is not None:
                code = "Unauthorized" if expected == 401 else "Forbidden"
                error = response.json()["error"]
                if error["code"] != code or not error["message"]:
                    problems.append(f"{method} {path}: {caller}: error {error} lacks a reason")
        operation_spec = spec["paths"].get(path, {}).get(method.lower())
        if operation_spec is None:
            continue  # not in the schema (the docs pages themselves)
        security = operation_spec.get("security", [])
        if protection == OPEN:
            if security:
                problems.append(f"{method} {path}: open, but the OpenAPI asks for {security}")
        elif {"ApiKey": []} not in security:
            problems.append(f"{method} {path}: no bearer security in the OpenAPI")
        elif not {"401", "403"} <= operation_spec["responses"].keys():
            problems.append(f"{method} {path}: 401 and 403 not documented")
    return problems


@pytest.fixture
def callers(client: TestClient, keys: dict[str, str]) -> dict[str, str | None]:
    revoked = _issue(client, "leaver", "admin")
    client.delete(f"/admin/keys/{revoked['id']}", headers=bearer(ADMIN_KEY))
    return {
        NO_KEY: None,
        UNKNOWN_KEY: "mdc_admin_" + "x" * 43,
        REVOKED_KEY: revoked["key"],
        **keys,  # one issued key per role
    }


@pytest.mark.parametrize("consumer_access", ["public", "key"])
def test_every_route_has_the_protection_its_path_calls_for(
    app: FastAPI, callers: dict[str, str | None], consumer_access: str
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"consumer_access": consumer_access})
    walked = set(_operations(app))
    assert walked >= LANDMARKS
    scheme = app.openapi()["components"]["securitySchemes"]["ApiKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    problems = _protection_problems(app, callers)
    assert problems == [], "\n".join(problems)


def test_the_walk_finds_an_unprotected_or_unclassified_route(
    app: FastAPI, callers: dict[str, str | None]
) -> None:
    # A path no real route has: the real POST .../check would answer this URL first.
    async def poke(source_id: uuid.UUID) -> dict[str, str]:
        return {"poked": str(source_id)}

    async def anything() -> dict[str, str]:
        return {}

    app.add_api_route("/admin/sources/{source_id}/poke", poke, methods=["POST"])
    app.add_api_route("/internal/anything", anything, methods=["GET"])
    problems = _protection_problems(app, callers)
    assert "POST /admin/sources/{source_id}/poke: no key answered 200, not 401" in problems
    assert "POST /admin/sources/{source_id}/poke: no bearer security in the OpenAPI" in problems
    assert "GET /internal/anything: matches no rule of PROTECTION; add one" in problems
    assert all("/admin/sources/{source_id}/poke" in p or "/internal" in p for p in problems)


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


# --- keys reach SQL only as digests --------------------------------------------------------


class RecordingKeyStore(FakeKeyStore):
    def __init__(self) -> None:
        super().__init__()
        self.looked_up: list[str] = []

    async def by_digest(self, digest: str) -> ApiKeyRecord | None:
        self.looked_up.append(digest)
        return await super().by_digest(digest)


@pytest.mark.parametrize(
    "key", ["x' OR '1'='1", "mdc_admin_' OR 1=1 --", "mdc_admin_x;DROP TABLE api_keys", ""]
)
async def test_a_key_not_of_the_issued_shape_never_reaches_the_store(key: str) -> None:
    store = RecordingKeyStore()
    assert await verify_issued_key(store, key) is None
    assert store.looked_up == []


async def test_an_issued_looking_key_is_looked_up_by_its_digest_only() -> None:
    store = RecordingKeyStore()
    key = "mdc_admin_" + "A-_z9" * 9
    assert await verify_issued_key(store, key) is None
    assert store.looked_up == [hashlib.sha256(key.encode()).hexdigest()]


async def test_key_lookups_bind_their_values() -> None:
    session = CapturingSession()
    store = SqlKeyStore(session)  # type: ignore[arg-type]
    await store.by_digest(HOSTILE)
    await store.by_name(HOSTILE)
    for statement in session.statements:
        sql, params = compiled_sql(statement)
        assert "'1'='1'" not in sql
        assert params == [HOSTILE]
