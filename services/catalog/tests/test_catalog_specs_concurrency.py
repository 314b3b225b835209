"""Issue 4: providers working on one spec at once (draft revisions, stale bases, racing
publications, row locks) and a publication made while Kafka is down."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from catalog_fakes import AUTH, FakeAuditLog, FakeRepository, FakeSpecSink
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mdc_catalog.api.deps import get_repository
from mdc_catalog.api.routes.specs import get_spec_review, get_spec_sink
from mdc_catalog.models import DatasetSpecRecord
from mdc_catalog.spec_drafts import SpecDraft, SqlSpecDraftRepository
from mdc_catalog.specs import announce_pending
from spec_fakes import (
    SECOND_PROVIDER,
    BrokenSpecSink,
    FakeSpecDraftRepository,
    SpecDesk,
    seed_dataset,
)

SPEC = {"columns": [{"name": "species", "unit": "none"}]}
OTHER_SPEC = {"columns": [{"name": "species", "description": "Species"}]}


@pytest.fixture
def review_required(app: FastAPI) -> None:
    app.dependency_overrides[get_spec_review] = lambda: "required"


async def _desks(client: TestClient, repo: FakeRepository) -> tuple[SpecDesk, SpecDesk]:
    dataset_id = await seed_dataset(repo)
    return SpecDesk(client, dataset_id, AUTH), SpecDesk(client, dataset_id, SECOND_PROVIDER)


async def test_two_providers_editing_one_draft_the_second_gets_409(
    client: TestClient, repo: FakeRepository, audit: FakeAuditLog
) -> None:
    me, other = await _desks(client, repo)
    draft = me.create(SPEC).json()
    mine_read, theirs_read = me.get(draft).json(), other.get(draft).json()
    assert me.edit(mine_read, {"columns": []}).json()["revision"] == 2
    recorded = len(audit.recorded)
    late = other.edit(theirs_read, OTHER_SPEC)
    assert late.status_code == 409
    assert "revision 1, now 2" in late.json()["error"]["message"]
    assert me.get(draft).json()["spec"]["columns"] == []  # the first edit stands
    assert len(audit.recorded) == recorded  # a refused write is not a change
    fresh = other.get(draft).json()
    assert other.edit(fresh, OTHER_SPEC).json()["revision"] == 3
    unnamed = client.put(f"{me.base}/drafts/{draft['id']}", json={"spec": SPEC}, headers=AUTH)
    assert unnamed.status_code == 422  # an edit names the revision it was made from


async def test_submitting_a_revision_that_moved_on_is_refused(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink
) -> None:
    me, other = await _desks(client, repo)
    draft = me.create(SPEC).json()
    other.edit(draft, OTHER_SPEC)
    assert me.act("submit", draft).status_code == 409  # what I read is not what is there
    assert spec_sink.events == []


@pytest.mark.usefixtures("review_required")
async def test_approving_a_draft_that_changed_after_review_started_is_refused(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink
) -> None:
    me, reviewer = await _desks(client, repo)
    pending = me.act("submit", me.create(SPEC).json()).json()
    under_review = reviewer.get(pending).json()  # the reviewer starts reading
    withdrawn = me.edit(pending, OTHER_SPEC).json()  # the author changes it meanwhile
    assert withdrawn["status"] == "draft"  # editing withdraws it from review
    resubmitted = me.act("submit", withdrawn).json()
    assert resubmitted["status"] == "pending_review"
    stale = reviewer.act("approve", under_review)
    assert stale.status_code == 409
    assert "changed since you read it" in stale.json()["error"]["message"]
    assert reviewer.act("reject", under_review, comment="no").status_code == 409
    assert (spec_sink.events, repo.specs) == ([], [])
    approved = reviewer.act("approve", reviewer.get(pending).json())
    assert approved.status_code == 200
    assert spec_sink.events[0].spec.columns[0].description == "Species"


async def test_a_draft_over_an_outdated_spec_is_refused_until_rebased(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink
) -> None:
    me, other = await _desks(client, repo)
    draft = me.create(SPEC).json()
    assert other.publish(OTHER_SPEC).status_code == 201  # someone publishes meanwhile
    stale = me.act("submit", draft)
    assert stale.status_code == 409
    assert "base_version=1" in stale.json()["error"]["message"]
    # Editing alone does not rebase: the content may still undo version 1.
    edited = me.edit(draft, SPEC).json()
    assert edited["base_version"] is None
    assert me.act("submit", edited).status_code == 409
    assert me.edit(edited, SPEC, base_version=9).status_code == 404  # no such version
    merged = {"columns": [{"name": "species", "unit": "none", "description": "Species"}]}
    rebased = me.edit(edited, merged, base_version=1).json()
    assert (rebased["base_version"], rebased["status"]) == (1, "draft")
    assert me.act("submit", rebased).json()["published_version"] == 2
    assert [e.spec_version for e in spec_sink.events] == [1, 2]


@pytest.mark.usefixtures("review_required")
async def test_of_two_pending_drafts_on_one_base_only_the_first_approved_publishes(
    client: TestClient, repo: FakeRepository, spec_sink: FakeSpecSink
) -> None:
    me, reviewer = await _desks(client, repo)
    first = me.act("submit", me.create(SPEC).json()).json()
    second = me.act("submit", me.create(OTHER_SPEC).json()).json()
    assert reviewer.act("approve", first).status_code == 200
    late = reviewer.act("approve", second)
    assert late.status_code == 409
    assert me.get(second).json()["status"] == "pending_review"
    # The author merges version 1 into the pending draft (which withdraws it) and resubmits.
    merged = {"columns": [{"name": "species", "unit": "none", "description": "Species"}]}
    rebased = me.edit(second, merged, base_version=1).json()
    pending = me.act("submit", rebased).json()
    assert reviewer.act("approve", pending).json()["published_version"] == 2
    assert [e.spec_version for e in spec_sink.events] == [1, 2]


class RacingRepository(FakeRepository):
    """Another request commits a spec version between our check and our numbering lock."""

    def __init__(self) -> None:
        super().__init__()
        self.rollbacks = 0
        self.staged: list[DatasetSpecRecord] = []

    async def add_spec(self, record: DatasetSpecRecord) -> DatasetSpecRecord:
        if not self.specs:  # the racing request wins
            await super().add_spec(record.model_copy(update={"created_by": "racer"}))
        self.staged.append(record)
        return await super().add_spec(record)

    async def rollback(self) -> None:
        self.specs = [r for r in self.specs if r not in self.staged]
        self.rollbacks += 1
        await super().rollback()


async def test_a_publication_racing_another_is_refused_and_rolled_back(
    app: FastAPI,
    client: TestClient,
    spec_sink: FakeSpecSink,
    spec_drafts: FakeSpecDraftRepository,
    audit: FakeAuditLog,
) -> None:
    racing_repo = RacingRepository()
    app.dependency_overrides[get_repository] = lambda: racing_repo
    me, _ = await _desks(client, racing_repo)
    draft = me.create(SPEC).json()
    recorded = len(audit.recorded)
    raced = me.act("submit", draft)
    assert raced.status_code == 409
    assert racing_repo.rollbacks == 1
    assert [r.created_by for r in racing_repo.specs] == ["racer"]  # ours was rolled back
    assert (spec_sink.events, spec_drafts.published) == ([], [])
    assert me.get(draft).json()["status"] == "draft"
    assert [e.action for e in audit.recorded[recorded:]] == []


async def test_every_draft_write_locks_the_draft_row(
    client: TestClient, repo: FakeRepository, spec_drafts: FakeSpecDraftRepository
) -> None:
    me, _ = await _desks(client, repo)
    draft = me.create(SPEC).json()
    me.get(draft)
    assert spec_drafts.locked == []  # reads do not lock
    edited = me.edit(draft, OTHER_SPEC).json()
    me.act("submit", edited)
    assert spec_drafts.locked == [uuid.UUID(draft["id"])] * 2


class RecordingSession:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def get(self, entity: type, ident: Any, **options: Any) -> None:
        self.calls.append({"entity": entity, **options})


async def test_the_sql_repository_reads_a_draft_to_write_for_update() -> None:
    session = RecordingSession()
    drafts = SqlSpecDraftRepository(session)  # type: ignore[arg-type]
    draft_id = uuid.uuid4()
    await drafts.get_draft(draft_id)
    await drafts.get_draft(draft_id, for_update=True)
    plain, locked = session.calls
    assert plain == {"entity": SpecDraft}
    # populate_existing: the row as committed by whoever held the lock, not a cached copy.
    assert locked == {"entity": SpecDraft, "with_for_update": True, "populate_existing": True}


async def test_a_spec_published_while_kafka_is_down_reaches_the_profiler_later(
    app: FastAPI, client: TestClient, repo: FakeRepository, spec_drafts: FakeSpecDraftRepository
) -> None:
    broken = BrokenSpecSink()
    app.dependency_overrides[get_spec_sink] = lambda: broken
    me, _ = await _desks(client, repo)
    published = me.publish(SPEC)
    assert published.status_code == 201  # committed: the provider must not publish it twice
    assert me.read().json()["version"] == 1
    [publication] = spec_drafts.published
    assert publication.announced_at is None
    # Within the settle time the publishing request is left to announce it itself.
    assert await announce_pending(repo, spec_drafts, broken) == 0
    broken.up = True
    assert await announce_pending(repo, spec_drafts, broken, settle_seconds=0) == 1
    [event] = broken.events
    assert (event.spec_version, event.spec.columns[0].unit) == (1, "none")
    assert publication.announced_at is not None
    assert await announce_pending(repo, spec_drafts, broken, settle_seconds=0) == 0


async def test_a_spec_announced_at_once_is_not_announced_again(
    client: TestClient,
    repo: FakeRepository,
    spec_sink: FakeSpecSink,
    spec_drafts: FakeSpecDraftRepository,
) -> None:
    me, _ = await _desks(client, repo)
    me.publish(SPEC)
    assert spec_drafts.published[0].announced_at is not None
    assert await announce_pending(repo, spec_drafts, spec_sink, settle_seconds=0) == 0
    assert len(spec_sink.events) == 1
