"""How a new event changes what is stored; order-independent so late or repeated events are safe.

The store locks the row, reads it, calls these rules and writes the result back; the fake store of
the unit tests calls the same rules, so they are tested once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from mdc_contracts.lineage import RunState

from mdc_lineage.errors import InvalidEvent
from mdc_lineage.records import (
    ColumnEdgeRecord,
    ColumnEdgeSnapshot,
    CurrentVersion,
    RunDatasetRecord,
    RunDatasetSnapshot,
    RunRecord,
    RunSnapshot,
)

_T = TypeVar("_T")

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


class EdgeWrite(StrEnum):
    """What an event may do to the job's dataset and column edges."""

    RECORD = "record"  # create the edge, or move its last run on (by eventTime)
    FIRST_SIGHTING = "first_sighting"  # create the edge if it is new, else leave it alone
    SKIP = "skip"  # touch no edge


def edge_write(event_type: RunState) -> EdgeWrite:
    """Edges say what a job reads and writes when it succeeds: a COMPLETE records them; a run
    still under way (START, RUNNING, OTHER) may only introduce an edge nobody reported before,
    so a new job shows up in the graph while it runs; a failed or aborted run changes none."""
    if event_type is RunState.COMPLETE:
        return EdgeWrite.RECORD
    if event_type in TERMINAL_STATES:
        return EdgeWrite.SKIP
    return EdgeWrite.FIRST_SIGHTING


def merge_column_edge(
    current: ColumnEdgeSnapshot | None,
    record: ColumnEdgeRecord,
    run_id: uuid.UUID,
    event_time: datetime,
) -> ColumnEdgeSnapshot:
    """The transformation attributes and the run are those of the latest report by eventTime
    (ties: the later arrival), whatever order events arrive in."""
    if current is None:
        return ColumnEdgeSnapshot(record, run_id, event_time, event_time)
    latest = event_time >= current.last_seen_at
    return ColumnEdgeSnapshot(
        record=record if latest else current.record,
        run_id=run_id if latest else current.run_id,
        first_seen_at=min(current.first_seen_at, event_time),
        last_seen_at=max(current.last_seen_at, event_time),
    )


def merge_run_dataset(
    current: RunDatasetSnapshot | None, record: RunDatasetRecord, event_time: datetime
) -> RunDatasetSnapshot:
    """A run's input or output after one more event of the run: each value is the one the later
    event (by eventTime) reports, and an event that does not report a value never erases one
    (a START announces the version, the COMPLETE brings the statistics).

    Exact for the usual START / RUNNING / COMPLETE sequences in any arrival order; the one
    approximation: only the row's latest eventTime is kept, not one per value."""
    if current is None:
        return RunDatasetSnapshot(record.version, record.row_count, record.byte_count, event_time)
    later = event_time >= current.event_time

    def pick(new: _T | None, old: _T | None) -> _T | None:
        first, second = (new, old) if later else (old, new)
        return first if first is not None else second

    return RunDatasetSnapshot(
        version=pick(record.version, current.version),
        row_count=pick(record.row_count, current.row_count),
        byte_count=pick(record.byte_count, current.byte_count),
        event_time=max(current.event_time, event_time),
    )
