"""Domain logic: a SourceChanged, or a new spec, -> a dataset version (Parquet, profile, drift)
or a failure event."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from mdc_common.broker import EventPublisher
from mdc_common.lineage import curated_dataset, raw_dataset, run_event
from mdc_common.storage import S3Uri
from mdc_contracts import (
    TOPIC_MODELS,
    DatasetProcessingFailed,
    DatasetSpec,
    DatasetSpecPublished,
    DatasetVersionCreated,
    ProcessingStage,
    RunEvent,
    RunState,
    SchemaChanged,
    SourceChanged,
    Topic,
    deterministic_id,
    utc_now,
)
from minio.error import S3Error

from mdc_profiler.config import SERVICE, ProfilerSettings
from mdc_profiler.drift import drift_event
from mdc_profiler.errors import UnreadableFile
from mdc_profiler.metrics import ProfilerMetrics
from mdc_profiler.pipeline import Standardized, standardize
from mdc_profiler.ports import ObjectFiles, OutgoingEvent, StoredSpec, VersionRepository

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet"
SOURCE_CHANGED, SPEC_CHANGED = "source_changed", "spec_changed"
_MISSING_OBJECT = {"NoSuchKey", "NoSuchObject", "NotFound", "NoSuchBucket"}


def standardize_job(dataset_name: str) -> str:
    return f"profiler.standardize.{dataset_name}"


def parquet_key(dataset_name: str, version: int) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", dataset_name).strip("-.") or "dataset"
    return f"datasets/{safe}/v{version}.parquet"


def spec_change_id(dataset_id: uuid.UUID, spec_version: int) -> uuid.UUID:
    """The pseudo change of a re-standardization: one version per (dataset, spec version)."""
    return deterministic_id("spec", dataset_id, spec_version)


@dataclass(frozen=True)
class Job:
    """One raw file to standardize: a source change, or the latest raw file under a new spec."""

    change_id: uuid.UUID
    dataset_id: uuid.UUID
    dataset_name: str
    raw_uri: str
    raw_sha256: str
    correlation_id: uuid.UUID
    at: datetime  # when the change (or spec) happened: replays repeat the same event times
    spec: StoredSpec | None
    reason: str = SOURCE_CHANGED

    @property
    def spec_version(self) -> int | None:
        return self.spec.version if self.spec else None


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
        job = Job(
            change.change_id,
            change.source_id,
            change.source_name,
            change.raw_uri,
            change.sha256,
            change.correlation_id,
            change.detected_at,
            spec,
        )
        await self._run(job)

    async def apply_spec(self, event: DatasetSpecPublished) -> None:
        """Store the spec, then re-standardize the latest raw file under it (no download)."""
        stored = await self.repository.save_spec(
            event.dataset_id, event.spec_version, event.spec, self.clock()
        )
        if event.spec_version < stored:
            log.info("older dataset spec ignored", extra=_spec_extra(event, stored))
            return
        latest = await self.repository.latest_raw(event.dataset_id)
        change_id = spec_change_id(event.dataset_id, event.spec_version)
        if latest is None:
            log.info(
                "dataset spec stored; no version to re-standardize yet", extra=_spec_extra(event)
            )
            return
        if latest.change_id != change_id and (latest.spec_version or 0) >= event.spec_version:
            log.info("latest version already uses this spec", extra=_spec_extra(event))
            return
        job = Job(
            change_id,
            event.dataset_id,
            latest.dataset_name,
            latest.raw_uri,
            latest.raw_sha256,
            event.correlation_id,
            event.occurred_at,
            StoredSpec(event.spec_version, event.spec),
            SPEC_CHANGED,
        )
        await self._run(job)

    async def _run(self, job: Job) -> None:
        started = time.perf_counter()
        done = await self.repository.find(job.change_id)
        if done is not None and done.published is not None:
            # Redelivery of a completed job: the same events again, downstream dedupes.
            await self._publish(done.published)
            self._observe("replayed", started)
            return
        start = self._run_event(job, RunState.START, at=job.at)
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
        metadata = {
            "dataset": job.dataset_name,
            "dataset_id": str(job.dataset_id),
            "version": assigned.version,
            "change_id": str(job.change_id),
            "raw_sha256": job.raw_sha256,
            "reason": job.reason,
            "spec_version": job.spec_version,
        }
        spec = job.spec.spec if job.spec else None
        try:
            result = await asyncio.to_thread(_standardize_file, raw, work, spec, metadata)
        except UnreadableFile as err:
            await self.repository.release(job.change_id)  # no gap in version numbers
            await self._fail(job, err)
            return "failed"
        uri = S3Uri(
            self.settings.s3.curated_bucket, parquet_key(job.dataset_name, assigned.version)
        )
        await asyncio.to_thread(
            self.store.put_file, uri, str(result.parquet_path), PARQUET_CONTENT_TYPE
        )
        created = DatasetVersionCreated(
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
            parquet_uri=str(uri),
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
        drift = await self._drift(created)
        complete = self._run_event(job, RunState.COMPLETE, created=created)
        published = [
            OutgoingEvent.of(Topic.LINEAGE, start, start.job.name),
            OutgoingEvent.of(Topic.DATASET_VERSIONS, created, str(job.dataset_id)),
            *(
                [OutgoingEvent.of(Topic.SCHEMA_CHANGES, drift, str(job.dataset_id))]
                if drift
                else []
            ),
            OutgoingEvent.of(Topic.LINEAGE, complete, complete.job.name),
        ]
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
        return "ok"

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
        failed = DatasetProcessingFailed(
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
        await self.publisher.publish(Topic.DATASET_FAILURES, failed, key=str(job.dataset_id))
        column = f" (column {err.column!r})" if err.column else ""
        fail = self._run_event(job, RunState.FAIL, error=f"{err.stage.value}: {err.reason}{column}")
        await self.publisher.publish(Topic.LINEAGE, fail, key=fail.job.name)

    def _run_event(
        self,
        job: Job,
        state: RunState,
        *,
        created: DatasetVersionCreated | None = None,
        error: str | None = None,
        at: datetime | None = None,
    ) -> RunEvent:
        fields = [(c.name, c.dtype) for c in created.columns] if created else None
        output = curated_dataset(
            job.dataset_name, version=str(created.version) if created else None, fields=fields
        )
        return run_event(
            state,
            job_name=standardize_job(job.dataset_name),
            run_id=deterministic_id("standardize", job.change_id),
            inputs=[raw_dataset(job.dataset_name, job.raw_sha256)],
            outputs=[output],
            event_time=at or self.clock(),
            error_message=error,
            row_count=created.row_count if created else None,
        )

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
