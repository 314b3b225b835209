"""From a new dataset version to one targeted Airflow run: plan it, request it, announce it."""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from mdc_common.broker import EventPublisher
from mdc_contracts import DatasetVersionCreated, RunRequested, Topic, deterministic_id

from mdc_orchestrator_bridge.airflow import AirflowClient
from mdc_orchestrator_bridge.config import SERVICE
from mdc_orchestrator_bridge.metrics import BridgeMetrics
from mdc_orchestrator_bridge.steps import StepGraph, StepGraphSource

log = logging.getLogger(__name__)

# Airflow's default allowed_run_id_pattern is ^[A-Za-z0-9_.~:+-]+$; the column holds 250 chars.
_UNSAFE_RUN_ID_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")
_MAX_DATASET_PART = 120


def dag_run_id_for(dataset_name: str, version: int, change_id: uuid.UUID) -> str:
    """The run id of a change: the same change always maps to the same run (409 on repeat)."""
    dataset_part = _UNSAFE_RUN_ID_CHARS.sub("-", dataset_name).strip("-")[:_MAX_DATASET_PART]
    return f"mdc__{dataset_part or 'dataset'}__v{version}__{change_id.hex[:12]}"


def describe_reason(dataset_name: str, version: int, steps: list[str]) -> str:
    return f"{dataset_name} v{version} changed; reaches {', '.join(steps)}"


@dataclass(frozen=True)
class RunPlan:
    """What one dataset change asks of Airflow."""

    dag_id: str
    dag_run_id: str
    steps: list[str]
    reason: str
    change: DatasetVersionCreated

    def conf(self) -> dict[str, Any]:
        """The DAG run's conf; the DAG runs exactly `steps` and skips the others."""
        return {
            "steps": self.steps,
            "reason": self.reason,
            "dataset": self.change.dataset_name,
            "version": self.change.version,
            "change_id": str(self.change.change_id),
        }

    def event(self, *, already_requested: bool) -> RunRequested:
        return RunRequested(
            # One event id per run, however often the change is delivered.
            event_id=deterministic_id("RunRequested", self.dag_id, self.dag_run_id),
            producer=SERVICE,
            correlation_id=self.change.correlation_id,
            dag_id=self.dag_id,
            dag_run_id=self.dag_run_id,
            dataset_name=self.change.dataset_name,
            dataset_version=self.change.version,
            steps=self.steps,
            reason=self.reason,
            already_requested=already_requested,
            source_id=self.change.source_id,
        )


def plan_run(change: DatasetVersionCreated, graph: StepGraph, dag_id: str) -> RunPlan | None:
    """The run a change needs, or None when no step reads the dataset, directly or not."""
    steps = graph.downstream_steps(change.dataset_name)
    if not steps:
        return None
    return RunPlan(
        dag_id=dag_id,
        dag_run_id=dag_run_id_for(change.dataset_name, change.version, change.change_id),
        steps=steps,
        reason=describe_reason(change.dataset_name, change.version, steps),
        change=change,
    )


class RunRequester:
    """Handles one DatasetVersionCreated: trigger the reached steps once, then announce the run."""

    def __init__(
        self,
        graphs: StepGraphSource,
        airflow: AirflowClient,
        publisher: EventPublisher,
        metrics: BridgeMetrics,
        dag_id: str,
    ) -> None:
        self.graphs = graphs
        self.airflow = airflow
        self.publisher = publisher
        self.metrics = metrics
        self.dag_id = dag_id

    async def handle(self, change: DatasetVersionCreated) -> None:
        plan = plan_run(change, self.graphs.current(), self.dag_id)
        if plan is None:
            self.metrics.no_downstream.inc()
            log.info(
                "no step reads this dataset; nothing to run",
                extra={"dataset": change.dataset_name, "version": change.version},
            )
            return
        started = time.perf_counter()
        # Airflow unreachable, 5xx, DAG not parsed yet: raises, the message is redelivered.
        outcome = await self.airflow.trigger_run(
            plan.dag_id, plan.dag_run_id, conf=plan.conf(), note=plan.reason
        )
        self.metrics.trigger_seconds.observe(time.perf_counter() - started)
        if outcome.already_requested:
            self.metrics.runs_already_requested.inc()
        else:
            self.metrics.runs_requested.inc()
            self.metrics.steps_requested.inc(len(plan.steps))
        log.info(
            "run already requested" if outcome.already_requested else "run requested",
            extra={"dag_run_id": plan.dag_run_id, "steps": plan.steps, "reason": plan.reason},
        )
        event = plan.event(already_requested=outcome.already_requested)
        await self.publisher.publish(Topic.RUN_REQUESTS, event, key=plan.dag_run_id)
