"""Health checks of the shared dependencies, for `create_service_app(health_checks=...)`."""

from __future__ import annotations

import asyncio

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from mdc_common.db import ping
from mdc_common.http import HealthCheck
from mdc_common.storage import ObjectStore

KAFKA_PING_SECONDS = 1.5


def kafka_check(broker: KafkaBroker) -> HealthCheck:
    async def check() -> None:
        if not await broker.ping(timeout=KAFKA_PING_SECONDS):
            raise ConnectionError("Kafka broker unreachable")

    return check


def db_check(engine: AsyncEngine) -> HealthCheck:
    async def check() -> None:
        await ping(engine)

    return check


def s3_check(store: ObjectStore) -> HealthCheck:
    async def check() -> None:
        await asyncio.to_thread(store.ping)

    return check
