"""OpenLineage RunEvent (spec 2-0-2) as carried on the lineage topic.

Lineage events are OpenLineage documents, not MDC envelopes, so stock OpenLineage clients can
produce them unchanged. Facets stay free-form here; the lineage service reads the ones it knows.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

OPENLINEAGE_SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
MDC_PRODUCER_URL = "https://github.com/mdc-platform/mdc"


class RunState(StrEnum):
    START = "START"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    ABORT = "ABORT"
    FAIL = "FAIL"
    OTHER = "OTHER"


class _OpenLineageModel(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


class OLRun(_OpenLineageModel):
    runId: uuid.UUID
    facets: dict[str, Any] = Field(default_factory=dict)


class OLJob(_OpenLineageModel):
    namespace: str = Field(min_length=1)
    name: str = Field(min_length=1)
    facets: dict[str, Any] = Field(default_factory=dict)


class OLDataset(_OpenLineageModel):
    namespace: str = Field(min_length=1)
    name: str = Field(min_length=1)
    facets: dict[str, Any] = Field(default_factory=dict)


class OLInputDataset(OLDataset):
    inputFacets: dict[str, Any] = Field(default_factory=dict)


class OLOutputDataset(OLDataset):
    outputFacets: dict[str, Any] = Field(default_factory=dict)


class RunEvent(_OpenLineageModel):
    """An OpenLineage RunEvent; `eventType` may be omitted by the spec (then OTHER)."""

    eventType: RunState = RunState.OTHER
    eventTime: AwareDatetime
    run: OLRun
    job: OLJob
    inputs: list[OLInputDataset] = Field(default_factory=list)
    outputs: list[OLOutputDataset] = Field(default_factory=list)
    producer: str = Field(min_length=1)
    schemaURL: str = OPENLINEAGE_SCHEMA_URL
