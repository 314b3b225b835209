"""Domain logic: apply source definitions, and check one source end to end."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from mdc_common.storage import S3Uri
from mdc_contracts import CheckFailure, CheckOutcome, FailureReason, SourceDefined, utc_now
from minio.error import MinioException
from urllib3.exceptions import HTTPError as Urllib3Error

from mdc_change_detector.config import ChangeDetectorSettings
from mdc_change_detector.events import check_events
from mdc_change_detector.fetch import Downloaded, FetchFailed, FetchResult, NotModified, fetch
from mdc_change_detector.metrics import DetectorMetrics
from mdc_change_detector.models import CheckReport
from mdc_change_detector.ports import (
    BlobStore,
    CheckRecord,
    NewVersion,
    SourceDefinition,
    SourceRepository,
    WatchedSource,
)

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def raw_object_uri(bucket: str, sha256: str) -> S3Uri:
    """Content-addressed location: the same bytes always land on the same key."""
    return S3Uri(bucket, f"sha256/{sha256[:2]}/{sha256}")


def definition_from_event(
    event: SourceDefined, settings: ChangeDetectorSettings
) -> SourceDefinition:
    return SourceDefinition(
        source_id=event.source_id,
        name=event.name,
        url=event.url,
        interval_seconds=settings.effective_interval(event.check_interval_seconds),
        active=event.active,
        revision=event.revision,
        check_requested_at=event.check_requested_at,
    )


async def apply_definition(
    event: SourceDefined,
    repository: SourceRepository,
    settings: ChangeDetectorSettings,
    clock: Clock = utc_now,
) -> bool:
    """Watch (or re-configure, pause) a source; an older or repeated revision changes nothing.

    A new "check now" (a `check_requested_at` newer than the stored one) makes it due at once.
    """
    applied = await repository.upsert_definition(definition_from_event(event, settings), clock())
    log.info(
        "source definition applied" if applied else "stale source definition ignored",
        extra={
            "source_id": str(event.source_id),
            "revision": event.revision,
            "check_requested_at": event.check_requested_at,
        },
    )
    return applied


class StorageFailed(Exception):
    """The object store refused or could not be reached; the check fails with `storage`."""


@dataclass(frozen=True)
class Verdict:
    """What a check found, before it is recorded."""

    outcome: CheckOutcome
    consecutive_failures: int = 0
    failure: CheckFailure | None = None
    etag: str | None = None  # validators for the next conditional request
    last_modified: str | None = None
    new_version: NewVersion | None = None

    @classmethod
    def failed(cls, source: WatchedSource, failure: CheckFailure) -> Verdict:
        return cls(CheckOutcome.FAILED, source.consecutive_failures + 1, failure)


class SourceChecker:
    """Checks one claimed source: download, compare, store, and record with its events."""

    def __init__(
        self,
        *,
        client: httpx.AsyncClient,
        store: BlobStore,
        repository: SourceRepository,
        settings: ChangeDetectorSettings,
        metrics: DetectorMetrics,
        on_recorded: Callable[[], None] = lambda: None,
        clock: Clock = utc_now,
    ) -> None:
        self.client = client
        self.store = store
        self.repository = repository
        self.settings = settings
        self.metrics = metrics
        self.on_recorded = on_recorded  # wakes the outbox relay, so events leave promptly
        self.clock = clock
        self.slots = asyncio.Semaphore(settings.max_concurrent_checks)

    async def check(self, source: WatchedSource) -> CheckReport:
        async with self.slots:
            return await self._check(source)

    async def _check(self, source: WatchedSource) -> CheckReport:
        check_id = uuid.uuid4()
        started_at, started = self.clock(), time.perf_counter()
        result = await self._fetch(source)
        try:
            verdict = await self._evaluate(source, result)
        finally:
            if isinstance(result, Downloaded):
                await asyncio.to_thread(result.path.unlink, missing_ok=True)
        checked_at = self.clock()
        duration_ms = (time.perf_counter() - started) * 1000
        sha256 = result.sha256 if isinstance(result, Downloaded) else None
        events = check_events(
            source,
            check_id=check_id,
            started_at=started_at,
            checked_at=checked_at,
            outcome=verdict.outcome,
            duration_ms=duration_ms,
            consecutive_failures=verdict.consecutive_failures,
            sha256=sha256,
            failure=verdict.failure,
            new_version=verdict.new_version,
        )
        recorded = await self.repository.record_check(
            CheckRecord(
                source_id=source.source_id,
                lease_token=source.lease_token,
                url=source.url,
                checked_at=checked_at,
                outcome=verdict.outcome,
                consecutive_failures=verdict.consecutive_failures,
                failure=verdict.failure,
                etag=verdict.etag,
                last_modified=verdict.last_modified,
                new_version=verdict.new_version,
                events=events,
            )
        )
        if recorded:
            self.on_recorded()
        else:
            log.warning(
                "check result discarded: the lease passed to another checker",
                extra={"source_id": str(source.source_id)},
            )
        self._observe(verdict, duration_ms, result)
        version = verdict.new_version
        return CheckReport(
            source_id=source.source_id,
            url=source.url,
            outcome=verdict.outcome,
            checked_at=checked_at,
            duration_ms=duration_ms,
            sha256=sha256,
            change_id=version.change_id if version else None,
            raw_uri=version.raw_uri if version else source.raw_uri,
            failure=verdict.failure,
            consecutive_failures=verdict.consecutive_failures,
            recorded=recorded,
        )

    async def _fetch(self, source: WatchedSource) -> FetchResult:
        # Conditional headers only make sense while a good version is stored to fall back on.
        has_version = source.sha256 is not None
        try:
            async with asyncio.timeout(self.settings.max_check_seconds):
                return await fetch(
                    self.client,
                    source.url,
                    etag=source.etag if has_version else None,
                    last_modified=source.last_modified if has_version else None,
                    max_bytes=self.settings.max_bytes,
                    directory=self.settings.download_dir,
                )
        except TimeoutError:
            return FetchFailed(
                CheckFailure(
                    reason=FailureReason.TIMEOUT,
                    message=f"the check took longer than {self.settings.max_check_seconds:g} s",
                )
            )

    async def _evaluate(self, source: WatchedSource, result: FetchResult) -> Verdict:
        if isinstance(result, FetchFailed):
            return Verdict.failed(source, result.failure)
        if isinstance(result, NotModified) or result.sha256 == source.sha256:
            # Same bytes: unchanged, but keep the server's fresh validators.
            return Verdict(
                CheckOutcome.UNCHANGED, etag=result.etag, last_modified=result.last_modified
            )
        uri = raw_object_uri(self.settings.s3.raw_bucket, result.sha256)
        try:
            await asyncio.to_thread(self._store, uri, result)
        except StorageFailed as err:
            return Verdict.failed(
                source,
                CheckFailure(
                    reason=FailureReason.STORAGE, message=f"could not store the file: {err}"
                ),
            )
        version = NewVersion(
            change_id=uuid.uuid4(),  # created once; the outbox carries it to every event
            sha256=result.sha256,
            raw_uri=str(uri),
            size_bytes=result.size_bytes,
            content_type=result.content_type,
            etag=result.etag,
            last_modified=result.last_modified,
            detected_at=self.clock(),
        )
        log.info(
            "source changed",
            extra={
                "source_id": str(source.source_id),
                "change_id": str(version.change_id),
                "sha256": result.sha256,
            },
        )
        return Verdict(
            CheckOutcome.CHANGED,
            etag=result.etag,
            last_modified=result.last_modified,
            new_version=version,
        )

    def _store(self, uri: S3Uri, downloaded: Downloaded) -> None:
        """Blocking upload, skipped when the content-addressed object already exists."""
        try:
            if not self.store.exists(uri):
                self.store.put_file(
                    uri,
                    str(downloaded.path),
                    downloaded.content_type or "application/octet-stream",
                )
        except (MinioException, Urllib3Error, OSError, ValueError) as err:
            raise StorageFailed(f"{type(err).__name__}: {err}") from err

    def _observe(self, verdict: Verdict, duration_ms: float, result: FetchResult) -> None:
        reason = verdict.failure.reason.value if verdict.failure else ""
        self.metrics.checks.labels(verdict.outcome.value, reason).inc()
        self.metrics.check_duration.observe(duration_ms / 1000)
        if isinstance(result, Downloaded):
            self.metrics.bytes_downloaded.inc(result.size_bytes)
