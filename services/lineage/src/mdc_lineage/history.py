"""PostgreSQL store, schema `lineage`: the read side of run history (what each run read and wrote,
the runs of a dataset, pages of a dataset's versions)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mdc_lineage.models import dataset_versions_table as versions_t
from mdc_lineage.models import datasets_table as datasets_t
from mdc_lineage.models import jobs_table as jobs_t
from mdc_lineage.models import run_datasets_table as run_datasets_t
from mdc_lineage.models import runs_table as runs_t
from mdc_lineage.nodes import NodeRef
from mdc_lineage.ports import DatasetRunView, DatasetVersionView, RunDatasetView
from mdc_lineage.queries import _RUN_RECENCY, dataset_versions, run_view
from mdc_lineage.records import Direction, EntityKey


async def run_datasets(
    conn: AsyncConnection, run_ids: Collection[uuid.UUID]
) -> list[RunDatasetView]:
    rows = await conn.execute(
        select(
            run_datasets_t,
            datasets_t.c.namespace.label("dataset_namespace"),
            datasets_t.c.name.label("dataset_name"),
        )
        .join(datasets_t, datasets_t.c.id == run_datasets_t.c.dataset_id)
        .where(run_datasets_t.c.run_id.in_(list(run_ids)))
        .order_by(datasets_t.c.namespace, datasets_t.c.name, run_datasets_t.c.direction)
    )
    return [_run_dataset_view(r, EntityKey(r.dataset_namespace, r.dataset_name)) for r in rows]


async def dataset_runs(
    conn: AsyncConnection, ref: NodeRef, limit: int, offset: int
) -> tuple[list[DatasetRunView], int]:
    of_dataset = run_datasets_t.c.dataset_id == ref.row_id
    total = await conn.scalar(select(func.count()).select_from(run_datasets_t).where(of_dataset))
    io = run_datasets_t.c
    rows = await conn.execute(
        select(
            runs_t,
            jobs_t.c.namespace.label("job_namespace"),
            jobs_t.c.name.label("job_name"),
            io.direction,
            io.version,
            io.row_count,
            io.byte_count,
            io.event_time,
        )
        .join(runs_t, runs_t.c.run_id == io.run_id)
        .join(jobs_t, jobs_t.c.id == runs_t.c.job_id)
        .where(of_dataset)
        .order_by(*_RUN_RECENCY, io.direction)  # the same order as a job's runs
        .limit(limit)
        .offset(offset)
    )
    dataset = EntityKey(ref.key.namespace, ref.key.name)
    return [
        DatasetRunView(
            run_view(r, EntityKey(r.job_namespace, r.job_name)), _run_dataset_view(r, dataset)
        )
        for r in rows
    ], int(total or 0)


async def dataset_version_page(
    conn: AsyncConnection, ref: NodeRef, limit: int, offset: int
) -> tuple[list[DatasetVersionView], int]:
    total = await conn.scalar(
        select(func.count()).select_from(versions_t).where(versions_t.c.dataset_id == ref.row_id)
    )
    return await dataset_versions(conn, ref, limit, offset), int(total or 0)


def _run_dataset_view(row: Any, dataset: EntityKey) -> RunDatasetView:
    return RunDatasetView(
        run_id=row.run_id,
        dataset=dataset,
        direction=Direction(row.direction),
        version=row.version,
        row_count=row.row_count,
        byte_count=row.byte_count,
        event_time=row.event_time,
    )
