"""PostgreSQL store, schema `lineage`: the read side (graph levels, nodes, runs, versions)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from mdc_contracts.lineage import RunState
from sqlalchemy import ColumnElement, and_, func, or_, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from mdc_lineage.models import dataset_versions_table as versions_t
from mdc_lineage.models import datasets_table as datasets_t
from mdc_lineage.models import edges_table as edges_t
from mdc_lineage.models import jobs_table as jobs_t
from mdc_lineage.models import runs_table as runs_t
from mdc_lineage.nodes import NodeKey, NodeKind, NodeRef
from mdc_lineage.ports import DatasetVersionView, DatasetView, GraphEdge, JobView, RunView
from mdc_lineage.records import Direction, EntityKey, RunSnapshot, VersionOrigin

# Latest run first: by when it started, else by its latest state change, else by arrival.
_RUN_RECENCY = (
    func.coalesce(runs_t.c.started_at, runs_t.c.state_at, runs_t.c.created_at).desc(),
    runs_t.c.run_id,
)


async def find_nodes(conn: AsyncConnection, keys: Sequence[NodeKey]) -> list[NodeRef]:
    found: list[NodeRef] = []
    for kind, table in ((NodeKind.DATASET, datasets_t), (NodeKind.JOB, jobs_t)):
        wanted = [(k.namespace, k.name) for k in keys if k.kind is kind]
        if not wanted:
            continue
        rows = await conn.execute(
            select(table.c.id, table.c.namespace, table.c.name).where(
                tuple_(table.c.namespace, table.c.name).in_(wanted)
            )
        )
        found += [NodeRef(NodeKey(kind, r.namespace, r.name), r.id) for r in rows]
    return found


async def edges_near(
    conn: AsyncConnection, upstream_of: Collection[NodeRef], downstream_of: Collection[NodeRef]
) -> list[GraphEdge]:
    """One query for a whole BFS level, both directions.

    An output edge runs job -> dataset and an input edge dataset -> job, so the edges ending at a
    dataset are its output edges, those ending at a job its input edges, and conversely."""

    def ids(refs: Collection[NodeRef], kind: NodeKind) -> list[int]:
        return [r.row_id for r in refs if r.kind is kind]

    def edges_at(column: Any, direction: Direction, row_ids: list[int]) -> ColumnElement[bool]:
        return and_(edges_t.c.direction == direction.value, column.in_(row_ids))

    conditions = [
        edges_at(edges_t.c.dataset_id, Direction.OUTPUT, ids(upstream_of, NodeKind.DATASET)),
        edges_at(edges_t.c.job_id, Direction.INPUT, ids(upstream_of, NodeKind.JOB)),
        edges_at(edges_t.c.dataset_id, Direction.INPUT, ids(downstream_of, NodeKind.DATASET)),
        edges_at(edges_t.c.job_id, Direction.OUTPUT, ids(downstream_of, NodeKind.JOB)),
    ]
    rows = await conn.execute(
        select(
            edges_t.c.direction,
            jobs_t.c.id.label("job_id"),
            jobs_t.c.namespace.label("job_namespace"),
            jobs_t.c.name.label("job_name"),
            datasets_t.c.id.label("dataset_id"),
            datasets_t.c.namespace.label("dataset_namespace"),
            datasets_t.c.name.label("dataset_name"),
        )
        .join(jobs_t, jobs_t.c.id == edges_t.c.job_id)
        .join(datasets_t, datasets_t.c.id == edges_t.c.dataset_id)
        .where(or_(*conditions))
    )
    return [
        GraphEdge(
            job=NodeRef(NodeKey(NodeKind.JOB, r.job_namespace, r.job_name), r.job_id),
            dataset=NodeRef(
                NodeKey(NodeKind.DATASET, r.dataset_namespace, r.dataset_name), r.dataset_id
            ),
            direction=Direction(r.direction),
        )
        for r in rows
    ]


async def datasets(conn: AsyncConnection, refs: Collection[NodeRef]) -> list[DatasetView]:
    by_id = {r.row_id: r for r in refs}
    rows = await conn.execute(select(datasets_t).where(datasets_t.c.id.in_(list(by_id))))
    return [
        DatasetView(
            ref=by_id[r.id],
            created_at=r.created_at,
            updated_at=r.updated_at,
            fields=r.fields,
            current_version=r.current_version,
            current_version_at=r.current_version_at,
        )
        for r in rows
    ]


async def jobs(conn: AsyncConnection, refs: Collection[NodeRef]) -> list[JobView]:
    by_id = {r.row_id: r for r in refs}
    latest = (
        select(runs_t).where(runs_t.c.job_id == jobs_t.c.id).order_by(*_RUN_RECENCY).limit(1)
    ).lateral("latest")
    rows = await conn.execute(
        select(
            jobs_t.c.id.label("job_row_id"),
            jobs_t.c.created_at.label("job_created_at"),
            jobs_t.c.updated_at.label("job_updated_at"),
            latest,
        )
        .select_from(jobs_t.outerjoin(latest, true()))
        .where(jobs_t.c.id.in_(list(by_id)))
    )
    views = []
    for r in rows:
        ref = by_id[r.job_row_id]
        key = EntityKey(ref.key.namespace, ref.key.name)
        latest_run = run_view(r, key) if r.run_id is not None else None
        views.append(JobView(ref, r.job_created_at, r.job_updated_at, latest_run))
    return views


async def dataset_versions(
    conn: AsyncConnection, ref: NodeRef, limit: int, offset: int = 0
) -> list[DatasetVersionView]:
    rows = await conn.execute(
        select(versions_t)
        .where(versions_t.c.dataset_id == ref.row_id)
        .order_by(versions_t.c.created_at.desc(), versions_t.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        DatasetVersionView(
            version=r.version,
            origin=VersionOrigin(r.origin),
            run_id=r.run_id,
            created_at=r.created_at,
            row_count=r.row_count,
            byte_count=r.byte_count,
            fields=r.fields,
        )
        for r in rows
    ]


async def job_runs(
    conn: AsyncConnection, ref: NodeRef, limit: int, offset: int
) -> tuple[list[RunView], int]:
    key = EntityKey(ref.key.namespace, ref.key.name)
    total = await conn.scalar(
        select(func.count()).select_from(runs_t).where(runs_t.c.job_id == ref.row_id)
    )
    rows = await conn.execute(
        select(runs_t)
        .where(runs_t.c.job_id == ref.row_id)
        .order_by(*_RUN_RECENCY)
        .limit(limit)
        .offset(offset)
    )
    return [run_view(r, key) for r in rows], int(total or 0)


def _parent_job(row: Any) -> EntityKey | None:
    if row.parent_job_namespace is None or row.parent_job_name is None:
        return None
    return EntityKey(row.parent_job_namespace, row.parent_job_name)


def run_view(row: Any, job: EntityKey) -> RunView:
    return RunView(
        run_id=row.run_id,
        job=job,
        state=RunState(row.state),
        started_at=row.started_at,
        ended_at=row.ended_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        parent_run_id=row.parent_run_id,
        parent_job=_parent_job(row),
        error_message=row.error_message,
    )


def run_snapshot(row: Any, job: EntityKey) -> RunSnapshot:
    return RunSnapshot(
        job=job,
        state=RunState(row.state),
        state_at=row.state_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        parent_run_id=row.parent_run_id,
        parent_job=_parent_job(row),
        error_message=row.error_message,
    )
