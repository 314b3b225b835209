"""The envelope every MDC event carries: identity, type, version, time, producer, correlation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# Namespace for deterministic event ids: the same fact always gets the same id, so a
# re-delivered or re-published event is recognisably the same event downstream.
EVENT_ID_NAMESPACE = uuid.UUID("5b1f0d0e-6c5e-4f0b-9a51-3d8c2f0b7a11")


def deterministic_id(*parts: object) -> uuid.UUID:
    """A UUIDv5 derived from the given parts, stable across processes and re-deliveries."""
    return uuid.uuid5(EVENT_ID_NAMESPACE, "/".join(str(p) for p in parts))


def utc_now() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """Fields common to every event. Concrete events subclass it and fix `event_type`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    # Bumped only with a breaking change, which also gets a new topic suffix (.v2).
    SCHEMA_VERSION: ClassVar[int] = 1

    event_id: uuid.UUID = Field(
        default_factory=uuid.uuid4, description="Unique id of this event; stable on re-delivery."
    )
    event_type: str = Field(description="Name of the event model, e.g. `SourceChanged`.")
    schema_version: int = Field(default=1, ge=1, description="Version of the event's schema.")
    occurred_at: AwareDatetime = Field(default_factory=utc_now, description="When it happened.")
    producer: str = Field(description="Service that produced the event, e.g. `change-detector`.")
    correlation_id: uuid.UUID = Field(
        description="Id shared by every event caused by one source change (the change's id)."
    )

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return cls.model_json_schema(mode="serialization")
