"""How a new event changes what is stored; order-independent so late or repeated events are safe.

The store locks the row, reads it, calls these rules and writes the result back; the fake store of
the unit tests calls the same rules, so they are tested once.
"""

from __future__ import annotations

from datetime import datetime

from mdc_contracts.lineage import RunState

from mdc_lineage.errors import InvalidEvent
from mdc_lineage.records import CurrentVersion, RunRecord, RunSnapshot

TERMINAL_STATES = frozenset({RunState.COMPLETE, RunState.FAIL, RunState.ABORT})
# Among events with the same time, the later stage of a run wins.
_STAGE = {RunState.START: 1, RunState.RUNNING: 2, **dict.fromkeys(TERMINAL_STATES, 3)}


def merge_run(current: RunSnapshot | None, record: RunRecord) -> RunSnapshot:
    """The run after `record`: its state is the one of its latest (by eventTime) non-OTHER event,
    whatever order events arrive in; OTHER events only add facets."""
    if current is None:
        current = RunSnapshot(job=record.job, state=RunState.OTHER, state_at=None)
    elif current.job != record.job:
        raise InvalidEvent(
            f"run {record.run_id} belongs to job {current.job.namespace}:{current.job.name},"
            f" not to {record.job.namespace}:{record.job.name}",
            [{"field": "run.runId", "message": "already used by another job"}],
        )
    state, state_at = current.state, current.state_at
    if record.event_type is not RunState.OTHER and _is_later(record, state, state_at):
        state, state_at = record.event_type, record.event_time
    started_at = current.started_at
    if record.event_type in (RunState.START, RunState.RUNNING):
        started_at = min(started_at, record.event_time) if started_at else record.event_time
    return RunSnapshot(
        job=current.job,
        state=state,
        state_at=state_at,
        started_at=started_at,
        ended_at=state_at if state in TERMINAL_STATES else None,
        parent_run_id=current.parent_run_id or record.parent_run_id,
        parent_job=current.parent_job or record.parent_job,
        error_message=record.error_message or current.error_message,
    )


def _is_later(record: RunRecord, state: RunState, state_at: datetime | None) -> bool:
    if state_at is None or record.event_time > state_at:
        return True
    return record.event_time == state_at and _STAGE[record.event_type] > _STAGE.get(state, 0)


def replaces_current_version(current: CurrentVersion | None, candidate: CurrentVersion) -> bool:
    """A dataset that some job writes follows its latest write; one that is only read (a
    source) follows its latest read."""
    if current is None:
        return True
    if candidate.written != current.written:
        return candidate.written
    return candidate.seen_at >= current.seen_at and candidate != current


def replaces_fields(current_at: datetime | None, candidate_at: datetime) -> bool:
    """The latest schema facet (by eventTime) is the dataset's schema."""
    return current_at is None or candidate_at >= current_at
