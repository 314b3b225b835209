"""Thin Kafka subscribers: the contract is validated by `subscribe`, the domain does the rest."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from mdc_common.broker import EventPublisher
from mdc_common.consumer import subscribe
from mdc_contracts import (
    DatasetProcessingFailed,
    DatasetVersionCreated,
    SchemaChanged,
    SourceChecked,
    Topic,
)

from mdc_catalog.config import CONSUMER_GROUP, SERVICE
from mdc_catalog.metrics import CatalogMetrics
from mdc_catalog.repository import RepositoryScope
from mdc_catalog.status import (
    record_check,
    record_dataset_version,
    record_processing_failure,
    record_schema_change,
)


def register_handlers(
    broker: KafkaBroker,
    publisher: EventPublisher,
    scope: RepositoryScope,
    metrics: CatalogMetrics,
) -> None:
    async def on_dataset_version(event: DatasetVersionCreated) -> None:
        async with scope() as repo:
            await record_dataset_version(repo, event, metrics)

    async def on_source_checked(event: SourceChecked) -> None:
        async with scope() as repo:
            await record_check(repo, event, metrics)

    async def on_processing_failed(event: DatasetProcessingFailed) -> None:
        async with scope() as repo:
            await record_processing_failure(repo, event, metrics)

    async def on_schema_changed(event: SchemaChanged) -> None:
        async with scope() as repo:
            await record_schema_change(repo, event)

    subscribe(
        broker,
        Topic.SCHEMA_CHANGES,
        SchemaChanged,
        on_schema_changed,
        group_id=CONSUMER_GROUP,
        publisher=publisher,
        service=SERVICE,
    )
    subscribe(
        broker,
        Topic.DATASET_VERSIONS,
        DatasetVersionCreated,
        on_dataset_version,
        group_id=CONSUMER_GROUP,
        publisher=publisher,
        service=SERVICE,
    )
    subscribe(
        broker,
        Topic.SOURCE_CHECKS,
        SourceChecked,
        on_source_checked,
        group_id=CONSUMER_GROUP,
        publisher=publisher,
        service=SERVICE,
    )
    subscribe(
        broker,
        Topic.DATASET_FAILURES,
        DatasetProcessingFailed,
        on_processing_failed,
        group_id=CONSUMER_GROUP,
        publisher=publisher,
        service=SERVICE,
    )
