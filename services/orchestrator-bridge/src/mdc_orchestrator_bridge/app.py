"""The orchestrator-bridge app: consumes DatasetVersionCreated, triggers targeted Airflow runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from mdc_common.broker import EventPublisher, create_broker, ensure_topics
from mdc_common.health import kafka_check
from mdc_common.http import create_service_app
from mdc_common.logging import configure_logging
from mdc_common.metrics import ServiceMetrics
from mdc_contracts import Topic

from mdc_orchestrator_bridge.airflow import AirflowClient
from mdc_orchestrator_bridge.api import router
from mdc_orchestrator_bridge.config import SERVICE, OrchestratorBridgeSettings
from mdc_orchestrator_bridge.handlers import register_handlers
from mdc_orchestrator_bridge.metrics import BridgeMetrics
from mdc_orchestrator_bridge.service import RunRequester
from mdc_orchestrator_bridge.steps import StepGraphSource, StepsFileError


def create_app(settings: OrchestratorBridgeSettings | None = None) -> FastAPI:
    settings = settings or OrchestratorBridgeSettings()
    configure_logging(SERVICE, settings.log.level)
    # A broken steps file stops the start-up with a message saying where and why.
    graphs = StepGraphSource(settings.steps_file)

    base_metrics = ServiceMetrics(SERVICE)
    metrics = BridgeMetrics(base_metrics)
    broker = create_broker(settings.kafka, SERVICE)
    publisher = EventPublisher(broker, base_metrics)
    airflow = AirflowClient(settings.airflow, metrics=metrics)
    requester = RunRequester(graphs, airflow, publisher, metrics, settings.airflow.dag_id)
    register_handlers(broker, requester, publisher)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await ensure_topics(
            settings.kafka, [Topic.DATASET_VERSIONS, Topic.RUN_REQUESTS, Topic.DEAD_LETTERS]
        )
        await broker.start()
        try:
            yield
        finally:
            await broker.stop()
            await airflow.aclose()

    async def steps_file_valid() -> None:
        graphs.current()
        if graphs.error:
            raise StepsFileError(graphs.error)

    app = create_service_app(
        service=SERVICE,
        metrics=base_metrics,
        lifespan=lifespan,
        health_checks={
            "kafka": kafka_check(broker),
            "airflow": airflow.check_health,
            "steps_file": steps_file_valid,
        },
        description="Turns dataset changes into Airflow runs of only the steps they reach.",
    )
    app.state.settings = settings
    app.state.step_graphs = graphs
    app.include_router(router)
    return app
