"""The Kafka door: RunEvents from Topic.LINEAGE go to the same ingest function as the HTTP door.

Validation and dead-lettering of malformed events are done by mdc_common.consumer.subscribe; an
InvalidEvent (a BadInput) from the domain is dead-lettered too; anything else is redelivered.
"""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from mdc_common.broker import EventPublisher
from mdc_common.consumer import subscribe
from mdc_contracts import Topic
from mdc_contracts.lineage import RunEvent

from mdc_lineage.config import CONSUMER_GROUP, SERVICE_NAME
from mdc_lineage.service import Door, LineageService


def register_handlers(
    broker: KafkaBroker, service: LineageService, publisher: EventPublisher
) -> None:
    async def on_run_event(event: RunEvent) -> None:
        await service.ingest(event, Door.KAFKA)

    subscribe(
        broker,
        Topic.LINEAGE,
        RunEvent,
        on_run_event,
        group_id=CONSUMER_GROUP,
        publisher=publisher,
        service=SERVICE_NAME,
    )
