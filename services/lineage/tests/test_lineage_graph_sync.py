"""SyncedLineageGraph without PostgreSQL: a read waits for notifications another read is
applying (read-your-writes), and pending notifications survive a failed apply."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mdc_lineage.graph_index import SyncedLineageGraph

EDGE_ROW = {
    "job_id": 1, "job_namespace": "mdc", "job_name": "clean",
    "dataset_id": 2, "dataset_namespace": "mdc", "dataset_name": "orders",
    "direction": "input",
}  # fmt: skip


class _Result:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def mappings(self) -> list[dict[str, Any]]:
        return self.rows


class GatedEngine:
    """Answers every edge query with EDGE_ROW once `gate` opens; fails while `broken`."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.broken = False
        self.queries = 0

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[GatedEngine]:
        yield self

    async def execute(self, query: Any, params: Any = None) -> _Result:
        self.queries += 1
        await self.gate.wait()
        if self.broken:
            raise ConnectionError("database gone")
        return _Result([EDGE_ROW])


def listening(engine: GatedEngine) -> SyncedLineageGraph:
    graph = SyncedLineageGraph(engine)  # type: ignore[arg-type]
    graph._listener._ready.set()  # as after a successful LISTEN and load
    return graph


async def test_a_read_waits_for_the_notifications_another_read_applies() -> None:
    engine = GatedEngine()
    graph = listening(engine)
    graph._received("e:7")
    first = asyncio.create_task(graph.current())
    await asyncio.sleep(0.01)  # the first read has taken the notification, its query waits
    second = asyncio.create_task(graph.current())
    await asyncio.sleep(0.01)
    assert not second.done()  # it must not answer without edge 7
    engine.gate.set()
    for index in await asyncio.gather(first, second):
        assert index.edge_count == 1
    assert engine.queries == 1


async def test_notifications_survive_a_failed_apply() -> None:
    engine = GatedEngine()
    engine.broken = True
    engine.gate.set()
    graph = listening(engine)
    graph._received("e:7")
    with pytest.raises(ConnectionError):
        await graph._synced()
    engine.broken = False
    assert (await graph.current()).edge_count == 1


async def test_malformed_notifications_are_ignored() -> None:
    graph = listening(GatedEngine())
    for payload in ("x:1", "e:", "e:abc", "nonsense"):
        graph._received(payload)
    assert not any(graph._pending.values())
