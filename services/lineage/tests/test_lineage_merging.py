import uuid
from datetime import UTC, datetime, timedelta

import pytest
from mdc_contracts.lineage import RunState
from mdc_lineage.errors import InvalidEvent
from mdc_lineage.merging import merge_run, replaces_current_version, replaces_fields
from mdc_lineage.records import CurrentVersion, EntityKey, RunRecord, RunSnapshot

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
JOB = EntityKey("mdc", "standardize")
RUN = uuid.UUID(int=7)


def record(
    state: RunState,
    seconds: int = 0,
    *,
    job: EntityKey = JOB,
    parent_run_id: uuid.UUID | None = None,
    error_message: str | None = None,
) -> RunRecord:
    return RunRecord(
        RUN, job, state, T0 + timedelta(seconds=seconds), parent_run_id, None, error_message
    )


def fold(*records: RunRecord) -> RunSnapshot:
    snapshot: RunSnapshot | None = None
    for r in records:
        snapshot = merge_run(snapshot, r)
    assert snapshot is not None
    return snapshot


def test_a_run_in_order() -> None:
    run = fold(record(RunState.START), record(RunState.RUNNING, 2), record(RunState.COMPLETE, 9))
    assert run.state is RunState.COMPLETE
    assert run.started_at == T0
    assert run.ended_at == T0 + timedelta(seconds=9)


def test_order_of_arrival_does_not_matter() -> None:
    events = [
        record(RunState.START),
        record(RunState.RUNNING, 2),
        record(RunState.FAIL, 9, error_message="boom"),
    ]
    assert fold(*events) == fold(*reversed(events)) == fold(events[2], events[0], events[1])
    assert fold(*reversed(events)).state is RunState.FAIL
    assert fold(*reversed(events)).error_message == "boom"


def test_other_events_add_facets_but_never_change_the_state() -> None:
    run = fold(record(RunState.COMPLETE, 5), record(RunState.OTHER, 60))
    assert run.state is RunState.COMPLETE
    only_other = fold(record(RunState.OTHER, 1))
    assert only_other.state is RunState.OTHER
    assert only_other.state_at is None


def test_same_time_the_later_stage_wins() -> None:
    assert fold(record(RunState.COMPLETE), record(RunState.START)).state is RunState.COMPLETE
    assert fold(record(RunState.START), record(RunState.COMPLETE)).state is RunState.COMPLETE


def test_parent_is_kept_once_known() -> None:
    parent = uuid.uuid4()
    run = fold(record(RunState.START, parent_run_id=parent), record(RunState.COMPLETE, 3))
    assert run.parent_run_id == parent


def test_a_run_id_cannot_move_to_another_job() -> None:
    with pytest.raises(InvalidEvent, match="belongs to job mdc:standardize"):
        fold(record(RunState.START), record(RunState.COMPLETE, job=EntityKey("mdc", "other")))


def test_current_version_follows_writes_then_reads() -> None:
    write = CurrentVersion("v2", T0, written=True)
    later_read = CurrentVersion("v1", T0 + timedelta(hours=1), written=False)
    assert replaces_current_version(None, later_read)
    assert replaces_current_version(later_read, write)  # a write beats any read
    assert not replaces_current_version(write, later_read)
    assert replaces_current_version(write, CurrentVersion("v3", T0 + timedelta(1), True))
    assert not replaces_current_version(write, CurrentVersion("v0", T0 - timedelta(1), True))
    assert not replaces_current_version(write, write)  # nothing to change


def test_latest_schema_wins() -> None:
    assert replaces_fields(None, T0)
    assert replaces_fields(T0, T0 + timedelta(seconds=1))
    assert not replaces_fields(T0, T0 - timedelta(seconds=1))
