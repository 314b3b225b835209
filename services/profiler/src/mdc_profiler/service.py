"""Domain logic: one SourceChanged -> a dataset version (Parquet + profile) or a failure event."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl
from mdc_common.broker import EventPublisher
from mdc_common.lineage import curated_dataset, raw_dataset, run_event
from mdc_common.storage import S3Uri
from mdc_contracts import (
    TOPIC_MODELS,
    DatasetProcessingFailed,
    DatasetVersionCreated,
    ProcessingStage,
    RunEvent,
    RunState,
    SourceChanged,
    Topic,
    deterministic_id,
    utc_now,
)
from minio.error import S3Error

from mdc_profiler.config import SERVICE, ProfilerSettings
from mdc_profiler.errors import UnreadableFile
from mdc_profiler.metrics import ProfilerMetrics
from mdc_profiler.ports import ObjectFiles, OutgoingEvent, VersionRepository
from mdc_profiler.profile import ProfiledTable, profile_frame, write_parquet
from mdc_profiler.reader import Table, read_table

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet"
_MISSING_OBJECT = {"NoSuchKey", "NoSuchObject", "NotFound", "NoSuchBucket"}


def standardize_job(dataset_name: str) -> str:
    return f"profiler.standardize.{dataset_name}"


def parquet_key(dataset_name: str, version: int) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", dataset_name).strip("-.") or "dataset"
    return f"datasets/{safe}/v{version}.parquet"


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
        started = time.perf_counter()
        done = await self.repository.find(change.change_id)
        if done is not None and done.published is not None:
            # Redelivery of a completed change: the same events again, downstream dedupes.
            await self._publish(done.published)
            self._observe("replayed", started)
            return
        # START carries the change's time, so a redelivered change repeats the same event.
        start = self._run_event(change, RunState.START, at=change.detected_at)
        await self.publisher.publish(Topic.LINEAGE, start, key=start.job.name)
        work = Path(
            await asyncio.to_thread(
                tempfile.mkdtemp, prefix="mdc-profiler-", dir=self.settings.work_dir
            )
        )
        try:
            outcome = await self._standardize(change, start, work)
        finally:
            await asyncio.to_thread(shutil.rmtree, work, True)
        self._observe(outcome, started)

    async def _standardize(self, change: SourceChanged, start: RunEvent, work: Path) -> str:
        try:
            table = await self._read(change, work)
            profiled = await asyncio.to_thread(_profile, table)
        except UnreadableFile as err:
            await self._fail(change, err)
            return "failed"
        assigned = await self.repository.assign(
            dataset_id=change.source_id,
            change_id=change.change_id,
            dataset_name=change.source_name,
            raw_sha256=change.sha256,
            now=self.clock(),
        )
        uri = S3Uri(
            self.settings.s3.curated_bucket, parquet_key(change.source_name, assigned.version)
        )
        parquet = work / "out.parquet"
        mdc = {
            "dataset": change.source_name,
            "dataset_id": str(change.source_id),
            "version": assigned.version,
            "change_id": str(change.change_id),
            "raw_sha256": change.sha256,
            "source": {
                "encoding": table.encoding,
                "delimiter": table.delimiter,
                "decimal_comma": table.decimal_comma,
                "compression": table.compression,
            },
            "columns": [c.model_dump(mode="json") for c in profiled.columns],
        }
        try:
            await asyncio.to_thread(_write, profiled, parquet, mdc)
        except UnreadableFile as err:
            await self._fail(change, err)
            return "failed"
        await asyncio.to_thread(self.store.put_file, uri, str(parquet), PARQUET_CONTENT_TYPE)
        created = DatasetVersionCreated(
            event_id=deterministic_id("DatasetVersionCreated", change.change_id),
            occurred_at=assigned.created_at,
            producer=SERVICE,
            correlation_id=change.correlation_id,
            dataset_id=change.source_id,
            dataset_name=change.source_name,
            source_id=change.source_id,
            change_id=change.change_id,
            version=assigned.version,
            raw_sha256=change.sha256,
            parquet_uri=str(uri),
            row_count=profiled.frame.height,
            columns=profiled.columns,
            encoding=table.encoding,
            delimiter=table.delimiter,
            created_at=assigned.created_at,
        )
        complete = self._run_event(change, RunState.COMPLETE, created=created)
        published = [
            OutgoingEvent.of(Topic.LINEAGE, start, start.job.name),
            OutgoingEvent.of(Topic.DATASET_VERSIONS, created, str(change.source_id)),
            OutgoingEvent.of(Topic.LINEAGE, complete, complete.job.name),
        ]
        # Stored before publishing: a crash in between re-publishes these very events.
        await self.repository.complete(
            change.change_id,
            parquet_uri=str(uri),
            row_count=created.row_count,
            published=published,
            now=self.clock(),
        )
        await self._publish(published[1:])  # START already went out
        self.metrics.rows_processed.inc(created.row_count)
        log.info(
            "dataset version created",
            extra={
                "dataset": change.source_name,
                "version": assigned.version,
                "rows": created.row_count,
                "parquet_uri": str(uri),
            },
        )
        return "ok"

    async def _read(self, change: SourceChanged, work: Path) -> Table:
        try:
            uri = S3Uri.parse(change.raw_uri)
        except ValueError as err:
            raise UnreadableFile(str(err)) from err
        raw = work / "raw"
        try:
            await asyncio.to_thread(self.store.get_file, uri, str(raw))
        except S3Error as err:
            if err.code in _MISSING_OBJECT:
                raise UnreadableFile(f"the raw file {uri} does not exist") from err
            raise  # S3 trouble: transient, let the message be redelivered
        return await asyncio.to_thread(read_table, raw, work)

    async def _fail(self, change: SourceChanged, err: UnreadableFile) -> None:
        log.warning(
            "raw file rejected",
            extra={
                "dataset": change.source_name,
                "stage": err.stage.value,
                "reason": err.reason,
                "row": err.row,
                "column": err.column,
            },
        )
        failed = DatasetProcessingFailed(
            event_id=deterministic_id("DatasetProcessingFailed", change.change_id),
            # The change's time, not the processing time: a redelivered old failure must not
            # look newer than a later good version.
            occurred_at=change.detected_at,
            producer=SERVICE,
            correlation_id=change.correlation_id,
            dataset_name=change.source_name,
            source_id=change.source_id,
            change_id=change.change_id,
            raw_uri=change.raw_uri,
            stage=err.stage,
            reason=err.reason,
            row=err.row,
            column=err.column,
        )
        await self.publisher.publish(Topic.DATASET_FAILURES, failed, key=str(change.source_id))
        column = f" (column {err.column!r})" if err.column else ""
        error = f"{err.stage.value}: {err.reason}{column}"
        fail = self._run_event(change, RunState.FAIL, error=error)
        await self.publisher.publish(Topic.LINEAGE, fail, key=fail.job.name)

    def _run_event(
        self,
        change: SourceChanged,
        state: RunState,
        *,
        created: DatasetVersionCreated | None = None,
        error: str | None = None,
        at: datetime | None = None,
    ) -> RunEvent:
        fields = [(c.name, c.dtype) for c in created.columns] if created else None
        output = curated_dataset(
            change.source_name, version=str(created.version) if created else None, fields=fields
        )
        return run_event(
            state,
            job_name=standardize_job(change.source_name),
            run_id=deterministic_id("standardize", change.change_id),
            inputs=[raw_dataset(change.source_name, change.sha256)],
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


def _profile(table: Table) -> ProfiledTable:
    try:
        return profile_frame(table.frame)
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException) as err:
        raise UnreadableFile(f"profiling failed: {err}", stage=ProcessingStage.PROFILE) from err


def _write(table: ProfiledTable, path: Path, mdc: dict[str, object]) -> None:
    try:
        write_parquet(table, path, mdc)
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException) as err:
        raise UnreadableFile(f"writing Parquet failed: {err}", stage=ProcessingStage.WRITE) from err
