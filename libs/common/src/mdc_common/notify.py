"""PostgreSQL LISTEN for in-memory indexes that must follow the database.

A service that answers from memory (the catalog's search index, the lineage graph) keeps a
dedicated connection LISTENing on a channel its tables' triggers NOTIFY. On every (re)connect it
reloads everything first, so nothing committed while it was away is missed; until then it is
not `ready` and the service answers from the database instead.

`barrier()` gives read-your-writes: PostgreSQL delivers notifications in commit order, so once
our own marker, sent after a write committed, comes back, every notification of that write has
been received.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

BARRIER_PREFIX = "barrier:"
RECONNECT_SECONDS = 2.0
PING_SECONDS = 30.0
BARRIER_SECONDS = 5.0


def listen_dsn(engine: AsyncEngine) -> str:
    """The engine's database as a plain asyncpg DSN (the LISTEN connection is not pooled)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class NotificationListener:
    """Feeds each payload of `channel` to `on_payload`; calls `on_connected` (the full reload)
    after every (re)connect, once listening."""

    def __init__(
        self,
        engine: AsyncEngine,
        channel: str,
        on_payload: Callable[[str], None],
        on_connected: Callable[[], Awaitable[None]],
    ) -> None:
        self._engine = engine
        self._channel = channel
        self._on_payload = on_payload
        self._on_connected = on_connected
        self._barriers: dict[str, asyncio.Future[None]] = {}
        self._ready = asyncio.Event()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    async def wait_ready(self) -> None:
        await self._ready.wait()

    async def run(self) -> None:
        """Listen until cancelled, reconnecting after any failure."""
        while True:
            try:
                await self._listen()
            # A background loop, not a request: it must outlive any database outage.
            except Exception as error:
                log.warning(
                    "not listening for changes; answering from the database until reconnected",
                    extra={
                        "channel": self._channel,
                        "error": repr(error),
                        "retry_in_seconds": RECONNECT_SECONDS,
                    },
                )
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen(self) -> None:
        conn = await asyncpg.connect(listen_dsn(self._engine))
        closed = asyncio.Event()
        conn.add_termination_listener(lambda _: closed.set())
        try:
            await conn.add_listener(self._channel, self._received)
            await self._on_connected()  # after LISTEN: later commits are notified, none missed
            self._ready.set()
            log.info("listening for changes", extra={"channel": self._channel})
            while not closed.is_set():
                try:
                    await asyncio.wait_for(closed.wait(), timeout=PING_SECONDS)
                except TimeoutError:
                    await conn.fetchval("SELECT 1")  # a silently dropped link raises here
        finally:
            self._ready.clear()
            for waiting in self._barriers.values():
                if not waiting.done():
                    waiting.set_exception(ConnectionError("the LISTEN connection was lost"))
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)

    def _received(self, *args: Any) -> None:
        payload: str = args[-1]  # asyncpg calls (connection, pid, channel, payload)
        if payload.startswith(BARRIER_PREFIX):
            waiting = self._barriers.pop(payload[len(BARRIER_PREFIX) :], None)
            if waiting is not None and not waiting.done():
                waiting.set_result(None)
            return
        self._on_payload(payload)

    async def barrier(self) -> None:
        """Return once every notification committed before this call has been received.
        Raises ConnectionError (not listening) or TimeoutError."""
        if not self.ready:
            raise ConnectionError("not listening")
        token = uuid.uuid4().hex
        arrived = asyncio.get_running_loop().create_future()
        self._barriers[token] = arrived
        try:
            async with self._engine.connect() as conn:
                marker = {"channel": self._channel, "payload": BARRIER_PREFIX + token}
                await conn.execute(text("SELECT pg_notify(:channel, :payload)"), marker)
                await conn.commit()
            await asyncio.wait_for(arrived, BARRIER_SECONDS)
        finally:
            self._barriers.pop(token, None)
