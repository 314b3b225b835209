"""Latency of the catalog's consumer search on real PostgreSQL, against a plain-SQL baseline.

    uv run python bench/catalog_search.py              # starts PostgreSQL on 37032, stops it
    uv run python bench/catalog_search.py --keep       # leaves it running (reused next time)

Seeds 2,000 datasets x 40 profiled columns (deterministic random), then 32 concurrent clients
(asyncio, asyncpg) ask combined questions (rows, binary, datetime, low cardinality, measurement,
text) through the catalog's own repository and query builders: count + page, and count + page +
facets. The baseline asks the same questions as plain SQL that aggregates `dataset_column` on
the fly (no denormalized facts, no text index). p50/p95/p99 per request and throughput.
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
from datetime import UTC, datetime, timedelta
from typing import Any

from bench_postgres import add_postgres_arguments, run_on_postgres
from mdc_catalog.config import SCHEMA
from mdc_catalog.facts import FACTS_LISTENER, refresh_dataset_facts, upsert_facts
from mdc_catalog.models import Dataset, DatasetColumn, DatasetVersion, Source, catalog_registry
from mdc_catalog.repository import SqlCatalogRepository
from mdc_catalog.schemas import DatasetFilter, DatasetPage, Facet
from mdc_catalog.search_index import SearchIndex, find_datasets, install_search_support
from mdc_common.db import create_schema, read_session_factory, session_factory
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

TARGETS_MS = {"p95": 50.0, "p99": 100.0}
QUESTIONS = 64

PUBLISHERS = [f"publisher-{n:02d}" for n in range(12)]
LICENSES = ["CC-BY-4.0", "CC0-1.0", "ODbL-1.0", "etalab-2.0", "OGL-UK-3.0"]
TAGS = ["health", "transport", "energy", "budget", "weather", "education", "housing", "crime",
        "elections", "agriculture", "water", "air", "population", "tourism", "culture"]  # fmt: skip
TOPICS = ["traffic", "rainfall", "hospital", "school", "election", "energy", "housing", "budget",
          "pollution", "tourism", "library", "museum", "bicycle", "parking", "noise"]  # fmt: skip
# (stat type, weight, column-name stems)
TYPES = [
    ("binary", 10, ["is_open", "has_wifi", "accessible", "flag", "covid"]),
    ("nominal", 14, ["district", "category", "operator", "region", "status"]),
    ("ordinal", 5, ["grade", "level", "class", "rating"]),
    ("continuous", 18, ["temperature", "price", "amount", "speed", "concentration"]),
    ("count", 10, ["visitors", "vehicles", "cases", "seats"]),
    ("datetime", 3, ["timestamp", "measured_at"]),
    ("date", 4, ["date", "opening_date"]),
    ("time", 1, ["hour"]),
    ("identifier", 6, ["id", "code", "siret"]),
    ("text", 8, ["comment", "address", "label"]),
    ("latitude", 1, ["latitude"]),
    ("longitude", 1, ["longitude"]),
    ("constant", 1, ["country"]),
]


def seed_rows(datasets: int, columns: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    weights = [w for _, w, _ in TYPES]
    rows: dict[str, list[dict[str, Any]]] = {"source": [], "dataset": [], "version": [], "col": []}
    for n in range(datasets):
        dataset_id = uuid.UUID(int=rng.getrandbits(128))
        topic = rng.choice(TOPICS)
        row_count = int(10 ** rng.uniform(1, 6.5))
        created = now - timedelta(days=rng.randint(0, 720))
        rows["source"].append(
            {"id": dataset_id, "name": f"{topic}-{n:05d}", "url": f"https://example.org/{n}.csv",
             "title": f"{topic.title()} data of city {n % 97}",
             "description": f"Open data about {topic} published every month.",
             "publisher": rng.choice(PUBLISHERS), "license": rng.choice(LICENSES),
             "tags": rng.sample(TAGS, rng.randint(0, 4)), "active": False,
             "published_revision": 1, "created_at": created, "updated_at": created}
        )  # fmt: skip
        file = {"parquet_uri": f"s3://bench/{n}.parquet", "raw_sha256": "ab" * 32,
                "encoding": "utf-8", "delimiter": ","}  # fmt: skip
        rows["dataset"].append(
            {"id": dataset_id, "name": f"{topic}-{n:05d}", "source_id": dataset_id,
             "latest_version": 1, "row_count": row_count, "column_count": columns,
             "updated_at": created, "created_at": created, **file}
        )  # fmt: skip
        rows["version"].append(
            {"dataset_id": dataset_id, "version": 1, "source_id": dataset_id,
             "change_id": uuid.uuid4(), "event_id": uuid.uuid4(), "row_count": row_count,
             "column_count": columns, "created_at": created, "recorded_at": created, **file}
        )  # fmt: skip
        for position in range(columns):
            stat_type, _, stems = rng.choices(TYPES, weights)[0]
            distinct = {
                "binary": 2, "constant": 1, "ordinal": rng.randint(3, 12),
                "nominal": int(10 ** rng.uniform(0.4, 3)), "identifier": row_count,
            }.get(stat_type, max(1, int(row_count * rng.uniform(0.01, 0.9))))  # fmt: skip
            rows["col"].append(
                {"dataset_id": dataset_id, "version": 1, "position": position,
                 "name": f"{rng.choice(stems)}_{position}", "dtype": "String",
                 "stat_type": stat_type, "stat_type_confidence": 0.9,
                 "stat_type_evidence": "bench", "null_count": 0,
                 "distinct_count": min(distinct, row_count)}
            )  # fmt: skip
    return rows


async def seed(engine: AsyncEngine, datasets: int, columns: int, seed_value: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    await create_schema(engine, SCHEMA, catalog_registry.metadata)
    rows = seed_rows(datasets, columns, seed_value)
    tables = [(Source, "source"), (Dataset, "dataset"), (DatasetVersion, "version")]
    async with engine.begin() as conn:
        for model, key in [*tables, (DatasetColumn, "col")]:
            table = model.__table__  # type: ignore[attr-defined]
            for start in range(0, len(rows[key]), 5000):
                await conn.execute(insert(table), rows[key][start : start + 5000])
        await conn.execute(upsert_facts())  # the same statement as the start-up backfill
        await conn.execute(text("ANALYZE"))


def questions(count: int, seed_value: int) -> list[DatasetFilter]:
    """Combined questions a consumer asks: size, binary, datetime, low cardinality, measurement,
    and half of them with a text query."""
    rng = random.Random(seed_value + 1)
    found = []
    for n in range(count):
        found.append(
            DatasetFilter(
                q=rng.choice(TOPICS) if n % 2 == 0 else None,
                min_rows=rng.choice([1000, 10_000, 50_000]),
                min_binary=rng.randint(1, 4),
                has_type=["date"] if n % 3 else ["datetime"],
                min_low_cardinality=rng.randint(1, 4),
                low_cardinality_max=rng.choice([5, 10, 20]),
                min_measurement=rng.randint(3, 10),
                limit=50,
            )
        )
    return found


BASELINE_PAGE = """
WITH facts AS (
  SELECT c.dataset_id, c.version,
    count(*) FILTER (WHERE c.stat_type = 'binary') AS binary_columns,
    bool_or(c.stat_type = :has_type) AS has_type,
    count(*) FILTER (WHERE c.stat_type IN ('binary', 'nominal', 'ordinal')
                     AND c.distinct_count BETWEEN 2 AND :low_max) AS low_cardinality,
    count(*) FILTER (WHERE c.stat_type IN ('continuous', 'count')) AS measurement_columns,
    string_agg(c.name, ' ') AS column_names
  FROM catalog.dataset_column c GROUP BY c.dataset_id, c.version
)
SELECT {what}
FROM catalog.dataset d
LEFT JOIN catalog.source s ON s.id = d.source_id
JOIN facts f ON f.dataset_id = d.id AND f.version = d.latest_version
WHERE d.row_count >= :min_rows AND f.binary_columns >= :min_binary AND f.has_type
  AND f.low_cardinality >= :min_low AND f.measurement_columns >= :min_measurement
  AND (CAST(:q AS text) IS NULL OR d.name ILIKE :like OR s.title ILIKE :like
       OR s.description ILIKE :like OR f.column_names ILIKE :like)
{tail}
"""
BASELINE_ROWS = text(
    BASELINE_PAGE.format(
        what="d.id, d.name, s.title, d.row_count, d.column_count, d.updated_at",
        tail="ORDER BY d.name, d.id LIMIT 50",
    )
)
BASELINE_COUNT = text(BASELINE_PAGE.format(what="count(*)", tail=""))


def baseline_params(query: DatasetFilter) -> dict[str, Any]:
    return {
        "has_type": query.has_type[0].value if query.has_type else None,
        "low_max": query.effective_low_cardinality_max(),
        "min_rows": query.min_rows,
        "min_binary": query.min_binary,
        "min_low": query.min_low_cardinality,
        "min_measurement": query.min_measurement,
        "q": query.q,
        "like": f"%{query.q}%" if query.q else None,
    }


async def run_clients(
    clients: int, per_client: int, ask: Callable[[int], Awaitable[int]]
) -> tuple[list[float], float, dict[int, int]]:
    """Latencies (ms), wall time (s), and the result total of each question number asked."""
    latencies: list[float] = []
    totals: dict[int, int] = {}

    async def client(number: int) -> None:
        for k in range(per_client):
            started = time.perf_counter()
            n = number * per_client + k
            totals[n % QUESTIONS] = await ask(n)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, time.perf_counter() - started, totals


def report(label: str, latencies: list[float], wall: float) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    figures = {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "rps": len(latencies) / wall}
    marks = {k: "ok" if figures[k] <= v else "MISSED" for k, v in TARGETS_MS.items()}
    print(
        f"{label:<34} n={len(latencies):>5}  p50 {figures['p50']:7.1f} ms  "
        f"p95 {figures['p95']:7.1f} ms ({marks['p95']})  p99 {figures['p99']:7.1f} ms "
        f"({marks['p99']})  {figures['rps']:7.1f} req/s"
    )
    return figures


async def bench(args: argparse.Namespace, dsn: str) -> None:
    engine = create_async_engine(dsn, pool_size=args.clients, max_overflow=0)
    try:
        if args.reseed or not await seeded(engine, args.datasets):
            started = time.perf_counter()
            await seed(engine, args.datasets, args.columns, args.seed)
            print(f"seeded {args.datasets} datasets x {args.columns} columns "
                  f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        await install_search_support(engine)
        index = SearchIndex(engine)
        sync = asyncio.create_task(index.keep_in_sync())
        try:
            await asyncio.wait_for(index.wait_ready(), 120)
            await measure(args, engine, index)
        finally:
            sync.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sync
    finally:
        await engine.dispose()


async def measure(args: argparse.Namespace, engine: AsyncEngine, index: SearchIndex) -> None:
    sessions = read_session_factory(engine)  # as the catalog's GET endpoints
    asked = questions(QUESTIONS, args.seed)

    async def search(n: int, index: SearchIndex | None, facets: bool = False) -> DatasetPage:
        query = asked[n % len(asked)]
        if facets:
            query = query.model_copy(update={"facets": list(Facet)})
        async with sessions() as session:
            page, engine_used = await find_datasets(query, index, SqlCatalogRepository(session))
            assert engine_used == ("sql" if index is None else "index")
            return page

    async def ours(n: int) -> int:
        return (await search(n, index)).total

    async def ours_facets(n: int) -> int:
        return (await search(n, index, facets=True)).total

    async def in_sql(n: int) -> int:
        return (await search(n, None)).total

    async def in_sql_facets(n: int) -> int:
        return (await search(n, None, facets=True)).total

    async def baseline(n: int) -> int:
        params = baseline_params(asked[n % len(asked)])
        async with engine.connect() as conn:
            total = (await conn.execute(BASELINE_COUNT, params)).scalar_one()
            (await conn.execute(BASELINE_ROWS, params)).all()
            return int(total)

    # The index answers exactly as the SQL search: pages, totals and facets of every question.
    same = 0
    for n in range(QUESTIONS):
        same += (await search(n, index, True)) == (await search(n, None, True))
    print(f"in-memory index vs SQL search: identical page, total and facets for "
          f"{same}/{QUESTIONS} questions")  # fmt: skip

    await run_clients(args.clients, 2, ours)  # warm-up: connections, plans
    await run_clients(args.clients, 2, in_sql)
    print(f"{args.clients} concurrent clients; targets p95 <= {TARGETS_MS['p95']:.0f} ms, "
          f"p99 <= {TARGETS_MS['p99']:.0f} ms")  # fmt: skip
    lat, wall, ours_totals = await run_clients(args.clients, args.requests, ours)
    figures = report("search (index: page + total)", lat, wall)
    lat, wall, _ = await run_clients(args.clients, args.requests, ours_facets)
    report("search + 4 facets (index)", lat, wall)
    lat, wall, _ = await run_clients(args.clients, args.requests, in_sql)
    report("search in SQL (fallback)", lat, wall)
    lat, wall, _ = await run_clients(args.clients, args.requests, in_sql_facets)
    report("search + 4 facets in SQL (fallback)", lat, wall)
    base_per_client = max(2, args.requests // args.baseline_divisor)
    lat, wall, base_totals = await run_clients(args.clients, base_per_client, baseline)
    base = report("baseline (aggregate on the fly)", lat, wall)
    print(
        f"baseline / ours: p50 x{base['p50'] / figures['p50']:.1f}, "
        f"p95 x{base['p95'] / figures['p95']:.1f}, "
        f"throughput x{figures['rps'] / base['rps']:.1f}"
    )
    same = sum(ours_totals[n] == total for n, total in base_totals.items())
    print(f"result totals, ours vs baseline, equal for {same}/{len(base_totals)} questions "
          f"(text: word prefixes vs substrings)")  # fmt: skip
    await report_freshness(engine, index)


async def report_freshness(engine: AsyncEngine, index: SearchIndex) -> None:
    """What a change costs the index: a full rebuild, and one dataset's change from its commit
    (this process's) to the next search that sees it."""
    started = time.perf_counter()
    await index.reload_all()
    full = time.perf_counter() - started
    async with session_factory(engine, info={FACTS_LISTENER: index.note_local_commit})() as s:
        found = await s.connection()
        query = text("SELECT dataset_id FROM catalog.dataset_facts LIMIT 1")
        dataset_id = (await found.execute(query)).scalar_one()
        await refresh_dataset_facts(s, dataset_id)
        started = time.perf_counter()
        await s.commit()
    await index.snapshot()
    one = time.perf_counter() - started
    print(f"index freshness: full reload {full * 1000:.0f} ms; one dataset's change visible "
          f"to the next search after {one * 1000:.0f} ms (commit + reload + rebuild)")  # fmt: skip


async def seeded(engine: AsyncEngine, datasets: int) -> bool:
    async with engine.connect() as conn:
        found = await conn.execute(text("SELECT to_regclass('catalog.dataset_facts')"))
        if found.scalar_one() is None:
            return False
        count = await conn.execute(text("SELECT count(*) FROM catalog.dataset_facts"))
        return int(count.scalar_one()) == datasets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=2000)
    parser.add_argument("--columns", type=int, default=40)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=25, help="per client, for ours")
    parser.add_argument("--baseline-divisor", type=int, default=5, help="fewer baseline runs")
    parser.add_argument("--seed", type=int, default=7)
    add_postgres_arguments(parser)
    return run_on_postgres(parser.parse_args(), bench)


if __name__ == "__main__":
    sys.exit(main())
