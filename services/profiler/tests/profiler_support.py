"""In-memory fakes of the profiler's ports, and a rig wiring them to an in-memory broker."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker
from mdc_common.broker import EventPublisher
from mdc_common.metrics import ServiceMetrics
from mdc_common.storage import S3Uri
from mdc_contracts import (
    DatasetProcessingFailed,
    DatasetVersionCreated,
    DeadLetter,
    RunEvent,
    SourceChanged,
    Topic,
    utc_now,
)
from mdc_profiler.config import ProfilerSettings
from mdc_profiler.handlers import register_handlers
from mdc_profiler.metrics import ProfilerMetrics
from mdc_profiler.ports import AssignedVersion, OutgoingEvent
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


class FakeVersionRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, FakeVersionRow] = {}

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
    ) -> AssignedVersion:
        if change_id not in self.rows:
            latest = max(
                (r.version for r in self.rows.values() if r.dataset_id == dataset_id), default=0
            )
            self.rows[change_id] = FakeVersionRow(dataset_id, latest + 1, now)
        row = self.rows[change_id]
        return AssignedVersion(row.version, row.created_at, row.published)

    async def complete(
        self,
        change_id: uuid.UUID,
        *,
        parquet_uri: str,
        row_count: int,
        published: list[OutgoingEvent],
        now: datetime,
    ) -> None:
        self.rows[change_id].published = published


@dataclass
class Received:
    versions: list[DatasetVersionCreated] = field(default_factory=list)
    failures: list[DatasetProcessingFailed] = field(default_factory=list)
    lineage: list[RunEvent] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)


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


def rig(tmp_path: Path) -> Rig:
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
