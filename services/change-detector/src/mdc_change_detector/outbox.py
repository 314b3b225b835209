"""The outbox relay: publishes committed events in order and marks them sent.

Events are stored in the same transaction as the state that caused them, so a crash between
the commit and the publish loses nothing; a re-send carries the same event id (consumers dedupe).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

from mdc_common.broker import EventPublisher
from mdc_contracts import TOPIC_MODELS, utc_now
from pydantic import ValidationError

from mdc_change_detector.metrics import DetectorMetrics
from mdc_change_detector.ports import Outbox

log = logging.getLogger(__name__)
SENT_RETENTION = timedelta(days=1)
PURGE_EVERY_SECONDS = 600.0


class OutboxRelay:
    def __init__(
        self,
        outbox: Outbox,
        publisher: EventPublisher,
        metrics: DetectorMetrics,
        *,
        tick_seconds: float = 0.5,
        batch_size: int = 200,
    ) -> None:
        self.outbox = outbox
        self.publisher = publisher
        self.metrics = metrics
        self.tick_seconds = tick_seconds
        self.batch_size = batch_size
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Called after a commit that wrote events, so they leave without waiting for a tick."""
        self._wakeup.set()

    async def publish_pending(self) -> int:
        """Publish one batch in id order; stop at the first failure (the rest stays unsent)."""
        sent = 0
        async with self.outbox.pending(self.batch_size) as batch:
            if batch is None:  # another replica is relaying
                return 0
            for message in batch.messages:
                try:
                    event = TOPIC_MODELS[message.topic].model_validate(message.payload)
                except ValidationError:
                    # Only possible after an incompatible contract change: one stored event
                    # must not block all the others forever. Logged in full, then skipped.
                    log.exception(
                        "outbox message no longer valid; skipped",
                        extra={"outbox_id": message.id, "payload": message.payload},
                    )
                    batch.mark_sent(message.id)
                    continue
                try:
                    await self.publisher.publish(message.topic, event, key=message.key)
                except Exception:  # Kafka down: keep order, retry this message on the next pass
                    log.exception(
                        "outbox publish failed; will retry",
                        extra={"outbox_id": message.id, "topic": message.topic.value},
                    )
                    break
                batch.mark_sent(message.id)
                sent += 1
            self.metrics.outbox_pending.set(len(batch.messages) - sent)
        return sent

    async def run(self) -> None:
        """Relay forever; cancelled on shutdown."""
        last_purge = 0.0
        while True:
            try:
                sent = await self.publish_pending()
                if time.monotonic() - last_purge > PURGE_EVERY_SECONDS:
                    purge = getattr(self.outbox, "purge_sent", None)
                    if purge is not None:
                        await purge(utc_now() - SENT_RETENTION)
                    last_purge = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception:  # database down: nothing is lost, the rows wait in the outbox
                log.exception("outbox relay pass failed; will retry")
                sent = 0
            if sent >= self.batch_size:
                continue  # more waiting: go on at once
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self.tick_seconds)
            self._wakeup.clear()
