"""In-memory fakes of the profiler's ports, and a rig wiring them to an in-memory broker."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker
from mdc_common.broker import EventPublisher
from mdc_common.metrics import ServiceMetrics
from mdc_common.storage import S3Uri
from mdc_contracts import (
    ColumnProfile,
    DatasetProcessingFailed,
    DatasetSpec,
    DatasetSpecPublished,
    DatasetVersionCreated,
    DeadLetter,
    RunEvent,
    SchemaChanged,
    SourceChanged,
    Topic,
    utc_now,
)
from mdc_profiler.config import ProfilerSettings
from mdc_profiler.handlers import register_handlers
from mdc_profiler.metrics import ProfilerMetrics
from mdc_profiler.ports import AssignedVersion, LatestRaw, OutgoingEvent, StoredSpec, VersionProfile
from mdc_profiler.service import DatasetProcessor
from minio.error import S3Error


class FakeStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise S3Error(None, "ServiceUnavailable", "down", "/", "r", "h")  # type: ignore[arg-type]

    def get_file(self, uri: S3Uri, path: str) -> None:
        self._check()
        if str(uri) not in self.objects:
            raise S3Error(None, "NoSuchKey", "not found", uri.key, "r", "h")  # type: ignore[arg-type]
        Path(path).write_bytes(self.objects[str(uri)])

    def put_file(self, uri: S3Uri, path: str, content_type: str) -> None:
        self._check()
        self.objects[str(uri)] = Path(path).read_bytes()


@dataclass
class FakeVersionRow:
    dataset_id: uuid.UUID
    version: int
    created_at: datetime
    published: list[OutgoingEvent] | None = None
    dataset_name: str = ""
    raw_uri: str | None = None
    raw_sha256: str = ""
    spec_version: int | None = None
    row_count: int = 0
    columns: list[ColumnProfile] | None = None


class FakeVersionRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, FakeVersionRow] = {}
        self.specs: dict[uuid.UUID, StoredSpec] = {}

    async def find(self, change_id: uuid.UUID) -> AssignedVersion | None:
        row = self.rows.get(change_id)
        return AssignedVersion(row.version, row.created_at, row.published) if row else None

    async def assign(
        self,
        *,
        dataset_id: uuid.UUID,
        change_id: uuid.UUID,
        dataset_name: str,
        raw_sha256: str,
        now: datetime,
        raw_uri: str | None = None,
        reason: str | None = None,
        spec_version: int | None = None,
    ) -> AssignedVersion:
        if change_id not in self.rows:
            latest = max(
                (r.version for r in self.rows.values() if r.dataset_id == dataset_id), default=0
            )
            self.rows[change_id] = FakeVersionRow(
                dataset_id,
                latest + 1,
                now,
                dataset_name=dataset_name,
                raw_uri=raw_uri,
                raw_sha256=raw_sha256,
                spec_version=spec_version,
            )
        row = self.rows[change_id]
        return AssignedVersion(row.version, row.created_at, row.published)

    async def release(self, change_id: uuid.UUID) -> None:
        row = self.rows.get(change_id)
        if row is not None and row.published is None:
            del self.rows[change_id]

    async def complete(
        self,
        change_id: uuid.UUID,
        *,
        parquet_uri: str,
        row_count: int,
        published: list[OutgoingEvent],
        now: datetime,
        columns: list[ColumnProfile] | None = None,
    ) -> None:
        row = self.rows[change_id]
        row.published, row.row_count, row.columns = published, row_count, columns

    def _completed(self, dataset_id: uuid.UUID) -> list[tuple[uuid.UUID, FakeVersionRow]]:
        done = [
            (change_id, r)
            for change_id, r in self.rows.items()
            if r.dataset_id == dataset_id and r.published is not None
        ]
        return sorted(done, key=lambda item: item[1].version)

    async def previous_profile(self, dataset_id: uuid.UUID, before: int) -> VersionProfile | None:
        earlier = [r for _, r in self._completed(dataset_id) if r.version < before]
        if not earlier or earlier[-1].columns is None:
            return None
        return VersionProfile(earlier[-1].version, earlier[-1].row_count, earlier[-1].columns)

    async def latest_raw(self, dataset_id: uuid.UUID) -> LatestRaw | None:
        done = self._completed(dataset_id)
        if not done:
            return None
        change_id, row = done[-1]
        assert row.raw_uri is not None
        return LatestRaw(
            change_id, row.version, row.dataset_name, row.raw_uri, row.raw_sha256, row.spec_version
        )

    async def save_spec(
        self, dataset_id: uuid.UUID, spec_version: int, spec: DatasetSpec, now: datetime
    ) -> int:
        stored = self.specs.get(dataset_id)
        if stored is None or stored.version < spec_version:
            self.specs[dataset_id] = StoredSpec(spec_version, spec)
        return self.specs[dataset_id].version

    async def get_spec(self, dataset_id: uuid.UUID) -> StoredSpec | None:
        return self.specs.get(dataset_id)


@dataclass
class Received:
    versions: list[DatasetVersionCreated] = field(default_factory=list)
    failures: list[DatasetProcessingFailed] = field(default_factory=list)
    lineage: list[RunEvent] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    schema_changes: list[SchemaChanged] = field(default_factory=list)


@dataclass
class Rig:
    broker: KafkaBroker
    publisher: EventPublisher
    processor: DatasetProcessor
    store: FakeStore
    repository: FakeVersionRepository
    metrics: ProfilerMetrics
    received: Received
    source_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def change(self, data: bytes, name: str = "palmer-penguins") -> SourceChanged:
        """Put `data` in the raw zone (content-addressed) and describe it as a change."""
        sha = hashlib.sha256(data).hexdigest()
        uri = f"s3://mdc-raw/sha256/{sha[:2]}/{sha}"
        self.store.objects[uri] = data
        change_id = uuid.uuid4()
        return SourceChanged(
            producer="change-detector",
            correlation_id=change_id,
            change_id=change_id,
            source_id=self.source_id,
            source_name=name,
            url="https://x.org/p.csv",
            raw_uri=uri,
            sha256=sha,
            size_bytes=len(data),
            detected_at=utc_now(),
        )

    async def send(self, change: SourceChanged) -> None:
        await self.publisher.publish(Topic.SOURCE_CHANGES, change, key=str(change.source_id))

    def spec_event(
        self, spec: DatasetSpec, version: int = 1, name: str = "palmer-penguins"
    ) -> DatasetSpecPublished:
        return DatasetSpecPublished(
            producer="catalog",
            correlation_id=uuid.uuid4(),
            dataset_id=self.source_id,
            dataset_name=name,
            spec_version=version,
            spec=spec,
        )

    async def send_spec(self, event: DatasetSpecPublished) -> None:
        await self.publisher.publish(Topic.DATASET_SPECS, event, key=str(event.dataset_id))


def rig(tmp_path: Path, clock: Callable[[], datetime] = utc_now) -> Rig:
    broker = KafkaBroker()
    base = ServiceMetrics("profiler")
    publisher = EventPublisher(broker, base)
    store, repository, metrics = FakeStore(), FakeVersionRepository(), ProfilerMetrics(base)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    processor = DatasetProcessor(
        store=store,
        repository=repository,
        publisher=publisher,
        settings=ProfilerSettings(work_dir=str(work)),
        metrics=metrics,
        clock=clock,
    )
    register_handlers(broker, publisher, processor)
    received = Received()

    @broker.subscriber(Topic.DATASET_VERSIONS.value, group_id="test-versions")
    async def on_version(body: dict[str, Any]) -> None:
        received.versions.append(DatasetVersionCreated.model_validate(body))

    @broker.subscriber(Topic.DATASET_FAILURES.value, group_id="test-failures")
    async def on_failure(body: dict[str, Any]) -> None:
        received.failures.append(DatasetProcessingFailed.model_validate(body))

    @broker.subscriber(Topic.LINEAGE.value, group_id="test-lineage")
    async def on_lineage(body: dict[str, Any]) -> None:
        received.lineage.append(RunEvent.model_validate(body))

    @broker.subscriber(Topic.SCHEMA_CHANGES.value, group_id="test-schema")
    async def on_schema(body: dict[str, Any]) -> None:
        received.schema_changes.append(SchemaChanged.model_validate(body))

    @broker.subscriber(Topic.DEAD_LETTERS.value, group_id="test-dead")
    async def on_dead(body: dict[str, Any]) -> None:
        received.dead.append(DeadLetter.model_validate(body))

    return Rig(broker, publisher, processor, store, repository, metrics, received)


def work_is_clean(tmp_path: Path) -> bool:
    work = tmp_path / "work"
    leftovers = list(work.iterdir())
    for leftover in leftovers:
        shutil.rmtree(leftover, ignore_errors=True)
    return not leftovers
