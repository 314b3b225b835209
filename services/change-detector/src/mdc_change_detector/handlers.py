"""Kafka subscribers: thin wrappers that hand validated events to the domain."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from mdc_common.broker import EventPublisher
from mdc_common.consumer import subscribe
from mdc_contracts import SourceDefined, Topic

from mdc_change_detector.config import CONSUMER_GROUP, SERVICE, ChangeDetectorSettings
from mdc_change_detector.ports import SourceRepository
from mdc_change_detector.service import apply_definition


def register_handlers(
    broker: KafkaBroker,
    publisher: EventPublisher,
    repository: SourceRepository,
    settings: ChangeDetectorSettings,
) -> None:
    async def on_source_defined(event: SourceDefined) -> None:
        await apply_definition(event, repository, settings)

    subscribe(
        broker,
        Topic.SOURCE_DEFINITIONS,
        SourceDefined,
        on_source_defined,
        group_id=CONSUMER_GROUP,
        publisher=publisher,
        service=SERVICE,
    )
