"""The lineage service: `python -m uvicorn --factory mdc_lineage.app:create_app`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from mdc_common.broker import EventPublisher, create_broker, ensure_topics
from mdc_common.db import create_engine, create_schema
from mdc_common.health import kafka_check
from mdc_common.http import create_service_app, error_body
from mdc_common.logging import configure_logging
from mdc_contracts import Topic
from sqlalchemy.ext.asyncio import AsyncEngine

from mdc_lineage.api.graph_routes import create_graph_router
from mdc_lineage.api.routes import create_router
from mdc_lineage.config import DB_SCHEMA, SERVICE_NAME, LineageSettings
from mdc_lineage.graph_index import (
    LineageGraphIndex,
    SyncedLineageGraph,
    install_graph_notifications,
)
from mdc_lineage.graph_service import FixedGraph, GraphService, GraphSource
from mdc_lineage.handlers import register_handlers
from mdc_lineage.metrics import LineageMetrics
from mdc_lineage.models import LINEAGE_METADATA
from mdc_lineage.ports import LineageStore
from mdc_lineage.repository import PostgresLineageStore
from mdc_lineage.service import LineageService

log = logging.getLogger(__name__)

GRAPH_READY_SECONDS = 30.0

DESCRIPTION = """OpenLineage store. RunEvents come in from Kafka (`mdc.lineage.openlineage.v1`) and
from `POST /api/v1/lineage` (Marquez-compatible, for openlineage-python and Airflow); lineage is
read back as Marquez-shaped graphs, run histories and dataset versions."""


def create_app(
    settings: LineageSettings | None = None,
    *,
    store: LineageStore | None = None,
    broker: KafkaBroker | None = None,
    graph: GraphSource | None = None,
) -> FastAPI:
    """Wire the service. `store` and `broker` are injected by tests; an injected store's schema
    and an injected broker's topics are their provider's business, not created here."""
    settings = settings or LineageSettings()
    configure_logging(SERVICE_NAME, settings.log.level)
    metrics = LineageMetrics(SERVICE_NAME)
    engine: AsyncEngine | None = None
    if store is None:
        engine = create_engine(settings.db)
        store = PostgresLineageStore(engine)
    create_topics = broker is None
    kafka = broker or create_broker(settings.kafka, SERVICE_NAME)
    synced: SyncedLineageGraph | None = None
    if graph is None and engine is not None and settings.graph_index:
        synced = SyncedLineageGraph(engine)
        graph = synced
    service = LineageService(store, metrics, settings.graph_max_nodes, graph)
    graph_service = GraphService(
        store, graph or FixedGraph(LineageGraphIndex()), metrics, settings.graph_max_nodes
    )
    register_handlers(kafka, service, EventPublisher(kafka, metrics))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        following: asyncio.Task[None] | None = None
        try:
            if engine is not None:
                await create_schema(engine, DB_SCHEMA, LINEAGE_METADATA)
                await install_graph_notifications(engine)
            if synced is not None:
                following = asyncio.create_task(synced.run())
                await _until_ready(synced, GRAPH_READY_SECONDS)
            if create_topics:
                await ensure_topics(settings.kafka, [Topic.LINEAGE, Topic.DEAD_LETTERS])
            await kafka.start()
            yield
        finally:
            if following is not None:
                following.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await following
            await kafka.stop()
            if engine is not None:
                await engine.dispose()

    app = create_service_app(
        service=SERVICE_NAME,
        metrics=metrics,
        lifespan=lifespan,
        health_checks={"db": store.ping, "kafka": kafka_check(kafka)},
        title="MDC lineage",
        description=DESCRIPTION,
        # OpenLineage bodies (gzip too) are read and checked by the lineage router: 400 with
        # the reason, as Marquez answers.
        check_bodies_for_nul=False,
    )
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.include_router(create_router(service, settings.max_event_bytes))
    app.include_router(create_graph_router(graph_service))
    return app


async def _until_ready(graph: SyncedLineageGraph, seconds: float) -> None:
    """Wait for the first load; past `seconds` the service starts anyway and reads the graph
    from the database until it is loaded."""
    try:
        await asyncio.wait_for(graph.wait_ready(), seconds)
    except TimeoutError:
        log.warning("lineage graph not loaded yet; reading it from the database until it is")


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    """Bad query or path parameters: 400 in the MDC error shape (FastAPI's default is 422)."""
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
    ]
    message = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or "invalid request"
    return JSONResponse(error_body("invalid_request", message, fields=fields), status_code=400)
