"""The catalog service: wiring of settings, logging, metrics, database, Kafka, handlers, routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from mdc_common.broker import EventPublisher, create_broker, ensure_topics
from mdc_common.db import create_engine, create_schema, read_session_factory, session_factory
from mdc_common.health import db_check, kafka_check
from mdc_common.http import create_service_app
from mdc_common.logging import configure_logging
from mdc_common.metrics import ServiceMetrics

from mdc_catalog.api.auth import Role, SettingsKeys, install_auth_errors
from mdc_catalog.api.deps import consumer_access
from mdc_catalog.api.routes import audit as audit_routes
from mdc_catalog.api.routes import datasets, sources, specs, yaml_io
from mdc_catalog.api.routes import exports as export_routes
from mdc_catalog.api.routes import health as health_routes
from mdc_catalog.api.routes import keys as key_routes
from mdc_catalog.api.routes import steps as step_routes
from mdc_catalog.config import SCHEMA, SERVICE, CatalogSettings
from mdc_catalog.facts import FACTS_LISTENER, backfill_dataset_facts, rebuild_outdated_facts
from mdc_catalog.handlers import register_handlers
from mdc_catalog.health_gauges import keep_health_gauges_fresh, sql_health_scope
from mdc_catalog.metrics import CatalogMetrics
from mdc_catalog.models import catalog_registry
from mdc_catalog.repository import RepositoryScope, sql_repository_scope
from mdc_catalog.search_index import SearchIndex, install_search_support
from mdc_catalog.service import DefinitionSink, KafkaDefinitionSink, republish_definitions
from mdc_catalog.specs import KafkaSpecSink, announce_pending_forever

log = logging.getLogger(__name__)

INDEX_READY_SECONDS = 30.0

DESCRIPTION = """
Datasets, their versions, columns and profiles, for consumers (`/datasets`); sources and their
status, and dataset specs, for providers (`/admin/sources`, `/admin/datasets/{id}/spec`, with a
provider API key as a Bearer token).
"""


def create_app(settings: CatalogSettings | None = None) -> FastAPI:
    settings = settings or CatalogSettings()
    configure_logging(SERVICE, settings.logging.level)
    metrics = ServiceMetrics(SERVICE)
    catalog_metrics = CatalogMetrics(metrics)
    broker = create_broker(settings.kafka, SERVICE)
    publisher = EventPublisher(broker, metrics)
    engine = create_engine(settings.db)
    search_index = (
        SearchIndex(engine, on_rebuild=catalog_metrics.search_index_rebuilt)
        if settings.search_index
        else None
    )
    # A commit that rewrote search facts tells this process's index (read your own writes).
    sessions = session_factory(
        engine, info={FACTS_LISTENER: search_index.note_local_commit} if search_index else None
    )
    scope = sql_repository_scope(sessions)
    sink = KafkaDefinitionSink(publisher)
    spec_sink = KafkaSpecSink(publisher)
    provider_keys = SettingsKeys(
        {Role.ADMIN: settings.admin_api_keys, Role.PROVIDER: settings.provider_api_keys}
    )
    register_handlers(broker, publisher, scope, catalog_metrics)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not provider_keys.configured:
            log.warning(
                "no API keys configured (MDC_CATALOG_ADMIN_API_KEYS, "
                "MDC_CATALOG_PROVIDER_API_KEYS): only keys issued earlier are accepted"
            )
        republisher: asyncio.Task[None] | None = None
        spec_announcer: asyncio.Task[None] | None = None
        health_gauges: asyncio.Task[None] | None = None
        index_sync: asyncio.Task[None] | None = None
        try:
            await rebuild_outdated_facts(engine)
            await create_schema(engine, SCHEMA, catalog_registry.metadata)
            await install_search_support(engine)
            await backfill_dataset_facts(sessions)  # datasets recorded before dataset_facts
            if search_index is not None:
                index_sync = asyncio.create_task(search_index.keep_in_sync())
                await _until_ready(search_index, INDEX_READY_SECONDS)
            await ensure_topics(settings.kafka)
            await broker.connect()
            # Reconcile: a definition committed but not published (crash, Kafka down) reaches
            # the change-detector now; it keeps the highest revision, so repeats are harmless.
            await republish_definitions(scope, sink, pending_only=False)
            await broker.start()
            republisher = asyncio.create_task(
                _republish_pending(scope, sink, settings.republish_interval_seconds)
            )
            # Spec versions committed while Kafka was down reach the profiler from here.
            spec_announcer = asyncio.create_task(
                announce_pending_forever(sessions, spec_sink, settings.republish_interval_seconds)
            )
            # Stale/failing gauges for Grafana, current without anyone calling the API.
            health_gauges = asyncio.create_task(
                keep_health_gauges_fresh(
                    sql_health_scope(sessions), catalog_metrics, settings.stale_grace_factor
                )
            )
            log.info("catalog started")
            yield
        finally:
            if index_sync is not None:
                index_sync.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await index_sync
            if health_gauges is not None:
                health_gauges.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await health_gauges
            if republisher is not None:
                republisher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await republisher
            if spec_announcer is not None:
                spec_announcer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await spec_announcer
            await broker.stop()
            await engine.dispose()

    app = create_service_app(
        service=SERVICE,
        metrics=metrics,
        lifespan=lifespan,
        health_checks={"db": db_check(engine), "kafka": kafka_check(broker)},
        title="MDC catalog",
        description=DESCRIPTION,
    )
    install_auth_errors(app)
    app.state.settings = settings
    app.state.broker = broker
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.read_sessions = read_session_factory(engine)
    app.state.search_index = search_index
    app.state.definition_sink = sink
    app.state.spec_sink = spec_sink
    app.state.provider_keys = provider_keys
    app.state.catalog_metrics = catalog_metrics
    app.include_router(sources.router)
    app.include_router(datasets.router)
    app.include_router(export_routes.router, dependencies=[Depends(consumer_access)])
    app.include_router(specs.router)
    app.include_router(step_routes.router)
    app.include_router(yaml_io.router)
    app.include_router(health_routes.router)
    app.include_router(key_routes.router)
    app.include_router(audit_routes.router)
    return app


async def _until_ready(index: SearchIndex, seconds: float) -> None:
    """Wait for the first load, so searches come from memory from the start; past `seconds`
    (a huge catalog, a slow database) the service starts anyway and searches in SQL."""
    try:
        await asyncio.wait_for(index.wait_ready(), seconds)
    except TimeoutError:
        log.warning("search index not loaded yet; searches run in SQL until it is")


async def _republish_pending(scope: RepositoryScope, sink: DefinitionSink, interval: float) -> None:
    """Publish, every `interval` seconds, definitions whose publish after the commit failed."""
    while True:
        await asyncio.sleep(interval)
        try:
            await republish_definitions(scope, sink, pending_only=True)
        # A background retry loop, not a message handler: it must outlive a Kafka or DB outage.
        except Exception:
            log.exception(
                "republishing pending source definitions failed; will retry",
                extra={"retry_in_seconds": interval},
            )
