"""The scheduler: every tick, claims due sources (never one claimed by another replica) and
checks them concurrently, bounded by the checker's slots."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

from mdc_contracts import utc_now

from mdc_change_detector.config import ChangeDetectorSettings
from mdc_change_detector.metrics import DetectorMetrics
from mdc_change_detector.ports import SourceRepository, WatchedSource
from mdc_change_detector.service import Clock, SourceChecker

log = logging.getLogger(__name__)
GAUGE_REFRESH_SECONDS = 15.0
ERROR_RETRY_SECONDS = 60.0


class Scheduler:
    def __init__(
        self,
        repository: SourceRepository,
        checker: SourceChecker,
        settings: ChangeDetectorSettings,
        metrics: DetectorMetrics,
        clock: Clock = utc_now,
    ) -> None:
        self.repository = repository
        self.checker = checker
        self.settings = settings
        self.metrics = metrics
        self.clock = clock
        self._running: dict[asyncio.Task[None], WatchedSource] = {}

    async def tick(self) -> int:
        """Claim as many due sources as there are free slots and start their checks."""
        free = self.settings.max_concurrent_checks - len(self._running)
        if free <= 0:
            return 0
        claimed = await self.repository.claim_due(self.clock(), free, self.settings.lease_seconds)
        for source in claimed:
            task = asyncio.create_task(self._check(source), name=f"check-{source.source_id}")
            self._running[task] = source
            task.add_done_callback(self._running.pop)
        return len(claimed)

    async def _check(self, source: WatchedSource) -> None:
        try:
            await self.checker.check(source)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug or the database: retry later, not in a tight loop
            log.exception("check failed unexpectedly", extra={"source_id": str(source.source_id)})
            retry_at = self.clock() + timedelta(seconds=ERROR_RETRY_SECONDS)
            with contextlib.suppress(Exception):
                await self.repository.release(source.source_id, source.lease_token, retry_at)

    async def run(self) -> None:
        """Tick forever; cancelled on shutdown (see stop)."""
        last_gauge = 0.0
        while True:
            try:
                if time.monotonic() - last_gauge > GAUGE_REFRESH_SECONDS:
                    self.metrics.sources_watched.set(await self.repository.count_active())
                    last_gauge = time.monotonic()
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # database down: try again next tick
                log.exception("scheduler tick failed")
            await asyncio.sleep(self.settings.scheduler_tick_seconds)

    async def stop(self) -> None:
        """Cancel running checks and give their sources back, so a restart re-checks them."""
        tasks = list(self._running.items())
        for task, _ in tasks:
            task.cancel()
        await asyncio.gather(*(task for task, _ in tasks), return_exceptions=True)
        for _, source in tasks:
            with contextlib.suppress(Exception):
                await self.repository.release(source.source_id, source.lease_token)
