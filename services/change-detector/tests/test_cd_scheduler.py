"""The scheduler claims due sources only, bounded, and never one that is already claimed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from cd_support import definition, rig
from mdc_change_detector.scheduler import Scheduler
from mdc_contracts import utc_now


async def test_tick_checks_due_sources_within_the_bound() -> None:
    in_flight = 0
    peak = 0
    release = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await release.wait()
        in_flight -= 1
        return httpx.Response(200, content=b"a,b\n1,2\n")

    r = rig(handler, max_concurrent_checks=2)
    for _ in range(3):
        await r.watch()
    paused = definition(active=False)
    await r.watch(paused)
    future = definition()
    await r.repository.upsert_definition(future, utc_now() + timedelta(hours=1))
    scheduler = Scheduler(r.repository, r.checker, r.checker.settings, r.metrics)

    assert await scheduler.tick() == 2
    assert await scheduler.tick() == 0  # no free slot
    await asyncio.sleep(0.05)
    release.set()
    await asyncio.sleep(0.05)
    assert await scheduler.tick() == 1  # the third one; paused and future ones are not due
    await asyncio.sleep(0.05)
    assert peak == 2
    outcomes = {row.definition.source_id: row.last_outcome for row in r.repository.rows.values()}
    assert outcomes[paused.source_id] is None
    assert outcomes[future.source_id] is None
    assert sorted(v for v in outcomes.values() if v) == ["changed"] * 3


async def test_two_replicas_never_check_one_source_twice() -> None:
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.02)
        return httpx.Response(200, content=b"a\n1\n")

    r = rig(handler)
    await r.watch()
    first = Scheduler(r.repository, r.checker, r.checker.settings, r.metrics)
    second = Scheduler(r.repository, r.checker, r.checker.settings, r.metrics)
    assert await first.tick() + await second.tick() == 1
    await asyncio.sleep(0.1)
    assert calls == 1


async def test_stop_cancels_running_checks_and_gives_sources_back() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(10)
        return httpx.Response(200)

    r = rig(handler)
    source_id = await r.watch()
    scheduler = Scheduler(r.repository, r.checker, r.checker.settings, r.metrics)
    runner = asyncio.create_task(scheduler.run())
    await asyncio.sleep(0.05)
    assert r.repository.rows[source_id].lease_token is not None
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    await scheduler.stop()
    assert r.repository.rows[source_id].lease_token is None
    assert r.metrics.sources_watched._value.get() == 1


async def test_unexpected_error_gives_the_source_back_for_a_later_retry() -> None:
    r = rig(lambda request: httpx.Response(200, content=b"a\n1\n"))
    source_id = await r.watch()

    async def broken_record(record: object) -> bool:
        raise ConnectionError("database went away")

    r.repository.record_check = broken_record  # type: ignore[method-assign]
    scheduler = Scheduler(r.repository, r.checker, r.checker.settings, r.metrics)
    assert await scheduler.tick() == 1
    await asyncio.sleep(0.05)
    row = r.repository.rows[source_id]
    assert row.lease_token is None
    assert row.next_check_at > utc_now() + timedelta(seconds=30)  # not a tight retry loop
