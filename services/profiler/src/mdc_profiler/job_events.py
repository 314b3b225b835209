"""The events one job publishes: its lineage run, the new dataset version, or the failure.

Plain functions of the job and its result. Ids and times come from the job, never from the
moment of processing, wherever a redelivered job must repeat the very same event.
"""

from __future__ import annotations

from datetime import datetime

from mdc_common.lineage import curated_dataset, raw_dataset, run_event
from mdc_common.storage import S3Uri
from mdc_contracts import (
    DatasetProcessingFailed,
    DatasetVersionCreated,
    RunEvent,
    RunState,
    SchemaChanged,
    Topic,
    deterministic_id,
)

from mdc_profiler.config import SERVICE
from mdc_profiler.errors import UnreadableFile
from mdc_profiler.jobs import Job, standardize_job
from mdc_profiler.pipeline import Standardized
from mdc_profiler.ports import AssignedVersion, OutgoingEvent


def lineage_event(
    job: Job,
    state: RunState,
    *,
    at: datetime,
    created: DatasetVersionCreated | None = None,
    error: str | None = None,
) -> RunEvent:
    """The job's OpenLineage run event: raw file in, curated dataset (with its schema) out."""
    fields = [(c.name, c.dtype) for c in created.columns] if created else None
    output = curated_dataset(
        job.dataset_name, version=str(created.version) if created else None, fields=fields
    )
    return run_event(
        state,
        job_name=standardize_job(job.dataset_name),
        run_id=job.run_id,
        inputs=[raw_dataset(job.dataset_name, job.raw_sha256)],
        outputs=[output],
        event_time=at,
        error_message=error,
        row_count=created.row_count if created else None,
    )


def version_created(
    job: Job, assigned: AssignedVersion, parquet_uri: S3Uri, result: Standardized
) -> DatasetVersionCreated:
    return DatasetVersionCreated(
        event_id=deterministic_id("DatasetVersionCreated", job.change_id),
        occurred_at=assigned.created_at,
        producer=SERVICE,
        correlation_id=job.correlation_id,
        dataset_id=job.dataset_id,
        dataset_name=job.dataset_name,
        source_id=job.dataset_id,
        change_id=job.change_id,
        version=assigned.version,
        raw_sha256=job.raw_sha256,
        parquet_uri=str(parquet_uri),
        row_count=result.row_count,
        columns=result.columns,
        encoding=result.read.encoding or "",
        delimiter=result.read.delimiter or "",
        created_at=assigned.created_at,
        profile=result.profile,
        read=result.read,
        spec_version=job.spec_version,
        reason=job.reason,
    )


def completed_job_events(
    job: Job,
    start: RunEvent,
    created: DatasetVersionCreated,
    drift: SchemaChanged | None,
    complete: RunEvent,
) -> list[OutgoingEvent]:
    """Everything a completed job published, in order: stored, and replayed on redelivery."""
    dataset_key = str(job.dataset_id)
    return [
        OutgoingEvent.of(Topic.LINEAGE, start, start.job.name),
        OutgoingEvent.of(Topic.DATASET_VERSIONS, created, dataset_key),
        *([OutgoingEvent.of(Topic.SCHEMA_CHANGES, drift, dataset_key)] if drift else []),
        OutgoingEvent.of(Topic.LINEAGE, complete, complete.job.name),
    ]


def processing_failed(job: Job, err: UnreadableFile) -> DatasetProcessingFailed:
    return DatasetProcessingFailed(
        event_id=deterministic_id("DatasetProcessingFailed", job.change_id),
        # The job's time, not the processing time: a redelivered old failure must not
        # look newer than a later good version.
        occurred_at=job.at,
        producer=SERVICE,
        correlation_id=job.correlation_id,
        dataset_name=job.dataset_name,
        source_id=job.dataset_id,
        change_id=job.change_id,
        raw_uri=job.raw_uri,
        stage=err.stage,
        reason=err.reason,
        row=err.row,
        column=err.column,
    )


def failed_lineage_event(job: Job, err: UnreadableFile) -> RunEvent:
    """The FAIL run event. A failed job stores nothing, so a redelivery builds it again: at the
    job's time it is the same event (lineage dedupes on runId, eventType, eventTime), and a FAIL
    at the START's time still ends the run (a terminal state wins a tie)."""
    column = f" (column {err.column!r})" if err.column else ""
    error = f"{err.stage.value}: {err.reason}{column}"
    return lineage_event(job, RunState.FAIL, at=job.at, error=error)
