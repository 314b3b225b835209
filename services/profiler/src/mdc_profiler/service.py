"""The profiler's flow: a SourceChanged, or a new spec, -> a dataset version (Parquet, profile,
drift) or a failure event.

What a job is lives in jobs.py, the events it publishes in job_events.py; this module only
orders the steps: fetch the raw file, number the version, standardize, upload, publish.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from mdc_common.broker import EventPublisher
from mdc_common.storage import S3Uri
from mdc_contracts import (
    TOPIC_MODELS,
    DatasetSpec,
    DatasetSpecPublished,
    DatasetVersionCreated,
    ProcessingStage,
    RunEvent,
    RunState,
    SchemaChanged,
    SourceChanged,
    Topic,
    utc_now,
)
from minio.error import S3Error

from mdc_profiler.config import SERVICE, ProfilerSettings
from mdc_profiler.drift import drift_event
from mdc_profiler.errors import UnreadableFile
from mdc_profiler.job_events import (
    completed_job_events,
    failed_lineage_event,
    lineage_event,
    processing_failed,
    version_created,
)
from mdc_profiler.jobs import Job, job_for_change, job_for_spec, parquet_key, parquet_metadata
from mdc_profiler.metrics import ProfilerMetrics
from mdc_profiler.pipeline import Standardized, standardize
from mdc_profiler.ports import AssignedVersion, ObjectFiles, OutgoingEvent, VersionRepository

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet"
_MISSING_OBJECT = {"NoSuchKey", "NoSuchObject", "NotFound", "NoSuchBucket"}


class DatasetProcessor:
    def __init__(
        self,
        *,
        store: ObjectFiles,
        repository: VersionRepository,
        publisher: EventPublisher,
        settings: ProfilerSettings,
        metrics: ProfilerMetrics,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.repository = repository
        self.publisher = publisher
        self.settings = settings
        self.metrics = metrics
        self.clock = clock

    async def process(self, change: SourceChanged) -> None:
        """Bad data ends in a failure event; only transient errors (S3, DB, Kafka) raise."""
        spec = await self.repository.get_spec(change.source_id)
        await self._run(job_for_change(change, spec))

    async def apply_spec(self, event: DatasetSpecPublished) -> None:
        """Store the spec, then re-standardize the latest raw file under it (no download)."""
        stored = await self.repository.save_spec(
            event.dataset_id, event.spec_version, event.spec, self.clock()
        )
        if event.spec_version < stored:
            log.info("older dataset spec ignored", extra=_spec_extra(event, stored))
            return
        latest = await self.repository.latest_raw(event.dataset_id)
        if latest is None:
            log.info(
                "dataset spec stored; no version to re-standardize yet", extra=_spec_extra(event)
            )
            return
        job = job_for_spec(event, latest)
        if latest.change_id != job.change_id and (latest.spec_version or 0) >= event.spec_version:
            log.info("latest version already uses this spec", extra=_spec_extra(event))
            return
        await self._run(job)

    async def _run(self, job: Job) -> None:
        started = time.perf_counter()
        done = await self.repository.find(job.change_id)
        if done is not None and done.published is not None:
            # Redelivery of a completed job: the same events again, downstream dedupes.
            await self._publish(done.published)
            self._observe("replayed", started)
            return
        start = lineage_event(job, RunState.START, at=job.at)
        await self.publisher.publish(Topic.LINEAGE, start, key=start.job.name)
        work = Path(
            await asyncio.to_thread(
                tempfile.mkdtemp, prefix="mdc-profiler-", dir=self.settings.work_dir
            )
        )
        try:
            outcome = await self._standardize(job, start, work)
        finally:
            await asyncio.to_thread(shutil.rmtree, work, True)
        self._observe(outcome, started)

    async def _standardize(self, job: Job, start: RunEvent, work: Path) -> str:
        """The outcome: ok, or failed (a bad file, already announced)."""
        raw = work / "raw"
        try:
            await self._fetch(job, raw)
        except UnreadableFile as err:
            await self._fail(job, err)
            return "failed"
        assigned = await self.repository.assign(
            dataset_id=job.dataset_id,
            change_id=job.change_id,
            dataset_name=job.dataset_name,
            raw_sha256=job.raw_sha256,
            now=self.clock(),
            raw_uri=job.raw_uri,
            reason=job.reason,
            spec_version=job.spec_version,
        )
        spec = job.spec.spec if job.spec else None
        metadata = parquet_metadata(job, assigned.version)
        try:
            result = await asyncio.to_thread(_standardize_file, raw, work, spec, metadata)
        except UnreadableFile as err:
            await self.repository.release(job.change_id)  # no gap in version numbers
            await self._fail(job, err)
            return "failed"
        await self._complete(job, start, assigned, result)
        return "ok"

    async def _complete(
        self, job: Job, start: RunEvent, assigned: AssignedVersion, result: Standardized
    ) -> None:
        uri = S3Uri(
            self.settings.s3.curated_bucket, parquet_key(job.dataset_name, assigned.version)
        )
        await asyncio.to_thread(
            self.store.put_file, uri, str(result.parquet_path), PARQUET_CONTENT_TYPE
        )
        created = version_created(job, assigned, uri, result)
        drift = await self._drift(created)
        complete = lineage_event(job, RunState.COMPLETE, at=self.clock(), created=created)
        published = completed_job_events(job, start, created, drift, complete)
        # Stored before publishing: a crash in between re-publishes these very events.
        await self.repository.complete(
            job.change_id,
            parquet_uri=str(uri),
            row_count=created.row_count,
            published=published,
            now=self.clock(),
            columns=result.columns,
        )
        await self._publish(published[1:])  # START already went out
        self.metrics.rows_processed.inc(created.row_count)
        log.info(
            "dataset version created",
            extra={
                "dataset": job.dataset_name,
                "version": assigned.version,
                "rows": created.row_count,
                "parquet_uri": str(uri),
                "reason": job.reason,
                "schema_changes": len(drift.changes) if drift else 0,
            },
        )

    async def _drift(self, created: DatasetVersionCreated) -> SchemaChanged | None:
        if created.version == 1:
            return None
        previous = await self.repository.previous_profile(created.dataset_id, created.version)
        return drift_event(created, previous, producer=SERVICE) if previous else None

    async def _fetch(self, job: Job, raw: Path) -> None:
        try:
            uri = S3Uri.parse(job.raw_uri)
        except ValueError as err:
            raise UnreadableFile(str(err)) from err
        try:
            await asyncio.to_thread(self.store.get_file, uri, str(raw))
        except S3Error as err:
            if err.code in _MISSING_OBJECT:
                raise UnreadableFile(f"the raw file {uri} does not exist") from err
            raise  # S3 trouble: transient, let the message be redelivered

    async def _fail(self, job: Job, err: UnreadableFile) -> None:
        log.warning(
            "raw file rejected",
            extra={
                "dataset": job.dataset_name,
                "stage": err.stage.value,
                "reason": err.reason,
                "row": err.row,
                "column": err.column,
                "spec_version": job.spec_version,
            },
        )
        failed = processing_failed(job, err)
        await self.publisher.publish(Topic.DATASET_FAILURES, failed, key=str(job.dataset_id))
        fail = failed_lineage_event(job, err)
        await self.publisher.publish(Topic.LINEAGE, fail, key=fail.job.name)

    async def _publish(self, events: list[OutgoingEvent]) -> None:
        for e in events:
            model = TOPIC_MODELS[e.topic].model_validate(e.payload)
            await self.publisher.publish(e.topic, model, key=e.key)

    def _observe(self, outcome: str, started: float) -> None:
        self.metrics.files_processed.labels(outcome).inc()
        self.metrics.processing_duration.labels(outcome).observe(time.perf_counter() - started)


def _standardize_file(
    raw: Path, work: Path, spec: DatasetSpec | None, metadata: dict[str, Any]
) -> Standardized:
    try:
        return standardize(raw, work, spec, metadata=metadata)
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException) as err:
        # The reader maps its own errors; what remains comes from the spec, profile or write.
        raise UnreadableFile(
            f"standardizing failed: {type(err).__name__}: {err}"[:1000],
            stage=ProcessingStage.PROFILE,
        ) from err


def _spec_extra(event: DatasetSpecPublished, stored: int | None = None) -> dict[str, Any]:
    return {
        "dataset_id": str(event.dataset_id),
        "spec_version": event.spec_version,
        "stored_spec_version": stored,
    }
