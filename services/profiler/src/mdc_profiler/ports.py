"""What the processor needs from the database and the object store, as small interfaces.

PostgreSQL and the ObjectStore implement them for real; unit tests use in-memory fakes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from mdc_common.storage import S3Uri
from mdc_contracts import ColumnProfile, DatasetSpec, Topic
from pydantic import BaseModel


@dataclass(frozen=True)
class OutgoingEvent:
    topic: Topic
    key: str
    payload: dict[str, Any]

    @classmethod
    def of(cls, topic: Topic, event: BaseModel, key: str) -> OutgoingEvent:
        return cls(topic, key, event.model_dump(mode="json", by_alias=True))

    def as_json(self) -> dict[str, Any]:
        return {"topic": self.topic.value, "key": self.key, "payload": self.payload}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutgoingEvent:
        return cls(Topic(data["topic"]), data["key"], data["payload"])


@dataclass(frozen=True)
class AssignedVersion:
    """The version number a change got the first time; `published` once it was completed."""

    version: int
    created_at: datetime
    published: list[OutgoingEvent] | None = None


@dataclass(frozen=True)
class VersionProfile:
    """A completed version's column profiles: what the next version is compared with."""

    version: int
    row_count: int
    columns: list[ColumnProfile]


@dataclass(frozen=True)
class LatestRaw:
    """The raw file behind a dataset's latest completed version (re-standardized on a new spec)."""

    change_id: uuid.UUID
    version: int
    dataset_name: str
    raw_uri: str
    raw_sha256: str
    spec_version: int | None


@dataclass(frozen=True)
class StoredSpec:
    version: int
    spec: DatasetSpec


class VersionRepository(Protocol):
    async def find(self, change_id: uuid.UUID) -> AssignedVersion | None: ...

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
        """The next version of the dataset, or the one this change already has."""
        ...

    async def release(self, change_id: uuid.UUID) -> None:
        """Forget a version number whose file turned out bad (unless it was completed)."""

    async def complete(
        self,
        change_id: uuid.UUID,
        *,
        parquet_uri: str,
        row_count: int,
        published: list[OutgoingEvent],
        now: datetime,
        columns: list[ColumnProfile] | None = None,
    ) -> None: ...

    async def previous_profile(self, dataset_id: uuid.UUID, before: int) -> VersionProfile | None:
        """The latest completed version lower than `before`, with its column profiles."""

    async def latest_raw(self, dataset_id: uuid.UUID) -> LatestRaw | None: ...

    async def save_spec(
        self, dataset_id: uuid.UUID, spec_version: int, spec: DatasetSpec, now: datetime
    ) -> int:
        """Keep the spec unless a newer one is stored; returns the stored version."""
        ...

    async def get_spec(self, dataset_id: uuid.UUID) -> StoredSpec | None: ...


class ObjectFiles(Protocol):
    """The part of mdc_common.storage.ObjectStore the processor uses (blocking calls)."""

    def get_file(self, uri: S3Uri, path: str) -> None: ...

    def put_file(self, uri: S3Uri, path: str, content_type: str) -> None: ...
