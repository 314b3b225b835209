"""The store the domain needs: a small interface, implemented on PostgreSQL and faked in tests."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from mdc_contracts.lineage import RunState

from mdc_lineage.nodes import NodeKey, NodeRef
from mdc_lineage.records import Direction, EntityKey, IngestRecords, VersionOrigin


@dataclass(frozen=True, order=True)
class GraphEdge:
    """A stored edge: `job` reads `dataset` (INPUT) or writes it (OUTPUT)."""

    job: NodeRef
    dataset: NodeRef
    direction: Direction
    # Computed once (graph walks hash and follow many thousands of edges).
    origin: NodeRef = field(init=False, compare=False, repr=False)
    destination: NodeRef = field(init=False, compare=False, repr=False)
    _hash: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        reads = self.direction is Direction.INPUT
        object.__setattr__(self, "origin", self.dataset if reads else self.job)
        object.__setattr__(self, "destination", self.job if reads else self.dataset)
        object.__setattr__(self, "_hash", hash((self.job, self.dataset, self.direction)))

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True)
class RunView:
    run_id: uuid.UUID
    job: EntityKey
    state: RunState
    started_at: datetime | None
    ended_at: datetime | None
    created_at: datetime
    updated_at: datetime
    parent_run_id: uuid.UUID | None = None
    parent_job: EntityKey | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class JobView:
    ref: NodeRef
    created_at: datetime
    updated_at: datetime
    latest_run: RunView | None


@dataclass(frozen=True)
class DatasetView:
    ref: NodeRef
    created_at: datetime
    updated_at: datetime
    fields: list[dict[str, Any]] | None
    current_version: str | None
    current_version_at: datetime | None


@dataclass(frozen=True)
class DatasetVersionView:
    version: str
    origin: VersionOrigin
    run_id: uuid.UUID
    created_at: datetime  # eventTime of the event that first reported this version
    row_count: int | None
    byte_count: int | None
    fields: list[dict[str, Any]] | None


@dataclass(frozen=True)
class RunDatasetView:
    """A dataset a run read (INPUT) or wrote (OUTPUT), with the version and statistics."""

    run_id: uuid.UUID
    dataset: EntityKey
    direction: Direction
    version: str | None
    row_count: int | None
    byte_count: int | None
    event_time: datetime  # latest eventTime of the run that reported the dataset


@dataclass(frozen=True)
class DatasetRunView:
    """A run that read or wrote a dataset, and how."""

    run: RunView
    io: RunDatasetView


class LineageStore(Protocol):
    async def store(self, records: IngestRecords, door: str) -> bool:
        """Apply the records of one event atomically; False if that event was already stored."""
        ...

    async def find_nodes(self, keys: Sequence[NodeKey]) -> list[NodeRef]:
        """The given nodes that exist (in any order)."""
        ...

    async def edges_near(
        self, upstream_of: Collection[NodeRef], downstream_of: Collection[NodeRef]
    ) -> list[GraphEdge]:
        """Edges ending at a node of `upstream_of` and edges starting at one of `downstream_of`."""
        ...

    async def datasets(self, refs: Collection[NodeRef]) -> list[DatasetView]: ...

    async def jobs(self, refs: Collection[NodeRef]) -> list[JobView]: ...

    async def dataset_versions(self, ref: NodeRef, limit: int) -> list[DatasetVersionView]:
        """Versions of a dataset, latest first."""
        ...

    async def job_runs(self, ref: NodeRef, limit: int, offset: int) -> tuple[list[RunView], int]:
        """Runs of a job, latest first, and how many there are in all."""
        ...

    async def run_datasets(self, run_ids: Collection[uuid.UUID]) -> list[RunDatasetView]:
        """What the given runs read and wrote."""
        ...

    async def dataset_runs(
        self, ref: NodeRef, limit: int, offset: int
    ) -> tuple[list[DatasetRunView], int]:
        """Runs that read or wrote a dataset, one entry per run and direction, latest run first,
        and how many entries there are in all."""
        ...

    async def dataset_version_page(
        self, ref: NodeRef, limit: int, offset: int
    ) -> tuple[list[DatasetVersionView], int]:
        """Versions of a dataset, latest first, and how many there are in all."""
        ...

    async def ping(self) -> None: ...
