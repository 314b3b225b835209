"""The orchestrator-bridge's own Prometheus metrics, on the service registry."""

from __future__ import annotations

from mdc_common.metrics import ServiceMetrics
from prometheus_client import Counter, Histogram


class BridgeMetrics:
    def __init__(self, base: ServiceMetrics) -> None:
        self.base = base
        self.runs_requested = Counter(
            "mdc_orchestrator_bridge_runs_requested_total",
            "DAG runs created in Airflow for a dataset change.",
            registry=base.registry,
        )
        self.runs_already_requested = Counter(
            "mdc_orchestrator_bridge_runs_already_requested_total",
            "Re-delivered changes whose run Airflow already had (409): nothing triggered twice.",
            registry=base.registry,
        )
        self.no_downstream = Counter(
            "mdc_orchestrator_bridge_no_downstream_total",
            "Dataset changes that no step reads, directly or not: no run requested.",
            registry=base.registry,
        )
        self.steps_requested = Counter(
            "mdc_orchestrator_bridge_steps_requested_total",
            "Steps included in the runs created (a full run would include every step).",
            registry=base.registry,
        )
        self.trigger_seconds = Histogram(
            "mdc_orchestrator_bridge_trigger_seconds",
            "Time to get a run accepted by Airflow (token, unpause and trigger included).",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=base.registry,
        )
        self.airflow_errors = Counter(
            "mdc_orchestrator_bridge_airflow_errors_total",
            "Failed Airflow API calls, by kind (unreachable, server_error, dag_not_found, ...).",
            ["kind"],
            registry=base.registry,
        )
