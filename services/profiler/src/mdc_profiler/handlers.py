"""Kafka subscribers: thin wrappers that hand validated events to the domain."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from mdc_common.broker import EventPublisher
from mdc_common.consumer import subscribe
from mdc_contracts import DatasetSpecPublished, SourceChanged, Topic

from mdc_profiler.config import CONSUMER_GROUP, SERVICE
from mdc_profiler.service import DatasetProcessor


def register_handlers(
    broker: KafkaBroker, publisher: EventPublisher, processor: DatasetProcessor
) -> None:
    subscribe(
        broker,
        Topic.SOURCE_CHANGES,
        SourceChanged,
        processor.process,
        group_id=CONSUMER_GROUP,
        publisher=publisher,
        service=SERVICE,
    )
    subscribe(
        broker,
        Topic.DATASET_SPECS,
        DatasetSpecPublished,
        processor.apply_spec,
        group_id=CONSUMER_GROUP,
        publisher=publisher,
        service=SERVICE,
    )
