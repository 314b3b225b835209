"""The events one check produces, built once and stored in the outbox (stable ids on re-send)."""

from __future__ import annotations

import uuid
from datetime import datetime

from mdc_common.lineage import raw_dataset, run_event, source_dataset
from mdc_contracts import (
    CheckFailure,
    CheckOutcome,
    RunState,
    SourceChanged,
    SourceChecked,
    Topic,
    deterministic_id,
)

from mdc_change_detector.config import SERVICE
from mdc_change_detector.ports import NewVersion, OutgoingEvent, WatchedSource


def download_job(source_name: str) -> str:
    return f"change-detector.download.{source_name}"


def check_events(
    source: WatchedSource,
    *,
    check_id: uuid.UUID,
    started_at: datetime,
    checked_at: datetime,
    outcome: CheckOutcome,
    duration_ms: float,
    consecutive_failures: int,
    sha256: str | None = None,
    failure: CheckFailure | None = None,
    new_version: NewVersion | None = None,
) -> list[OutgoingEvent]:
    key = str(source.source_id)
    # A change's events share its id as correlation id; other checks get their own id.
    correlation_id = new_version.change_id if new_version else check_id
    events: list[OutgoingEvent] = []
    if new_version is not None:
        events.append(
            OutgoingEvent.of(Topic.SOURCE_CHANGES, source_changed(source, new_version), key)
        )
    events.append(
        OutgoingEvent.of(
            Topic.SOURCE_CHECKS,
            SourceChecked(
                event_id=deterministic_id("SourceChecked", check_id),
                producer=SERVICE,
                correlation_id=correlation_id,
                source_id=source.source_id,
                url=source.url,
                outcome=outcome,
                checked_at=checked_at,
                duration_ms=duration_ms,
                sha256=sha256,
                change_id=new_version.change_id if new_version else None,
                failure=failure,
                consecutive_failures=consecutive_failures,
            ),
            key,
        )
    )
    events += lineage_events(
        source,
        check_id=check_id,
        started_at=started_at,
        checked_at=checked_at,
        failure=failure,
        new_version=new_version,
    )
    return events


def source_changed(source: WatchedSource, version: NewVersion) -> SourceChanged:
    return SourceChanged(
        event_id=deterministic_id("SourceChanged", version.change_id),
        producer=SERVICE,
        correlation_id=version.change_id,
        occurred_at=version.detected_at,
        change_id=version.change_id,
        source_id=source.source_id,
        source_name=source.name,
        url=source.url,
        raw_uri=version.raw_uri,
        sha256=version.sha256,
        size_bytes=version.size_bytes,
        content_type=version.content_type,
        etag=version.etag,
        last_modified=version.last_modified,
        detected_at=version.detected_at,
    )


def lineage_events(
    source: WatchedSource,
    *,
    check_id: uuid.UUID,
    started_at: datetime,
    checked_at: datetime,
    failure: CheckFailure | None,
    new_version: NewVersion | None,
) -> list[OutgoingEvent]:
    """START+COMPLETE for a real change, FAIL for a failed check, nothing for 'unchanged'."""
    job = download_job(source.name)
    inputs = [source_dataset(source.url)]
    if new_version is not None:
        outputs = [raw_dataset(source.name, new_version.sha256)]
        return [
            OutgoingEvent.of(
                Topic.LINEAGE,
                run_event(
                    state,
                    job_name=job,
                    run_id=new_version.change_id,
                    inputs=inputs,
                    outputs=outputs,
                    event_time=time,
                ),
                job,
            )
            for state, time in ((RunState.START, started_at), (RunState.COMPLETE, checked_at))
        ]
    if failure is not None:
        return [
            OutgoingEvent.of(
                Topic.LINEAGE,
                run_event(
                    RunState.FAIL,
                    job_name=job,
                    run_id=check_id,
                    inputs=inputs,
                    outputs=[raw_dataset(source.name)],
                    event_time=checked_at,
                    error_message=f"{failure.reason.value}: {failure.message}",
                ),
                job,
            )
        ]
    return []
