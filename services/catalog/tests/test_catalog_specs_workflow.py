"""Issue 4: the provider's spec workflow over the API (drafts, review, history, diff, revert,
audit, the event the profiler receives)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from catalog_fakes import AUTH, FakeAuditLog, FakeRepository, FakeSpecSink
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mdc_catalog.api.routes.specs import get_spec_review
from mdc_contracts import deterministic_id
from spec_fakes import SECOND_PROVIDER, FakeSpecDraftRepository, SpecDesk, seed_dataset

SPEC = {"columns": [{"name": "species", "description": "Species", "unit": "none"}]}
FIRST, SECOND = "provider-key-1", "provider-key-2"  # the settings keys' names: audit actors


@pytest.fixture
def review_required(app: FastAPI) -> None:
    app.dependency_overrides[get_spec_review] = lambda: "required"


async def _desks(client: TestClient, repo: FakeRepository) -> tuple[SpecDesk, SpecDesk]:
    dataset_id = await seed_dataset(repo)
    return SpecDesk(client, dataset_id, AUTH), SpecDesk(client, dataset_id, SECOND_PROVIDER)


def _actions(audit: FakeAuditLog) -> list[str]:
    return [e.action for e in audit.recorded]


async def test_without_review_a_submitted_draft_is_published(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink, audit: FakeAuditLog
) -> None:
    me, _ = await _desks(client, repo)
    created = me.create(SPEC, comment="units")
    assert created.status_code == 201
    draft = created.json()
    assert (draft["status"], draft["base_version"], draft["revision"]) == ("draft", None, 1)
    levels = {"columns": [{"name": "species", "categories": ["a", "b", "c"]}]}
    edited = me.edit(draft, levels)
    assert (edited.status_code, edited.json()["revision"]) == (200, 2)
    assert spec_sink.events == []  # drafts publish nothing
    submitted = me.act("submit", edited.json(), comment="species levels")
    assert submitted.status_code == 200
    body = submitted.json()
    assert (body["status"], body["published_version"], body["revision"]) == ("published", 1, 3)
    [event] = spec_sink.events
    assert event.spec.columns[0].categories == ["a", "b", "c"]
    [version] = me.read("/versions").json()["items"]
    assert (version["comment"], version["draft_id"]) == ("species levels", draft["id"])
    assert version["authors"] == [FIRST]
    assert version["created_by"] == event.published_by == FIRST
    assert _actions(audit) == [
        "spec_draft.create",
        "spec_draft.update",
        "spec_draft.submit",
        "spec.publish",
    ]
    assert {e.target_id for e in audit.recorded[:3]} == {draft["id"]}
    assert {e.actor for e in audit.recorded} == {FIRST}
    # A published draft is history: it cannot change any more.
    assert me.edit(body, SPEC).status_code == 409
    url = f"{me.base}/drafts/{draft['id']}"
    assert client.delete(url, headers=AUTH).status_code == 409


async def test_a_new_draft_starts_from_the_spec_in_force_and_can_be_deleted(
    client: TestClient, repo: FakeRepository, audit: FakeAuditLog
) -> None:
    me, other = await _desks(client, repo)
    assert me.publish(SPEC).status_code == 201
    draft = other.create().json()
    assert (draft["spec"]["columns"][0]["unit"], draft["base_version"]) == ("none", 1)
    listed = me.read("/drafts", status="draft").json()
    assert [d["id"] for d in listed["items"]] == [draft["id"]]
    assert me.read("/drafts", status="pending_review").json()["items"] == []
    url = f"{me.base}/drafts/{draft['id']}"
    assert client.delete(url, params={"revision": 7}, headers=AUTH).status_code == 409
    assert client.delete(url, params={"revision": 1}, headers=AUTH).status_code == 204
    assert me.get(draft).status_code == 404
    assert _actions(audit)[-2:] == ["spec_draft.create", "spec_draft.delete"]
    assert (audit.recorded[-1].actor, audit.recorded[-1].after) == (FIRST, None)
    assert audit.recorded[-1].before is not None
    unknown = client.post(f"/admin/datasets/{uuid.uuid4()}/spec/drafts", json={}, headers=AUTH)
    assert unknown.status_code == 404
    invalid = me.create({"columns": [{"name": "x", "ordered": True}]})
    assert invalid.status_code == 422
    assert "categories" in invalid.text  # ordered needs levels: the field is named


@pytest.mark.usefixtures("review_required")
async def test_review_needs_another_provider_to_approve(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink, audit: FakeAuditLog
) -> None:
    me, reviewer = await _desks(client, repo)
    draft = me.create(SPEC).json()
    pending = me.act("submit", draft, comment="please").json()
    assert pending["status"] == "pending_review"
    assert spec_sink.events == []
    own = me.act("approve", pending)
    assert own.status_code == 403
    assert "another provider" in own.json()["error"]["message"]
    assert me.get(draft).json()["status"] == "pending_review"
    unnamed = client.post(
        f"{me.base}/drafts/{draft['id']}/approve", json={}, headers=SECOND_PROVIDER
    )
    assert unnamed.status_code == 422  # a reviewer names the revision they reviewed
    approved = reviewer.act("approve", pending, comment="ok")
    assert approved.status_code == 200
    body = approved.json()
    assert (body["status"], body["published_version"]) == ("published", 1)
    assert (body["reviewed_by"], body["review_comment"], body["authors"]) == (SECOND, "ok", [FIRST])
    [event] = spec_sink.events
    assert event.spec_version == 1
    version = me.read("/versions/1").json()
    assert (version["approved_by"], version["comment"], version["authors"]) == (
        SECOND,
        "please",
        [FIRST],
    )
    assert _actions(audit) == [
        "spec_draft.create",
        "spec_draft.submit",
        "spec_draft.approve",
        "spec.publish",
    ]
    assert [e.actor for e in audit.recorded] == [FIRST, FIRST, SECOND, SECOND]
    assert reviewer.act("approve", body).status_code == 409  # already published


@pytest.mark.usefixtures("review_required")
async def test_an_editor_of_a_draft_cannot_approve_it(
    client: TestClient, repo: FakeRepository
) -> None:
    me, other = await _desks(client, repo)
    draft = me.create(SPEC).json()
    edited = other.edit(draft, {"columns": []}).json()  # the second provider co-writes it
    pending = me.act("submit", edited).json()
    assert pending["authors"] == [FIRST, SECOND]
    assert other.act("approve", pending).status_code == 403
    assert other.act("reject", pending, comment="mine").status_code == 403


@pytest.mark.usefixtures("review_required")
async def test_a_rejected_draft_goes_back_to_its_author(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink, audit: FakeAuditLog
) -> None:
    me, reviewer = await _desks(client, repo)
    pending = me.act("submit", me.create(SPEC).json()).json()
    assert reviewer.act("reject", pending).status_code == 422  # no comment
    assert me.act("reject", pending, comment="mine").status_code == 403
    rejected = reviewer.act("reject", pending, comment="unit is wrong").json()
    assert (rejected["status"], rejected["review_comment"], rejected["reviewed_by"]) == (
        "rejected",
        "unit is wrong",
        SECOND,
    )
    assert reviewer.act("approve", rejected).status_code == 409  # not pending any more
    edited = me.edit(rejected, {"columns": []}).json()
    assert edited["status"] == "draft"
    assert spec_sink.events == []
    assert _actions(audit)[-2:] == ["spec_draft.reject", "spec_draft.update"]
    assert audit.recorded[-2].actor == SECOND


@pytest.mark.usefixtures("review_required")
async def test_put_spec_under_review_answers_202_with_a_pending_draft(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink
) -> None:
    me, reviewer = await _desks(client, repo)
    answer = me.publish(SPEC)
    assert answer.status_code == 202
    assert answer.json()["status"] == "pending_review"
    assert (spec_sink.events, repo.specs) == ([], [])
    assert reviewer.act("approve", answer.json()).status_code == 200
    assert [e.spec_version for e in spec_sink.events] == [1]


async def test_history_lists_versions_newest_first_with_who_and_when(
    client: TestClient, repo: FakeRepository
) -> None:
    me, other = await _desks(client, repo)
    assert me.read("/versions").json() == {"items": [], "total": 0}
    assert me.read().status_code == 404  # no spec in force yet
    me.publish(SPEC)
    other.publish({"columns": []})
    page = me.read("/versions").json()
    assert page["total"] == 2
    newest, oldest = page["items"]
    assert (newest["version"], newest["created_by"]) == (2, SECOND)
    assert (oldest["version"], oldest["created_by"], oldest["spec"]) == (1, FIRST, SPEC_FULL)
    assert newest["created_at"] >= oldest["created_at"]
    assert me.read().json()["version"] == 2  # the spec in force
    ghost = client.get(f"/admin/datasets/{uuid.uuid4()}/spec/versions", headers=AUTH)
    assert ghost.status_code == 404


SPEC_FULL = {
    "columns": [
        {
            "name": "species",
            "rename_to": None,
            "dtype": None,
            "stat_type": None,
            "categories": None,
            "ordered": False,
            "date_format": None,
            "null_tokens": None,
            "unit": "none",
            "description": "Species",
            "pii": False,
        }
    ],
    "select": None,
    "null_tokens": [],
    "sheet": None,
    "encoding": None,
    "delimiter": None,
    "header_row": None,
    "description": None,
}


async def test_diff_between_any_two_versions(client: TestClient, repo: FakeRepository) -> None:
    me, _ = await _desks(client, repo)
    me.publish(SPEC)
    me.publish({"columns": [{"name": "species", "description": "Kind", "unit": "none"}]})
    me.publish({"columns": [{"name": "species", "description": "Kind", "pii": True}]})
    diff = me.read("/diff", **{"from": 1, "to": 2}).json()
    assert diff["changes"] == [
        {
            "kind": "changed",
            "path": "columns[species].description",
            "column": "species",
            "field": "description",
            "before": "Species",
            "after": "Kind",
        }
    ]
    latest = me.read("/diff").json()  # the latest against the one before
    assert (latest["from_version"], latest["to_version"]) == (2, 3)
    across = me.read("/diff", **{"from": 1, "to": 3}).json()
    assert {c["path"] for c in across["changes"]} == {
        "columns[species].description",
        "columns[species].unit",
        "columns[species].pii",
    }
    backwards = me.read("/diff", **{"from": 3, "to": 1}).json()
    assert {(c["path"], c["after"]) for c in backwards["changes"]} >= {
        ("columns[species].pii", False)
    }
    assert me.read("/diff", **{"from": 1, "to": 9}).status_code == 404


async def test_revert_publishes_an_old_version_as_a_new_one(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink, audit: FakeAuditLog
) -> None:
    me, _ = await _desks(client, repo)
    me.publish(SPEC)
    me.publish({"columns": []})
    reverted = client.post(f"{me.base}/revert", json={"version": 1}, headers=AUTH)
    assert reverted.status_code == 201
    body = reverted.json()
    assert (body["version"], body["reverted_from"], body["comment"]) == (
        3,
        1,
        "revert to version 1",
    )
    assert body["spec"] == me.read("/versions/1").json()["spec"]
    assert me.read("/diff", **{"from": 1, "to": 3}).json()["changes"] == []
    assert (spec_sink.events[-1].spec_version, spec_sink.events[-1].spec.columns[0].unit) == (
        3,
        "none",
    )
    entry = audit.recorded[-1]
    assert (entry.action, entry.actor, entry.target_id) == (
        "spec.revert",
        FIRST,
        body["dataset_id"],
    )
    assert (entry.before or {}).get("version") == 2
    again = client.post(f"{me.base}/revert", json={"version": 1}, headers=AUTH)
    assert again.status_code == 409  # already the content in force
    assert client.post(f"{me.base}/revert", json={"version": 9}, headers=AUTH).status_code == 404
    assert me.read("/versions/9").status_code == 404


@pytest.mark.usefixtures("review_required")
async def test_revert_under_review_is_a_pending_draft(
    client: TestClient, repo: FakeRepository, spec_drafts: FakeSpecDraftRepository
) -> None:
    me, reviewer = await _desks(client, repo)
    specs: list[dict[str, Any]] = [SPEC, {"columns": []}]
    for spec in specs:
        reviewer.act("approve", me.publish(spec).json())
    queued = client.post(f"{me.base}/revert", json={"version": 1}, headers=AUTH)
    assert queued.status_code == 202
    assert (queued.json()["status"], queued.json()["reverted_from"]) == ("pending_review", 1)
    assert me.read().json()["version"] == 2  # nothing published yet
    assert reviewer.act("approve", queued.json()).json()["published_version"] == 3
    assert me.read("/versions/3").json()["reverted_from"] == 1
    assert len(spec_drafts.published) == 3


async def test_the_published_event_is_what_the_profiler_applies(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink
) -> None:
    me, _ = await _desks(client, repo)
    me.publish(SPEC)
    [event] = spec_sink.events
    dataset_id = uuid.UUID(me.base.split("/")[3])
    assert (event.dataset_id, event.dataset_name, event.spec_version) == (
        dataset_id,
        "penguins",
        1,
    )
    assert event.spec.model_dump(mode="json") == SPEC_FULL
    # Deterministic: a repeat of the same version is the same event, deduplicated downstream.
    assert event.event_id == deterministic_id("dataset-spec", dataset_id, 1)


# --- bare POSTs: no body where nothing is needed, a 422 naming what is ------------------------


async def test_a_bare_submit_publishes_without_review(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink
) -> None:
    me, _ = await _desks(client, repo)
    draft = me.create(SPEC).json()
    submitted = client.post(f"{me.base}/drafts/{draft['id']}/submit", headers=AUTH)  # no body
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "published"
    assert len(spec_sink.events) == 1


@pytest.mark.usefixtures("review_required")
async def test_bare_approve_and_reject_are_422_naming_the_fields_they_need(
    client: TestClient, repo: FakeRepository
) -> None:
    me, reviewer = await _desks(client, repo)
    draft = me.create(SPEC).json()
    url = f"{me.base}/drafts/{draft['id']}"
    pending = client.post(f"{url}/submit", headers=AUTH, json=None)  # `null` counts as bare
    assert pending.status_code == 200, pending.text
    assert pending.json()["status"] == "pending_review"
    for verb, needed in (("approve", ["revision"]), ("reject", ["revision", "comment"])):
        bare = client.post(f"{url}/{verb}", headers=SECOND_PROVIDER)
        assert bare.status_code == 422, bare.text
        detail = bare.json()["detail"]
        assert [(d["loc"], d["msg"]) for d in detail] == [
            (["body", name], "Field required") for name in needed
        ]
    assert me.get(draft).json()["status"] == "pending_review"  # nothing happened

    rejected = reviewer.act("reject", pending.json(), comment="no").json()
    again = reviewer.act("reject", rejected, comment="still no")
    assert again.status_code == 409
    assert "can be rejected (this one: rejected)" in again.json()["error"]["message"]


def test_the_openapi_says_which_review_bodies_are_required(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    base = "/admin/datasets/{dataset_id}/spec/drafts/{draft_id}"
    required = {
        verb: paths[f"{base}/{verb}"]["post"]["requestBody"].get("required", False)
        for verb in ("submit", "approve", "reject")
    }
    assert required == {"submit": False, "approve": True, "reject": True}
