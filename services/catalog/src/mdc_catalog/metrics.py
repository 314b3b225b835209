"""The catalog's own Prometheus metrics, registered beside the shared service metrics."""

from __future__ import annotations

from mdc_common.metrics import ServiceMetrics
from prometheus_client import Counter, Gauge


class CatalogMetrics:
    def __init__(self, base: ServiceMetrics) -> None:
        self.base = base
        self.dataset_versions = Counter(
            "mdc_catalog_dataset_versions_total",
            "DatasetVersionCreated events recorded, by outcome (new, duplicate).",
            ["outcome"],
            registry=base.registry,
        )
        self.events_ignored = Counter(
            "mdc_catalog_events_ignored_total",
            "Consumed events that changed nothing, by reason (out_of_order, unknown_source).",
            ["event_type", "reason"],
            registry=base.registry,
        )
        self.definition_publish_failures = Counter(
            "mdc_catalog_definition_publish_failures_total",
            "SourceDefined publishes that failed after the commit (published again later).",
            registry=base.registry,
        )
        # Totals only (no per-source label): set whenever /admin/health/summary is computed.
        self.stale_sources = Gauge(
            "mdc_catalog_stale_sources",
            "Active sources not changed within their cadence times the grace factor.",
            registry=base.registry,
        )
        self.failing_sources = Gauge(
            "mdc_catalog_failing_sources",
            "Sources with an open check or processing error.",
            registry=base.registry,
        )
