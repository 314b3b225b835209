"""Kafka through faststream: broker construction, topic creation, typed publishing."""

from __future__ import annotations

import contextlib
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from mdc_contracts import Topic
from pydantic import BaseModel

from mdc_common.metrics import ServiceMetrics
from mdc_common.settings import KafkaSettings

log = logging.getLogger(__name__)


def create_broker(settings: KafkaSettings, service: str) -> KafkaBroker:
    # Idempotent producers are not supported by tansu; consumers are idempotent instead.
    return KafkaBroker(
        settings.bootstrap_servers,
        client_id=f"mdc-{service}",
        acks="all",
        enable_idempotence=False,
        logger=logging.getLogger(f"mdc.{service}.broker"),
    )


async def ensure_topics(settings: KafkaSettings, topics: list[Topic] | None = None) -> None:
    """Create the topics if missing; safe to call from every service at start-up."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t.value for t in (topics or list(Topic)) if t.value not in existing]
        if missing:
            # Another service may create them at the same moment.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [
                        NewTopic(t, num_partitions=settings.partitions, replication_factor=1)
                        for t in missing
                    ]
                )
            log.info("created topics", extra={"topics": missing})
    finally:
        await admin.close()


class EventPublisher:
    """Publishes contract models as JSON with a key, so per-key order holds on one partition."""

    def __init__(self, broker: KafkaBroker, metrics: ServiceMetrics) -> None:
        self.broker = broker
        self.metrics = metrics

    async def publish(self, topic: Topic, event: BaseModel, key: str) -> None:
        await self.broker.publish(
            event.model_dump(mode="json", by_alias=True),
            topic=topic.value,
            key=key.encode(),
            headers={"content-type": "application/json"},
        )
        self.metrics.events_published.labels(topic.value).inc()
