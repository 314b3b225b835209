"""Events about sources: definitions (catalog), checks and changes (change-detector)."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mdc_contracts.envelope import Envelope


class SourceDefined(Envelope):
    """The current definition of a source; the latest event per `source_id` wins."""

    event_type: Literal["SourceDefined"] = "SourceDefined"
    source_id: uuid.UUID
    name: str = Field(examples=["palmer-penguins"])
    url: str = Field(examples=["https://data.example.org/penguins.csv"])
    check_interval_seconds: int = Field(ge=1, examples=[3600])
    active: bool = Field(default=True, description="False when paused or deleted.")
    revision: int = Field(ge=1, description="Increases with every change of the definition.")
    # Optional and defaulted, so events of older producers still validate (backward compatible).
    check_requested_at: AwareDatetime | None = Field(
        default=None,
        description='A provider asked for a check at this time ("check now"); a consumer '
        "checks at once when this is newer than the last request it saw.",
    )


class CheckOutcome(StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    FAILED = "failed"


class FailureReason(StrEnum):
    DNS = "dns"
    CONNECT = "connect"
    TIMEOUT = "timeout"
    HTTP_STATUS = "http_status"
    TOO_LARGE = "too_large"
    NOT_TABULAR = "not_tabular"
    EMPTY = "empty"
    STORAGE = "storage"
    OTHER = "other"


class CheckFailure(BaseModel):
    model_config = ConfigDict(frozen=True)

    reason: FailureReason
    message: str = Field(examples=["HTTP 404 Not Found"])
    http_status: int | None = None


class SourceChecked(Envelope):
    """One check of one source, whatever its outcome; `failure` is set when it failed."""

    event_type: Literal["SourceChecked"] = "SourceChecked"
    source_id: uuid.UUID
    url: str
    outcome: CheckOutcome
    checked_at: AwareDatetime
    duration_ms: float = Field(ge=0)
    sha256: str | None = Field(default=None, description="Content hash when the body was read.")
    change_id: uuid.UUID | None = Field(default=None, description="Set when outcome is `changed`.")
    failure: CheckFailure | None = None
    consecutive_failures: int = Field(default=0, ge=0)


class SourceChanged(Envelope):
    """The content of a source really changed; the new bytes are in the raw zone."""

    event_type: Literal["SourceChanged"] = "SourceChanged"
    change_id: uuid.UUID = Field(description="Id of the change; also the correlation id.")
    source_id: uuid.UUID
    source_name: str = Field(examples=["palmer-penguins"])
    url: str
    raw_uri: str = Field(examples=["s3://mdc-raw/sha256/ab/abcd....csv"])
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    detected_at: AwareDatetime
