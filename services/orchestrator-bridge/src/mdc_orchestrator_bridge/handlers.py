"""Kafka subscriptions of the bridge: new dataset versions become targeted Airflow runs."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from mdc_common.broker import EventPublisher
from mdc_common.consumer import subscribe
from mdc_contracts import DatasetVersionCreated, Topic

from mdc_orchestrator_bridge.config import CONSUMER_GROUP, SERVICE
from mdc_orchestrator_bridge.service import RunRequester


def register_handlers(
    broker: KafkaBroker, requester: RunRequester, publisher: EventPublisher
) -> None:
    # Transient Airflow errors propagate: the offset stays uncommitted and the change is
    # redelivered; the derived dag_run_id makes the retry idempotent.
    subscribe(
        broker,
        Topic.DATASET_VERSIONS,
        DatasetVersionCreated,
        requester.handle,
        group_id=CONSUMER_GROUP,
        publisher=publisher,
        service=SERVICE,
    )
