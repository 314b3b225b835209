"""Issue 4: the provider's spec workflow over the API (drafts, review, history, revert, audit)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from catalog_fakes import AUTH, FakeAuditLog, FakeRepository, FakeSpecSink, column, version_created
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mdc_catalog.api.routes.specs import get_spec_review
from mdc_catalog.models import Source
from mdc_catalog.status import record_dataset_version
from mdc_contracts import ValueCount
from spec_fakes import FakeSpecDraftRepository

OTHER = {"Authorization": "Bearer provider-key-2"}
T0 = datetime(2026, 3, 1, tzinfo=UTC)
SPEC = {"columns": [{"name": "species", "description": "Species", "unit": "none"}]}


async def _seed(repo: FakeRepository) -> uuid.UUID:
    source = Source(name="penguins", url="https://data.example.org/penguins.csv")
    repo.sources[source.id] = source
    species = column("species", 0).model_copy(
        update={"top_values": [ValueCount(value=v, count=5) for v in ("a", "b", "c")]}
    )
    event = version_created(source.id, 1, created_at=T0, columns=[species])
    await record_dataset_version(repo, event)
    return source.id


@pytest.fixture
def review_required(app: FastAPI) -> None:
    app.dependency_overrides[get_spec_review] = lambda: "required"


def _actions(audit: FakeAuditLog) -> list[str]:
    return [e.action for e in audit.recorded]


async def test_without_review_a_submitted_draft_is_published(
    client: TestClient,
    repo: FakeRepository,
    spec_sink: FakeSpecSink,
    audit: FakeAuditLog,
) -> None:
    dataset_id = await _seed(repo)
    base = f"/admin/datasets/{dataset_id}/spec"
    created = client.post(f"{base}/drafts", json={"spec": SPEC, "comment": "units"}, headers=AUTH)
    assert created.status_code == 201
    draft = created.json()
    assert (draft["status"], draft["base_version"]) == ("draft", None)
    edited = {"columns": [{"name": "species", "categories": ["a", "b", "c"]}]}
    url = f"{base}/drafts/{draft['id']}"
    assert client.put(url, json={"spec": edited}, headers=AUTH).status_code == 200
    assert spec_sink.events == []  # drafts publish nothing
    submitted = client.post(f"{url}/submit", json={"comment": "species levels"}, headers=AUTH)
    assert submitted.status_code == 200
    assert (submitted.json()["status"], submitted.json()["published_version"]) == ("published", 1)
    [event] = spec_sink.events
    assert event.spec.columns[0].categories == ["a", "b", "c"]
    history = client.get(f"{base}/versions", headers=AUTH).json()["items"]
    assert history[0]["comment"] == "species levels"
    assert history[0]["draft_id"] == draft["id"]
    assert history[0]["author"] == history[0]["created_by"] == event.published_by
    assert _actions(audit) == [
        "spec_draft.create",
        "spec_draft.update",
        "spec_draft.submit",
        "spec.publish",
    ]
    assert {e.target_id for e in audit.recorded[:3]} == {draft["id"]}
    # A published draft is history: it cannot change any more.
    assert client.put(url, json={"spec": SPEC}, headers=AUTH).status_code == 409
    assert client.delete(url, headers=AUTH).status_code == 409


async def test_a_new_draft_starts_from_the_spec_in_force_and_can_be_deleted(
    client: TestClient, repo: FakeRepository, audit: FakeAuditLog
) -> None:
    dataset_id = await _seed(repo)
    base = f"/admin/datasets/{dataset_id}/spec"
    assert client.put(base, json=SPEC, headers=AUTH).status_code == 201
    draft = client.post(f"{base}/drafts", json={}, headers=OTHER).json()
    assert (draft["spec"], draft["base_version"]) == ({**SPEC, **draft["spec"]}, 1)
    assert draft["spec"]["columns"][0]["unit"] == "none"
    listed = client.get(f"{base}/drafts", params={"status": "draft"}, headers=AUTH).json()
    assert [d["id"] for d in listed["items"]] == [draft["id"]]
    assert client.delete(f"{base}/drafts/{draft['id']}", headers=AUTH).status_code == 204
    assert client.get(f"{base}/drafts/{draft['id']}", headers=AUTH).status_code == 404
    assert _actions(audit)[-2:] == ["spec_draft.create", "spec_draft.delete"]
    assert audit.recorded[-1].after is None
    unknown = client.post(f"/admin/datasets/{uuid.uuid4()}/spec/drafts", json={}, headers=AUTH)
    assert unknown.status_code == 404
    bad = client.post(
        f"{base}/drafts", json={"spec": {"columns": [{"name": "x", "ordered": True}]}}, headers=AUTH
    )
    assert bad.status_code == 422


@pytest.mark.usefixtures("review_required")
async def test_review_needs_another_provider_to_approve(
    client: TestClient,
    repo: FakeRepository,
    spec_sink: FakeSpecSink,
    audit: FakeAuditLog,
) -> None:
    dataset_id = await _seed(repo)
    base = f"/admin/datasets/{dataset_id}/spec"
    draft = client.post(f"{base}/drafts", json={"spec": SPEC}, headers=AUTH).json()
    url = f"{base}/drafts/{draft['id']}"
    pending = client.post(f"{url}/submit", json={"comment": "please"}, headers=AUTH)
    assert pending.json()["status"] == "pending_review"
    assert spec_sink.events == []
    assert client.put(url, json={"spec": SPEC}, headers=AUTH).status_code == 409
    own = client.post(f"{url}/approve", json={}, headers=AUTH)
    assert own.status_code == 403
    assert "another provider" in own.json()["error"]["message"]
    assert client.get(url, headers=AUTH).json()["status"] == "pending_review"
    approved = client.post(f"{url}/approve", json={"comment": "ok"}, headers=OTHER)
    assert approved.status_code == 200
    body = approved.json()
    assert (body["status"], body["published_version"]) == ("published", 1)
    assert body["reviewed_by"] not in body["authors"]
    [event] = spec_sink.events
    assert event.spec_version == 1
    version = client.get(f"{base}/versions/1", headers=AUTH).json()
    assert (version["approved_by"], version["comment"]) == (body["reviewed_by"], "please")
    assert version["author"] == body["created_by"]
    assert _actions(audit) == [
        "spec_draft.create",
        "spec_draft.submit",
        "spec_draft.approve",
        "spec.publish",
    ]
    assert audit.recorded[2].actor == audit.recorded[3].actor == body["reviewed_by"]
    assert client.post(f"{url}/approve", json={}, headers=OTHER).status_code == 409


@pytest.mark.usefixtures("review_required")
async def test_a_rejected_draft_goes_back_to_its_author(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink, audit: FakeAuditLog
) -> None:
    dataset_id = await _seed(repo)
    base = f"/admin/datasets/{dataset_id}/spec"
    draft = client.post(f"{base}/drafts", json={"spec": SPEC}, headers=AUTH).json()
    url = f"{base}/drafts/{draft['id']}"
    client.post(f"{url}/submit", json={}, headers=AUTH)
    assert client.post(f"{url}/reject", json={}, headers=OTHER).status_code == 422  # no comment
    assert client.post(f"{url}/reject", json={"comment": "mine"}, headers=AUTH).status_code == 403
    rejected = client.post(f"{url}/reject", json={"comment": "unit is wrong"}, headers=OTHER)
    assert (rejected.json()["status"], rejected.json()["review_comment"]) == (
        "rejected",
        "unit is wrong",
    )
    edited = client.put(url, json={"spec": {"columns": []}}, headers=AUTH)
    assert edited.json()["status"] == "draft"
    assert spec_sink.events == []
    assert _actions(audit)[-2:] == ["spec_draft.reject", "spec_draft.update"]


@pytest.mark.usefixtures("review_required")
async def test_put_spec_under_review_answers_202_with_a_pending_draft(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink
) -> None:
    dataset_id = await _seed(repo)
    answer = client.put(f"/admin/datasets/{dataset_id}/spec", json=SPEC, headers=AUTH)
    assert answer.status_code == 202
    assert answer.json()["status"] == "pending_review"
    assert spec_sink.events == []
    assert repo.specs == []


async def test_a_draft_over_an_outdated_spec_is_refused_until_rebased(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink
) -> None:
    dataset_id = await _seed(repo)
    base = f"/admin/datasets/{dataset_id}/spec"
    draft = client.post(f"{base}/drafts", json={"spec": SPEC}, headers=AUTH).json()
    client.put(base, json={"columns": []}, headers=OTHER)  # someone publishes meanwhile
    url = f"{base}/drafts/{draft['id']}"
    stale = client.post(f"{url}/submit", json={}, headers=AUTH)
    assert stale.status_code == 409
    assert "update the draft" in stale.json()["error"]["message"]
    assert client.get(url, headers=AUTH).json()["status"] == "draft"
    rebased = client.put(url, json={"spec": SPEC}, headers=AUTH).json()
    assert rebased["base_version"] == 1
    assert client.post(f"{url}/submit", json={}, headers=AUTH).json()["published_version"] == 2
    assert len(spec_sink.events) == 2


async def test_revert_publishes_an_old_version_as_a_new_one_and_diff_shows_fields(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink, audit: FakeAuditLog
) -> None:
    dataset_id = await _seed(repo)
    base = f"/admin/datasets/{dataset_id}/spec"
    client.put(base, json=SPEC, headers=AUTH)
    changed = {"columns": [{"name": "species", "description": "Kind", "unit": "none"}]}
    client.put(base, json=changed, headers=AUTH)
    diff = client.get(f"{base}/diff", params={"from": 1, "to": 2}, headers=AUTH).json()
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
    assert client.get(f"{base}/diff", headers=AUTH).json() == diff  # latest vs the one before
    reverted = client.post(f"{base}/revert", json={"version": 1}, headers=AUTH)
    assert reverted.status_code == 201
    body = reverted.json()
    assert (body["version"], body["reverted_from"], body["spec"]) == (
        3,
        1,
        client.get(f"{base}/versions/1", headers=AUTH).json()["spec"],
    )
    assert body["comment"] == "revert to version 1"
    assert spec_sink.events[-1].spec_version == 3
    assert audit.recorded[-1].action == "spec.revert"
    assert audit.recorded[-1].before is not None
    assert audit.recorded[-1].before["version"] == 2
    again = client.post(f"{base}/revert", json={"version": 1}, headers=AUTH)
    assert again.status_code == 409  # already the content in force
    assert client.post(f"{base}/revert", json={"version": 9}, headers=AUTH).status_code == 404
    assert client.get(f"{base}/versions/9", headers=AUTH).status_code == 404


@pytest.mark.usefixtures("review_required")
async def test_revert_under_review_is_a_pending_draft(
    client: TestClient, repo: FakeRepository, spec_drafts: FakeSpecDraftRepository
) -> None:
    dataset_id = await _seed(repo)
    base = f"/admin/datasets/{dataset_id}/spec"
    for spec in (SPEC, {"columns": []}):
        draft = client.put(base, json=spec, headers=AUTH).json()
        client.post(f"{base}/drafts/{draft['id']}/approve", json={}, headers=OTHER)
    queued = client.post(f"{base}/revert", json={"version": 1}, headers=AUTH)
    assert queued.status_code == 202
    assert (queued.json()["status"], queued.json()["reverted_from"]) == ("pending_review", 1)
    approved = client.post(
        f"{base}/drafts/{queued.json()['id']}/approve", json={}, headers=OTHER
    ).json()
    assert approved["published_version"] == 3
    assert client.get(f"{base}/versions/3", headers=AUTH).json()["reverted_from"] == 1
    assert len(spec_drafts.published) == 3


async def test_preview_answers_the_schema_and_changes_nothing(
    client: TestClient,
    repo: FakeRepository,
    spec_sink: FakeSpecSink,
    audit: FakeAuditLog,
    spec_drafts: FakeSpecDraftRepository,
) -> None:
    dataset_id = await _seed(repo)
    base = f"/admin/datasets/{dataset_id}/spec"
    spec = {
        "columns": [{"name": "species", "rename_to": "kind", "categories": ["a", "b"]}],
        "select": ["kind", "missing"],
    }
    draft = client.post(f"{base}/drafts", json={"spec": spec}, headers=AUTH).json()
    commits, recorded = repo.commits, len(audit.recorded)
    drafts_before = {k: v.model_copy() for k, v in spec_drafts.drafts.items()}
    by_draft = client.post(f"{base}/preview", json={"draft_id": draft["id"]}, headers=AUTH)
    by_body = client.post(f"{base}/preview", json={"spec": spec}, headers=AUTH)
    assert by_draft.status_code == by_body.status_code == 200
    assert by_draft.json() == by_body.json()
    preview = by_body.json()
    assert [c["name"] for c in preview["columns"]] == ["kind"]
    assert {e["code"] for e in preview["errors"]} == {"values_outside_categories", "select_missing"}
    assert (repo.commits, len(audit.recorded), spec_sink.events) == (commits, recorded, [])
    assert spec_drafts.drafts == drafts_before
    both = client.post(
        f"{base}/preview", json={"spec": spec, "draft_id": draft["id"]}, headers=AUTH
    )
    assert both.status_code == 422
    no_version = Source(name="later", url="https://data.example.org/later.csv")
    repo.sources[no_version.id] = no_version
    early = client.post(
        f"/admin/datasets/{no_version.id}/spec/preview", json={"spec": spec}, headers=AUTH
    )
    assert early.status_code == 409
    assert client.post(f"{base}/preview", json={"spec": spec}).status_code == 401
