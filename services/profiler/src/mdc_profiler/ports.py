"""What the processor needs from the database and the object store, as small interfaces.

PostgreSQL and the ObjectStore implement them for real; unit tests use in-memory fakes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from mdc_common.storage import S3Uri
from mdc_contracts import Topic
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
    ) -> AssignedVersion:
        """The next version of the dataset, or the one this change already has."""
        ...

    async def complete(
        self,
        change_id: uuid.UUID,
        *,
        parquet_uri: str,
        row_count: int,
        published: list[OutgoingEvent],
        now: datetime,
    ) -> None: ...


class ObjectFiles(Protocol):
    """The part of mdc_common.storage.ObjectStore the processor uses (blocking calls)."""

    def get_file(self, uri: S3Uri, path: str) -> None: ...

    def put_file(self, uri: S3Uri, path: str, content_type: str) -> None: ...
