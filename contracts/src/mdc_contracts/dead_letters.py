"""Events a consumer could not accept, kept with the reason instead of being lost."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from mdc_contracts.envelope import Envelope, deterministic_id


class DeadLetter(Envelope):
    """A message rejected by a consumer: malformed, or refused as bad input."""

    event_type: Literal["DeadLetter"] = "DeadLetter"
    consumer_group: str = Field(examples=["catalog"])
    topic: str
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)
    key: str | None = None
    payload: str = Field(description="The original message body (truncated to 100 kB).")
    error: str = Field(examples=["malformed SourceChanged: sha256: String should match pattern"])

    @staticmethod
    def correlation_for(topic: str, partition: int, offset: int) -> uuid.UUID:
        return deterministic_id("dead-letter", topic, partition, offset)
