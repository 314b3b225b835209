"""The lineage service's own metrics, next to the ones every service has."""

from __future__ import annotations

from mdc_common.metrics import ServiceMetrics
from prometheus_client import Counter, Histogram


class LineageMetrics(ServiceMetrics):
    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.events_ingested = Counter(
            "mdc_lineage_events_ingested_total",
            "RunEvents ingested, by door (http, kafka), eventType and outcome (stored, duplicate).",
            ["door", "event_type", "outcome"],
            registry=self.registry,
        )
        self.events_rejected = Counter(
            "mdc_lineage_events_rejected_total",
            "Events refused, by door and reason (invalid_json, not_a_run_event, invalid_event...).",
            ["door", "reason"],
            registry=self.registry,
        )
        self.graph_seconds = Histogram(
            "mdc_lineage_graph_query_seconds",
            "Time to build one lineage graph.",
            registry=self.registry,
        )
        self.graph_reads = Counter(
            "mdc_lineage_graph_reads_total",
            "Lineage answers, by where the graph came from: memory (in sync) or database.",
            ["source"],
            registry=self.registry,
        )
