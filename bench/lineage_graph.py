"""Lineage and impact queries at depth 10 on a graph of 10,000 datasets and 20,000 jobs.

    uv run python bench/lineage_graph.py              # starts PostgreSQL on 37032, stops it
    uv run python bench/lineage_graph.py --keep       # leaves it running (reused next time)

The graph (deterministic random) is written into the lineage service's own tables in a real
PostgreSQL: datasets in 12 layers; 10,000 producer jobs, each reading 1-3 datasets of earlier
layers (mostly the previous one) and writing one dataset of the next; 10,000 consumer jobs
(checks, exports) reading 1-2 datasets and writing none; one run per job. Then, for random
datasets, in the same run:

- ours: `GET /api/v1/lineage?depth=10` as the service answers it (walk on the in-memory graph,
  node details kept in memory, Marquez's JSON) and `GET /api/v1/impact?depth=10` (in memory);
- the service's earlier walk: one SQL query per level (the fallback without the index);
- a naive recursive SQL query (WITH RECURSIVE over the edges, upstream and downstream, depth
  10), then the same node details (from PostgreSQL) and rendering as ours;
- networkx: an in-memory breadth-first traversal of the same graph (structure only);
- for impact: the same naive recursive query downstream only, and networkx downstream.

p50 / p95 per question; target p95 <= 20 ms for ours.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import networkx as nx
from bench_postgres import add_postgres_arguments, run_on_postgres
from mdc_common.db import create_schema
from mdc_lineage.config import DB_SCHEMA
from mdc_lineage.graph import LineageGraph, render_graph, walk_lineage
from mdc_lineage.graph_index import SyncedLineageGraph, install_graph_notifications, node_refs
from mdc_lineage.graph_service import GraphService, find_node
from mdc_lineage.metrics import LineageMetrics
from mdc_lineage.models import (
    LINEAGE_METADATA,
    datasets_table,
    edges_table,
    jobs_table,
    namespaces_table,
    runs_table,
)
from mdc_lineage.nodes import NodeKind
from mdc_lineage.ports import GraphEdge
from mdc_lineage.records import Direction
from mdc_lineage.repository import PostgresLineageStore
from mdc_lineage.service import LineageService
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

TARGET_P95_MS = 20.0
DEPTH = 10
LAYERS = 12
MAX_NODES = 5000

NAIVE = text(f"""
WITH RECURSIVE walk(way, kind, id, hop, job_id, dataset_id, direction) AS (
    SELECT way, 'd', CAST(:dataset_id AS bigint), 0, CAST(NULL AS bigint), CAST(NULL AS bigint),
           CAST(NULL AS text)
    FROM (VALUES ('down'), ('up')) AS w(way)
  UNION
    SELECT w.way,
           CASE WHEN w.kind = 'd' THEN 'j' ELSE 'd' END,
           CASE WHEN w.kind = 'd' THEN e.job_id ELSE e.dataset_id END,
           w.hop + 1, e.job_id, e.dataset_id, e.direction
    FROM walk w
    JOIN {DB_SCHEMA}.edges e
      ON (w.kind = 'd' AND e.dataset_id = w.id
          AND e.direction = CASE w.way WHEN 'down' THEN 'input' ELSE 'output' END)
      OR (w.kind = 'j' AND e.job_id = w.id
          AND e.direction = CASE w.way WHEN 'down' THEN 'output' ELSE 'input' END)
    WHERE w.hop < :depth
)
SELECT kind, id, hop, job_id, dataset_id, direction FROM walk
""")


NAIVE_DOWN = text(f"""
WITH RECURSIVE walk(kind, id, hop) AS (
    SELECT 'd', CAST(:dataset_id AS bigint), 0
  UNION
    SELECT CASE WHEN w.kind = 'd' THEN 'j' ELSE 'd' END,
           CASE WHEN w.kind = 'd' THEN e.job_id ELSE e.dataset_id END,
           w.hop + 1
    FROM walk w
    JOIN {DB_SCHEMA}.edges e
      ON (w.kind = 'd' AND e.dataset_id = w.id AND e.direction = 'input')
      OR (w.kind = 'j' AND e.job_id = w.id AND e.direction = 'output')
    WHERE w.hop < :depth
)
SELECT kind, id FROM walk
""")


def build_graph(datasets: int, jobs: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    per_layer = datasets // LAYERS
    layer_of = [min(n // per_layer, LAYERS - 1) for n in range(datasets)]
    by_layer: dict[int, list[int]] = {}
    for n, layer in enumerate(layer_of):
        by_layer.setdefault(layer, []).append(n)
    producers = jobs // 2
    edges: list[tuple[int, int, str]] = []  # (job, dataset, direction)
    for job in range(producers):
        output = per_layer + job % (datasets - per_layer)  # every dataset past layer 0 written
        layer = layer_of[output]
        for _ in range(rng.randint(1, 3)):
            source_layer = layer - 1 if rng.random() < 0.8 else rng.randrange(0, layer)
            edges.append((job, rng.choice(by_layer[source_layer]), "input"))
        edges.append((job, output, "output"))
    for job in range(producers, jobs):
        for _ in range(rng.randint(1, 2)):
            edges.append((job, rng.randrange(datasets), "input"))
    return {"edges": sorted(set(edges)), "layer_of": layer_of}


async def seed(engine: AsyncEngine, datasets: int, jobs: int, seed_value: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{DB_SCHEMA}" CASCADE'))
    await create_schema(engine, DB_SCHEMA, LINEAGE_METADATA)
    graph = build_graph(datasets, jobs, seed_value)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    run_of = [uuid.UUID(int=random.Random(seed_value + n).getrandbits(128)) for n in range(jobs)]
    rows = {
        namespaces_table: [{"name": "bench"}],
        datasets_table: [
            {"id": n + 1, "namespace": "bench", "name": f"layer{layer}/dataset-{n:05d}"}
            for n, layer in enumerate(graph["layer_of"])
        ],
        jobs_table: [
            {"id": n + 1, "namespace": "bench", "name": f"job-{n:05d}"} for n in range(jobs)
        ],
        runs_table: [
            {"run_id": run_of[n], "job_id": n + 1, "state": "COMPLETE", "state_at": now,
             "started_at": now, "ended_at": now}
            for n in range(jobs)
        ],
        edges_table: [
            {"job_id": j + 1, "dataset_id": d + 1, "direction": direction, "run_id": run_of[j],
             "first_seen_at": now, "last_seen_at": now}
            for j, d, direction in graph["edges"]
        ],
    }  # fmt: skip
    async with engine.begin() as conn:
        for table, values in rows.items():
            for start in range(0, len(values), 5000):
                await conn.execute(insert(table), values[start : start + 5000])
        for table in (datasets_table, jobs_table):
            await conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table.fullname}', 'id'), :n)"),
                {"n": len(rows[table])},
            )
        await conn.execute(text("ANALYZE"))
    print(f"seeded {datasets} datasets, {jobs} jobs, {len(graph['edges'])} edges")


async def timed(
    label: str, ask: Callable[[str, int], Awaitable[int]], focuses: list[tuple[str, int]]
) -> dict[str, float]:
    for node_id, row_id in focuses[:5]:  # warm-up: plans, connections
        await ask(node_id, row_id)
    latencies, sizes = [], []
    for node_id, row_id in focuses:
        started = time.perf_counter()
        sizes.append(await ask(node_id, row_id))
        latencies.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    figures = {"p50": cuts[49], "p95": cuts[94], "nodes": statistics.median(sizes)}
    mark = "ok" if figures["p95"] <= TARGET_P95_MS else "MISSED"
    print(f"{label:<44} p50 {figures['p50']:8.2f} ms  p95 {figures['p95']:8.2f} ms ({mark})"
          f"  median nodes {figures['nodes']:.0f}")  # fmt: skip
    return figures


async def bench(args: argparse.Namespace, dsn: str) -> None:
    engine = create_async_engine(dsn, pool_size=4)
    try:
        if args.reseed or not await seeded(engine, args.datasets, args.jobs):
            await seed(engine, args.datasets, args.jobs, args.seed)
        await install_graph_notifications(engine)
        synced = SyncedLineageGraph(engine)
        following = asyncio.create_task(synced.run())
        try:
            started = time.perf_counter()
            await asyncio.wait_for(synced.wait_ready(), 300)
            print(f"in-memory graph loaded in {time.perf_counter() - started:.2f} s")
            await measure(args, engine, synced)
        finally:
            following.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await following
    finally:
        await engine.dispose()


async def measure(
    args: argparse.Namespace, engine: AsyncEngine, synced: SyncedLineageGraph
) -> None:
    store = PostgresLineageStore(engine)
    metrics = LineageMetrics("bench")
    with_index = LineageService(store, metrics, MAX_NODES, synced)
    without_index = LineageService(store, metrics, MAX_NODES)
    graph_service = GraphService(store, synced, metrics, MAX_NODES)
    rng = random.Random(args.seed + 2)
    index = await synced.current()
    datasets = sorted(n for n in index.nodes.values() if n.kind.value == "DATASET")
    focuses = [(d.node_id, d.row_id) for d in rng.sample(datasets, args.questions)]

    async def ours(node_id: str, _: int) -> int:
        return len((await with_index.lineage(node_id, DEPTH))["graph"])

    async def ours_walk(node_id: str, _: int) -> int:
        focus = index.nodes[find_node(index, node_id).key]
        return len((await walk_lineage(index, focus, DEPTH, MAX_NODES)).hops)

    async def ours_impact(node_id: str, _: int) -> int:
        return len((await graph_service.impact(node_id, None, DEPTH))["affected"])

    async def per_level(node_id: str, _: int) -> int:
        return len((await without_index.lineage(node_id, DEPTH))["graph"])

    async def naive(_: str, row_id: int) -> int:
        """The recursive query, then the same node details and rendering as ours."""
        async with engine.connect() as conn:
            rows = (await conn.execute(NAIVE, {"dataset_id": row_id, "depth": DEPTH})).all()
            hops: dict[tuple[str, int], int] = {}
            for r in rows:
                hops[(r.kind, r.id)] = min(hops.get((r.kind, r.id), r.hop), r.hop)
            refs = {
                (kind[0].lower(), ref.row_id): ref
                for kind in (NodeKind.DATASET, NodeKind.JOB)
                for ref in await node_refs(
                    conn, kind, {i for k, i in hops if k == kind.value[0].lower()}
                )
            }
        edges = {
            GraphEdge(refs[("j", r.job_id)], refs[("d", r.dataset_id)], Direction(r.direction))
            for r in rows
            if r.job_id is not None
        }
        graph = LineageGraph(
            focus=refs[("d", row_id)], hops={refs[k]: h for k, h in hops.items()}, edges=edges
        )
        datasets = [n for n in graph.hops if n.kind is NodeKind.DATASET]
        jobs = [n for n in graph.hops if n.kind is NodeKind.JOB]
        answer = render_graph(graph, await store.datasets(datasets), await store.jobs(jobs))
        return len(answer["graph"])

    networkx_graph = nx.DiGraph()
    for edge in index.all_edges():
        networkx_graph.add_edge(edge.origin.node_id, edge.destination.node_id)

    async def naive_downstream(_: str, row_id: int) -> int:
        async with engine.connect() as conn:
            rows = await conn.execute(NAIVE_DOWN, {"dataset_id": row_id, "depth": DEPTH})
            return len({(r.kind, r.id) for r in rows} - {("d", row_id)})

    async def networkx_downstream(node_id: str, _: int) -> int:
        found = nx.single_source_shortest_path_length(networkx_graph, node_id, cutoff=DEPTH)
        return len(found) - 1

    async def with_networkx(node_id: str, _: int) -> int:
        down = nx.single_source_shortest_path_length(networkx_graph, node_id, cutoff=DEPTH)
        up = nx.single_source_shortest_path_length(
            networkx_graph.reverse(copy=False), node_id, cutoff=DEPTH
        )
        return len(set(down) | set(up))

    print(f"{args.questions} random datasets, depth {DEPTH}; target p95 <= {TARGET_P95_MS:.0f} ms")
    lineage = await timed("ours: GET /lineage (walk, details, render)", ours, focuses)
    walk = await timed("ours: the walk alone (ids, in memory)", ours_walk, focuses)
    impact = await timed("ours: GET /impact (memory: paths, reasons)", ours_impact, focuses)
    per_level_figures = await timed("service without index: a query per level", per_level, focuses)
    naive_figures = await timed("naive recursive SQL + the same details, render", naive, focuses)
    nx_figures = await timed("networkx BFS both ways (ids only, in memory)", with_networkx, focuses)
    naive_impact = await timed(
        "impact baseline: naive recursive SQL down", naive_downstream, focuses
    )
    nx_impact = await timed("impact baseline: networkx BFS down", networkx_downstream, focuses)
    for label, other, ours_figures in (
        ("naive recursive SQL down / ours: GET /impact", naive_impact, impact),
        ("networkx BFS down / ours: GET /impact", nx_impact, impact),
        ("a query per level / ours: GET /lineage", per_level_figures, lineage),
        ("naive recursive SQL / ours: GET /lineage", naive_figures, lineage),
        ("networkx BFS / ours: the walk alone", nx_figures, walk),
    ):
        print(f"{label}: p50 x{other['p50'] / ours_figures['p50']:.1f}, "
              f"p95 x{other['p95'] / ours_figures['p95']:.1f}")  # fmt: skip


async def seeded(engine: AsyncEngine, datasets: int, jobs: int) -> bool:
    """The same sizes seeded before (another --seed needs --reseed)."""
    async with engine.connect() as conn:
        found = await conn.execute(text(f"SELECT to_regclass('{DB_SCHEMA}.column_edges')"))
        if found.scalar_one() is None:
            return False
        count = await conn.execute(
            text(
                f"SELECT (SELECT count(*) FROM {DB_SCHEMA}.datasets), "
                f"(SELECT count(*) FROM {DB_SCHEMA}.jobs)"
            )
        )
        return tuple(count.one()) == (datasets, jobs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    add_postgres_arguments(parser)
    return run_on_postgres(parser.parse_args(), bench)


if __name__ == "__main__":
    sys.exit(main())
