"""The change-detector application: wiring, background loops and lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI
from mdc_common.broker import EventPublisher, create_broker, ensure_topics
from mdc_common.db import create_engine, create_schema, session_factory
from mdc_common.health import db_check, kafka_check, s3_check
from mdc_common.http import create_service_app
from mdc_common.logging import configure_logging
from mdc_common.metrics import ServiceMetrics
from mdc_common.storage import ObjectStore

from mdc_change_detector.api.routes import router
from mdc_change_detector.config import SCHEMA, SERVICE, ChangeDetectorSettings
from mdc_change_detector.handlers import register_handlers
from mdc_change_detector.metrics import DetectorMetrics
from mdc_change_detector.models import DetectorTable
from mdc_change_detector.outbox import OutboxRelay
from mdc_change_detector.repository import PostgresRepository
from mdc_change_detector.scheduler import Scheduler
from mdc_change_detector.service import SourceChecker


def create_app(settings: ChangeDetectorSettings | None = None) -> FastAPI:
    settings = settings or ChangeDetectorSettings()
    configure_logging(SERVICE, settings.log.level)
    metrics = ServiceMetrics(SERVICE)
    detector_metrics = DetectorMetrics(metrics)
    engine = create_engine(settings.db)
    repository = PostgresRepository(session_factory(engine))
    store = ObjectStore(settings.s3)
    broker = create_broker(settings.kafka, SERVICE)
    publisher = EventPublisher(broker, metrics)
    relay = OutboxRelay(
        repository, publisher, detector_metrics, tick_seconds=settings.outbox_tick_seconds
    )
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(settings.timeout_seconds),
        follow_redirects=True,
        headers={"User-Agent": settings.user_agent},
        limits=httpx.Limits(max_connections=settings.max_concurrent_checks * 2),
    )
    checker = SourceChecker(
        client=client,
        store=store,
        repository=repository,
        settings=settings,
        metrics=detector_metrics,
        on_recorded=relay.wake,
    )
    scheduler = Scheduler(repository, checker, settings, detector_metrics)
    register_handlers(broker, publisher, repository, settings)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await create_schema(engine, SCHEMA, DetectorTable.metadata)
        await asyncio.to_thread(store.ensure_bucket, settings.s3.raw_bucket)
        await ensure_topics(settings.kafka)
        await broker.start()
        loops = [asyncio.create_task(relay.run(), name="outbox-relay")]
        if settings.run_scheduler:
            loops.append(asyncio.create_task(scheduler.run(), name="scheduler"))
        try:
            yield
        finally:
            for task in reversed(loops):
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            await scheduler.stop()
            # One last pass, so events of checks that just finished leave before we go.
            with contextlib.suppress(Exception):
                await relay.publish_pending()
            await broker.stop()
            await client.aclose()
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
        description="Watches sources over HTTP, stores changed raw files content-addressed in the "
        "raw bucket, and announces checks and changes on Kafka.",
    )
    app.state.repository = repository
    app.state.checker = checker
    app.state.scheduler = scheduler
    app.state.relay = relay
    app.include_router(router)
    return app
