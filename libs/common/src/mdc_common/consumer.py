"""Subscribing handlers to topics with the semantics every MDC consumer needs.

- Payloads are validated against the contract; a malformed one goes to the dead-letter topic
  with the validation error and is acknowledged, so it never blocks the partition.
- `BadInput` raised by a handler is the event's fault: dead-lettered and acknowledged.
- Any other error is treated as transient: the offset is not committed and the message is
  redelivered after a pause. Handlers are idempotent, so redelivery is safe.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from mdc_contracts import DeadLetter, Topic
from pydantic import BaseModel, ValidationError

from mdc_common.broker import EventPublisher
from mdc_common.errors import BadInput
from mdc_common.logging import event_context

E = TypeVar("E", bound=BaseModel)
log = logging.getLogger(__name__)

RETRY_PAUSE_SECONDS = 2.0
_NEVER_SWALLOWED = (asyncio.CancelledError, KeyboardInterrupt, SystemExit, GeneratorExit)


def subscribe(
    broker: KafkaBroker,
    topic: Topic,
    model: type[E],
    handler: Callable[[E], Awaitable[None]],
    *,
    group_id: str,
    publisher: EventPublisher,
    service: str,
) -> None:
    metrics = publisher.metrics

    async def dead_letter(message: KafkaMessage, error: str) -> None:
        record = message.raw_message
        assert not isinstance(record, tuple)
        await publisher.publish(
            Topic.DEAD_LETTERS,
            DeadLetter(
                producer=service,
                correlation_id=DeadLetter.correlation_for(
                    record.topic, record.partition, record.offset
                ),
                consumer_group=group_id,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                key=record.key.decode(errors="replace") if record.key else None,
                payload=message.body.decode(errors="replace")[:100_000],
                error=error[:10_000],
            ),
            key=f"{record.topic}/{record.partition}/{record.offset}",
        )
        metrics.events_handled.labels(topic.value, "rejected").inc()

    # One consumer group per (service, topic): members of one group join one after another,
    # and each join costs a rebalance of several seconds on tansu.
    @broker.subscriber(
        topic.value,
        group_id=f"{group_id}.{topic.value}",
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def consume(message: KafkaMessage) -> None:
        try:
            event = model.model_validate_json(message.body)
        except ValidationError as err:
            log.warning(
                "malformed event dead-lettered", extra={"topic": topic.value, "error": str(err)}
            )
            await dead_letter(message, f"malformed {model.__name__}: {err}")
            return
        event_id = getattr(event, "event_id", None) or getattr(
            getattr(event, "run", None), "runId", None
        )
        with event_context(event_id, getattr(event, "correlation_id", None)):
            started = time.perf_counter()
            try:
                await handler(event)
            except BadInput as err:
                log.warning("event rejected", extra={"topic": topic.value, "error": err.detail})
                await dead_letter(message, f"{type(err).__name__}: {err.detail}")
                return
            except Exception:
                metrics.events_handled.labels(topic.value, "failed").inc()
                log.exception("handling failed; will be redelivered", extra={"topic": topic.value})
                await asyncio.sleep(RETRY_PAUSE_SECONDS)
                raise
            except BaseException as err:
                if isinstance(err, _NEVER_SWALLOWED):
                    raise
                # A crash outside Python's Exception tree (e.g. a Rust panic in polars) would end
                # the consume loop for good; it is deterministic for this message, so park it.
                log.exception("handler crashed; event dead-lettered", extra={"topic": topic.value})
                await dead_letter(message, f"handler crashed: {type(err).__name__}: {err}")
                return
            finally:
                metrics.event_duration.labels(topic.value).observe(time.perf_counter() - started)
            metrics.events_handled.labels(topic.value, "ok").inc()
