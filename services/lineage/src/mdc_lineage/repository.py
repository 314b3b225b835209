"""PostgreSQL store, schema `lineage`: the write side (one transaction per event).

Rows are locked in one fixed order (event, namespaces, job, datasets by key, run, edges, column
edges, versions, run datasets; each kind sorted by key) so concurrent writers cannot deadlock each
other; a deadlock or serialization failure that still happens is retried.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from typing import Any

from mdc_common.errors import DependencyFailed
from sqlalchemy import case, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mdc_lineage import history, queries
from mdc_lineage.errors import InvalidEvent
from mdc_lineage.merging import (
    EdgeWrite,
    edge_write,
    merge_run,
    replaces_current_version,
    replaces_fields,
)
from mdc_lineage.models import column_edges_table as column_edges_t
from mdc_lineage.models import dataset_versions_table as versions_t
from mdc_lineage.models import datasets_table as datasets_t
from mdc_lineage.models import edges_table as edges_t
from mdc_lineage.models import jobs_table as jobs_t
from mdc_lineage.models import namespaces_table as namespaces_t
from mdc_lineage.models import run_datasets_table as run_datasets_t
from mdc_lineage.models import run_events_table as events_t
from mdc_lineage.models import runs_table as runs_t
from mdc_lineage.nodes import NodeKey, NodeRef
from mdc_lineage.ports import (
    DatasetRunView,
    DatasetVersionView,
    DatasetView,
    GraphEdge,
    JobView,
    RunDatasetView,
    RunView,
)
from mdc_lineage.records import CurrentVersion, EntityKey, IngestRecords, RunSnapshot

log = logging.getLogger(__name__)

_RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected
_ATTEMPTS = 3


class PostgresLineageStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def store(self, records: IngestRecords, door: str) -> bool:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                async with self.engine.begin() as conn:
                    return await _apply(conn, records, door)
            except DataError as err:  # a value PostgreSQL refuses: the event's fault
                raise InvalidEvent(f"the store refused a value of the event: {err.orig}") from err
            except DBAPIError as err:
                sqlstate = getattr(err.orig, "sqlstate", None)
                if sqlstate in _RETRYABLE_SQLSTATES and attempt < _ATTEMPTS:
                    log.warning("retrying after %s", sqlstate, extra={"attempt": attempt})
                    continue
                if err.connection_invalidated or isinstance(err.orig, OSError) or sqlstate is None:
                    raise DependencyFailed(f"database unavailable: {err.orig}") from err
                raise
            except OSError as err:
                raise DependencyFailed(f"database unavailable: {err}") from err
        raise AssertionError("unreachable")  # pragma: no cover

    async def ping(self) -> None:
        async with self._reading() as conn:
            await conn.execute(text("SELECT 1"))

    async def find_nodes(self, keys: Sequence[NodeKey]) -> list[NodeRef]:
        async with self._reading() as conn:
            return await queries.find_nodes(conn, keys)

    async def edges_near(
        self, upstream_of: Collection[NodeRef], downstream_of: Collection[NodeRef]
    ) -> list[GraphEdge]:
        async with self._reading() as conn:
            return await queries.edges_near(conn, upstream_of, downstream_of)

    async def datasets(self, refs: Collection[NodeRef]) -> list[DatasetView]:
        async with self._reading() as conn:
            return await queries.datasets(conn, refs)

    async def jobs(self, refs: Collection[NodeRef]) -> list[JobView]:
        async with self._reading() as conn:
            return await queries.jobs(conn, refs)

    async def dataset_versions(self, ref: NodeRef, limit: int) -> list[DatasetVersionView]:
        async with self._reading() as conn:
            return await queries.dataset_versions(conn, ref, limit)

    async def job_runs(self, ref: NodeRef, limit: int, offset: int) -> tuple[list[RunView], int]:
        async with self._reading() as conn:
            return await queries.job_runs(conn, ref, limit, offset)

    async def run_datasets(self, run_ids: Collection[uuid.UUID]) -> list[RunDatasetView]:
        async with self._reading() as conn:
            return await history.run_datasets(conn, run_ids)

    async def dataset_runs(
        self, ref: NodeRef, limit: int, offset: int
    ) -> tuple[list[DatasetRunView], int]:
        async with self._reading() as conn:
            return await history.dataset_runs(conn, ref, limit, offset)

    async def dataset_version_page(
        self, ref: NodeRef, limit: int, offset: int
    ) -> tuple[list[DatasetVersionView], int]:
        async with self._reading() as conn:
            return await history.dataset_version_page(conn, ref, limit, offset)

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self.engine.connect() as conn:
                yield conn
        except DBAPIError as err:
            if err.connection_invalidated or getattr(err.orig, "sqlstate", None) is None:
                raise DependencyFailed(f"database unavailable: {err.orig}") from err
            raise
        except OSError as err:
            raise DependencyFailed(f"database unavailable: {err}") from err


async def _apply(conn: AsyncConnection, records: IngestRecords, door: str) -> bool:
    run = records.run
    # The event row first: it is the idempotency check, and nothing else is written for a repeat.
    event_id = await conn.scalar(
        insert(events_t)
        .values(
            run_id=run.run_id,
            event_type=run.event_type.value,
            event_time=run.event_time,
            door=door,
            payload=records.payload,
        )
        .on_conflict_do_nothing(index_elements=["run_id", "event_type", "event_time"])
        .returning(events_t.c.id)
    )
    if event_id is None:
        return False
    await conn.execute(
        insert(namespaces_t)
        .values([{"name": n} for n in records.namespaces])
        .on_conflict_do_nothing(index_elements=["name"])
    )
    job_id = await conn.scalar(
        insert(jobs_t)
        .values(namespace=run.job.namespace, name=run.job.name)
        .on_conflict_do_update(
            index_elements=["namespace", "name"], set_={"updated_at": func.now()}
        )
        .returning(jobs_t.c.id)
    )
    dataset_ids = await _upsert_datasets(conn, records)
    await _upsert_run(conn, records, job_id)
    await _upsert_edges(conn, records, job_id, dataset_ids)
    await _upsert_column_edges(conn, records, job_id, dataset_ids)
    await _upsert_versions(conn, records, dataset_ids)
    await _upsert_run_datasets(conn, records, dataset_ids)
    return True


async def _upsert_edges(
    conn: AsyncConnection, records: IngestRecords, job_id: int, dataset_ids: dict[EntityKey, int]
) -> None:
    """See merging.edge_write: COMPLETE records, a run under way only adds new edges."""
    write = edge_write(records.run.event_type)
    if not records.edges or write is EdgeWrite.SKIP:
        return
    run = records.run
    statement = insert(edges_t).values(
        [
            {
                "job_id": job_id,
                "dataset_id": dataset_ids[e.dataset],
                "direction": e.direction.value,
                "run_id": run.run_id,
                "first_seen_at": run.event_time,
                "last_seen_at": run.event_time,
            }
            for e in records.edges
        ]
    )
    if write is EdgeWrite.FIRST_SIGHTING:
        key = ["job_id", "dataset_id", "direction"]
        await conn.execute(statement.on_conflict_do_nothing(index_elements=key))
        return
    new = statement.excluded
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["job_id", "dataset_id", "direction"],
            set_={
                # The run that saw the edge last (by eventTime, whatever the arrival order).
                "run_id": case(
                    (new.last_seen_at >= edges_t.c.last_seen_at, new.run_id),
                    else_=edges_t.c.run_id,
                ),
                "last_seen_at": func.greatest(edges_t.c.last_seen_at, new.last_seen_at),
                "first_seen_at": func.least(edges_t.c.first_seen_at, new.first_seen_at),
            },
        )
    )


async def _upsert_column_edges(
    conn: AsyncConnection, records: IngestRecords, job_id: int, dataset_ids: dict[EntityKey, int]
) -> None:
    """As the dataset edges (merging.edge_write); the transformation attributes and the run are
    those of the latest report by eventTime (merging.merge_column_edge, in SQL)."""
    write = edge_write(records.run.event_type)
    if not records.column_edges or write is EdgeWrite.SKIP:
        return
    run = records.run
    statement = insert(column_edges_t).values(
        [
            {
                "job_id": job_id,
                "input_dataset_id": dataset_ids[e.input],
                "input_field": e.input_field,
                "output_dataset_id": dataset_ids[e.output],
                "output_field": e.output_field,
                "transformation_type": e.transformation_type,
                "transformation_subtype": e.transformation_subtype,
                "description": e.description,
                "run_id": run.run_id,
                "first_seen_at": run.event_time,
                "last_seen_at": run.event_time,
            }
            for e in records.column_edges
        ]
    )
    key = ["job_id", "input_dataset_id", "input_field", "output_dataset_id", "output_field"]
    if write is EdgeWrite.FIRST_SIGHTING:
        await conn.execute(statement.on_conflict_do_nothing(index_elements=key))
        return
    new, old = statement.excluded, column_edges_t.c
    latest = new.last_seen_at >= old.last_seen_at
    taken = ("transformation_type", "transformation_subtype", "description", "run_id")
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=key,
            set_={
                **{name: case((latest, new[name]), else_=old[name]) for name in taken},
                "last_seen_at": func.greatest(old.last_seen_at, new.last_seen_at),
                "first_seen_at": func.least(old.first_seen_at, new.first_seen_at),
            },
        )
    )


async def _upsert_run_datasets(
    conn: AsyncConnection, records: IngestRecords, dataset_ids: dict[EntityKey, int]
) -> None:
    """What the run read and wrote, from every event of any type (merging.merge_run_dataset,
    in SQL): the later event's values win, a value an event does not report is kept."""
    if not records.run_datasets:
        return
    run = records.run
    statement = insert(run_datasets_t).values(
        [
            {
                "run_id": run.run_id,
                "dataset_id": dataset_ids[r.dataset],
                "direction": r.direction.value,
                "version": r.version,
                "row_count": r.row_count,
                "byte_count": r.byte_count,
                "event_time": run.event_time,
            }
            for r in records.run_datasets
        ]
    )
    new, old = statement.excluded, run_datasets_t.c
    later = new.event_time >= old.event_time

    def latest_known(name: str) -> Any:
        return case(
            (later, func.coalesce(new[name], old[name])),
            else_=func.coalesce(old[name], new[name]),
        )

    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["run_id", "dataset_id", "direction"],
            set_={
                **{name: latest_known(name) for name in ("version", "row_count", "byte_count")},
                "event_time": func.greatest(old.event_time, new.event_time),
            },
        )
    )


async def _upsert_versions(
    conn: AsyncConnection, records: IngestRecords, dataset_ids: dict[EntityKey, int]
) -> None:
    """A version seen again creates nothing new; it only fills in what its first report lacked
    (START announces a version, COMPLETE brings its statistics) and keeps its earliest sighting."""
    if not records.versions:
        return
    run = records.run
    statement = insert(versions_t).values(
        [
            {
                "dataset_id": dataset_ids[v.dataset],
                "version": v.version,
                "origin": v.origin.value,
                "written": v.written,
                "run_id": run.run_id,
                "created_at": run.event_time,
                "row_count": v.row_count,
                "byte_count": v.byte_count,
                "fields": v.fields,
            }
            for v in records.versions
        ]
    )
    new, old = statement.excluded, versions_t.c
    earlier = new.created_at < old.created_at
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["dataset_id", "version"],
            set_={
                "written": old.written | new.written,
                "row_count": func.coalesce(old.row_count, new.row_count),
                "byte_count": func.coalesce(old.byte_count, new.byte_count),
                "fields": func.coalesce(old.fields, new.fields),
                "run_id": case((earlier, new.run_id), else_=old.run_id),
                "created_at": func.least(old.created_at, new.created_at),
            },
        )
    )


async def _upsert_datasets(conn: AsyncConnection, records: IngestRecords) -> dict[EntityKey, int]:
    """Create or lock the event's datasets, then move their schema and current version on."""
    if not records.datasets:
        return {}
    # DO UPDATE (not DO NOTHING) so that every row comes back, locked, with its current state.
    rows = (
        await conn.execute(
            insert(datasets_t)
            .values([{"namespace": d.key.namespace, "name": d.key.name} for d in records.datasets])
            .on_conflict_do_update(
                index_elements=["namespace", "name"], set_={"updated_at": func.now()}
            )
            .returning(*datasets_t.c)
        )
    ).all()
    by_key = {EntityKey(r.namespace, r.name): r for r in rows}
    event_time = records.run.event_time
    for dataset in records.datasets:
        row = by_key[dataset.key]
        changes: dict[str, Any] = {}
        if dataset.fields is not None and replaces_fields(row.fields_at, event_time):
            changes.update(fields=dataset.fields, fields_at=event_time)
        current = (
            CurrentVersion(row.current_version, row.current_version_at, row.current_version_written)
            if row.current_version is not None
            else None
        )
        for version in (v for v in records.versions if v.dataset == dataset.key):
            candidate = CurrentVersion(version.version, event_time, version.written)
            if replaces_current_version(current, candidate):
                current = candidate
                changes.update(
                    current_version=candidate.version,
                    current_version_at=candidate.seen_at,
                    current_version_written=candidate.written,
                )
        if changes:
            await conn.execute(update(datasets_t).where(datasets_t.c.id == row.id).values(changes))
    return {key: row.id for key, row in by_key.items()}


async def _upsert_run(conn: AsyncConnection, records: IngestRecords, job_id: int) -> None:
    run = records.run
    initial = merge_run(None, run)
    row = (
        await conn.execute(
            insert(runs_t)
            .values(run_id=run.run_id, job_id=job_id, **_run_columns(initial))
            .on_conflict_do_update(index_elements=["run_id"], set_={"updated_at": func.now()})
            .returning(*runs_t.c)
        )
    ).one()
    owner = run.job
    if row.job_id != job_id:
        owner_row = (
            await conn.execute(
                select(jobs_t.c.namespace, jobs_t.c.name).where(jobs_t.c.id == row.job_id)
            )
        ).one()
        owner = EntityKey(owner_row.namespace, owner_row.name)
    current = queries.run_snapshot(row, owner)
    merged = merge_run(current, run)  # raises InvalidEvent when the run belongs to another job
    if merged != current:
        await conn.execute(
            update(runs_t).where(runs_t.c.run_id == run.run_id).values(_run_columns(merged))
        )


def _run_columns(run: RunSnapshot) -> dict[str, Any]:
    return {
        "state": run.state.value,
        "state_at": run.state_at,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
        "parent_run_id": run.parent_run_id,
        "parent_job_namespace": run.parent_job.namespace if run.parent_job else None,
        "parent_job_name": run.parent_job.name if run.parent_job else None,
        "error_message": run.error_message,
    }
