"""What one RunEvent becomes in the store: plain records, free of SQL and of OpenLineage parsing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from mdc_contracts.lineage import RunState


class Direction(StrEnum):
    """How a dataset relates to a job: read by it (input) or written by it (output)."""

    INPUT = "input"
    OUTPUT = "output"


class VersionOrigin(StrEnum):
    FACET = "facet"  # the producer's `version` dataset facet
    CONTENT = "content"  # derived from the output's schema and statistics facets


@dataclass(frozen=True, order=True)
class EntityKey:
    """A dataset's or job's OpenLineage identity."""

    namespace: str
    name: str


@dataclass(frozen=True)
class DatasetRecord:
    key: EntityKey
    fields: list[dict[str, Any]] | None  # latest schema facet fields, None when not reported


@dataclass(frozen=True)
class DatasetVersionRecord:
    dataset: EntityKey
    version: str
    origin: VersionOrigin
    written: bool  # seen as an output (a write) rather than as an input (a read)
    row_count: int | None = None
    byte_count: int | None = None
    fields: list[dict[str, Any]] | None = None


@dataclass(frozen=True, order=True)
class EdgeRecord:
    job: EntityKey
    dataset: EntityKey
    direction: Direction


@dataclass(frozen=True)
class ColumnEdgeRecord:
    """Field `output_field` of dataset `output` is derived from field `input_field` of `input`
    (the `columnLineage` facet); an empty `output_field` means the whole output dataset depends
    on that input field (the facet's dataset-level list: filters, joins, sorts...)."""

    input: EntityKey
    input_field: str
    output: EntityKey
    output_field: str
    transformation_type: str | None = None  # DIRECT | INDIRECT (None: not said)
    transformation_subtype: str | None = None  # IDENTITY, TRANSFORMATION, AGGREGATION, FILTER...
    description: str | None = None

    @property
    def key(self) -> tuple[EntityKey, str, EntityKey, str]:
        return (self.input, self.input_field, self.output, self.output_field)


@dataclass(frozen=True)
class RunDatasetRecord:
    """A dataset a run read (input) or wrote (output), with what the event said of it."""

    dataset: EntityKey
    direction: Direction
    version: str | None = None  # the version read or written, when known
    row_count: int | None = None
    byte_count: int | None = None

    @property
    def key(self) -> tuple[EntityKey, Direction]:
        return (self.dataset, self.direction)


@dataclass(frozen=True)
class RunRecord:
    run_id: uuid.UUID
    job: EntityKey
    event_type: RunState
    event_time: datetime
    parent_run_id: uuid.UUID | None = None
    parent_job: EntityKey | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class IngestRecords:
    """Everything one RunEvent contributes; datasets, edges and versions are sorted and unique,
    so every writer locks rows in the same order."""

    run: RunRecord
    payload: dict[str, Any]
    namespaces: tuple[str, ...]
    datasets: tuple[DatasetRecord, ...] = ()
    edges: tuple[EdgeRecord, ...] = ()
    versions: tuple[DatasetVersionRecord, ...] = ()
    column_edges: tuple[ColumnEdgeRecord, ...] = ()  # sorted by key
    run_datasets: tuple[RunDatasetRecord, ...] = ()  # sorted by key
    warnings: tuple[str, ...] = ()  # known facets that were malformed and ignored


@dataclass(frozen=True)
class RunSnapshot:
    """The stored state of a run, as the merge rules see it."""

    job: EntityKey
    state: RunState
    state_at: datetime | None  # time of the event that set `state`; None when only OTHER seen
    started_at: datetime | None = None
    ended_at: datetime | None = None
    parent_run_id: uuid.UUID | None = None
    parent_job: EntityKey | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class RunDatasetSnapshot:
    """The stored row of a run's input or output, as the merge rules see it."""

    version: str | None
    row_count: int | None
    byte_count: int | None
    event_time: datetime  # latest eventTime that reported the dataset for this run


@dataclass(frozen=True)
class ColumnEdgeSnapshot:
    """The stored column edge, as the merge rules see it."""

    record: ColumnEdgeRecord  # its transformation attributes are those of the latest event
    run_id: uuid.UUID  # the run of that latest event
    first_seen_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class CurrentVersion:
    version: str
    seen_at: datetime
    written: bool


@dataclass
class IngestOutcome:
    run_id: uuid.UUID
    event_type: RunState
    stored: bool  # False: the same event was already stored, nothing changed
    warnings: list[str] = field(default_factory=list)
