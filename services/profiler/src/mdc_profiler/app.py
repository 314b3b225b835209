"""The profiler application: wiring and lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from mdc_common.broker import EventPublisher, create_broker, ensure_topics
from mdc_common.db import create_engine, create_schema, session_factory
from mdc_common.health import db_check, kafka_check, s3_check
from mdc_common.http import create_service_app
from mdc_common.logging import configure_logging
from mdc_common.metrics import ServiceMetrics
from mdc_common.storage import ObjectStore

from mdc_profiler.config import SCHEMA, SERVICE, ProfilerSettings
from mdc_profiler.handlers import register_handlers
from mdc_profiler.metrics import ProfilerMetrics
from mdc_profiler.models import ProfilerTable
from mdc_profiler.repository import PostgresVersionRepository, migrate
from mdc_profiler.service import DatasetProcessor


def create_app(settings: ProfilerSettings | None = None) -> FastAPI:
    settings = settings or ProfilerSettings()
    configure_logging(SERVICE, settings.log.level)
    metrics = ServiceMetrics(SERVICE)
    engine = create_engine(settings.db)
    store = ObjectStore(settings.s3)
    broker = create_broker(settings.kafka, SERVICE)
    publisher = EventPublisher(broker, metrics)
    processor = DatasetProcessor(
        store=store,
        repository=PostgresVersionRepository(session_factory(engine)),
        publisher=publisher,
        settings=settings,
        metrics=ProfilerMetrics(metrics),
    )
    register_handlers(broker, publisher, processor)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await create_schema(engine, SCHEMA, ProfilerTable.metadata)
        await migrate(engine)
        for bucket in (settings.s3.raw_bucket, settings.s3.curated_bucket):
            await asyncio.to_thread(store.ensure_bucket, bucket)
        await ensure_topics(settings.kafka)
        await broker.start()
        try:
            yield
        finally:
            await broker.stop()
            await engine.dispose()

    app = create_service_app(
        service=SERVICE,
        metrics=metrics,
        lifespan=lifespan,
        health_checks={
            "db": db_check(engine),
            "kafka": kafka_check(broker),
            "s3": s3_check(store),
        },
        description="Turns changed raw files into standardized Parquet dataset versions with a "
        "schema and a per-column profile (statistical types).",
    )
    app.state.processor = processor
    return app
