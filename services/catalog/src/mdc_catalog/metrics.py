"""The catalog's own Prometheus metrics, registered beside the shared service metrics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mdc_common.metrics import ServiceMetrics
from prometheus_client import Counter, Gauge, Histogram


@dataclass(frozen=True)
class SourceProblem:
    """One reason a source needs a technician: `failing` (detail: the error's reason, or
    `processing:<stage>`), `stale` (detail: its cadence) or `drifting` (`breaking` or not)."""

    source: str
    publisher: str
    problem: str
    detail: str
    overdue_seconds: float | None = None  # stale sources only


class CatalogMetrics:
    def __init__(self, base: ServiceMetrics) -> None:
        self.base = base
        registry = base.registry
        self.dataset_versions = Counter(
            "mdc_catalog_dataset_versions_total",
            "DatasetVersionCreated events recorded, by outcome (new, duplicate).",
            ["outcome"],
            registry=registry,
        )
        self.events_ignored = Counter(
            "mdc_catalog_events_ignored_total",
            "Consumed events that changed nothing, by reason (out_of_order, unknown_source).",
            ["event_type", "reason"],
            registry=registry,
        )
        self.definition_publish_failures = Counter(
            "mdc_catalog_definition_publish_failures_total",
            "SourceDefined publishes that failed after the commit (published again later).",
            registry=registry,
        )
        # Health gauges: recomputed from the database every few seconds by the catalog (and on
        # each /admin/health/summary), so a Grafana panel needs nobody to call the API. With
        # several catalog replicas every one reports the same values: aggregate with max().
        self.sources_by_status = Gauge(
            "mdc_catalog_sources",
            "Sources not deleted, each under one status: paused, else failing, else stale, "
            "else ok.",
            ["status"],
            registry=registry,
        )
        self.stale_sources = Gauge(
            "mdc_catalog_stale_sources",
            "Active sources not changed within their cadence times the grace factor.",
            registry=registry,
        )
        self.failing_sources = Gauge(
            "mdc_catalog_failing_sources",
            "Sources with an open download or processing error.",
            registry=registry,
        )
        self.drifting_sources = Gauge(
            "mdc_catalog_drifting_sources",
            "Sources whose schema changed in the last 7 days.",
            registry=registry,
        )
        self.never_checked_sources = Gauge(
            "mdc_catalog_never_checked_sources",
            "Active sources the change-detector has not reported a check of yet.",
            registry=registry,
        )
        self.recent_failures = Gauge(
            "mdc_catalog_recent_failures",
            "Failed downloads and processings recorded in the last 24 hours.",
            registry=registry,
        )
        # One series per active source that needs attention (a few hundred at most), so a
        # table panel shows which ones; healthy sources have no series.
        self.source_problem = Gauge(
            "mdc_catalog_source_problem",
            "1 per active source and problem (failing, stale, drifting); detail: the error's "
            "reason, the cadence, or whether the drift is breaking.",
            ["source", "publisher", "problem", "detail"],
            registry=registry,
        )
        self.source_overdue = Gauge(
            "mdc_catalog_source_overdue_seconds",
            "How long a stale source is past its cadence times the grace factor.",
            ["source", "publisher", "cadence"],
            registry=registry,
        )
        self.health_refreshed = Gauge(
            "mdc_catalog_health_refreshed_timestamp_seconds",
            "When the health gauges were last computed (Unix time).",
            registry=registry,
        )
        self.searches = Counter(
            "mdc_catalog_searches_total",
            "Dataset searches, by engine: index (in memory) or sql (while the index is not "
            "in sync).",
            ["engine"],
            registry=registry,
        )
        self.search_index_datasets = Gauge(
            "mdc_catalog_search_index_datasets",
            "Datasets in this replica's in-memory search index.",
            registry=registry,
        )
        self.search_index_rebuild = Histogram(
            "mdc_catalog_search_index_rebuild_seconds",
            "Time to rebuild the in-memory search index after a change.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=registry,
        )

    def search_index_rebuilt(self, datasets: int, seconds: float) -> None:
        self.search_index_datasets.set(datasets)
        self.search_index_rebuild.observe(seconds)

    def set_health(
        self,
        *,
        by_status: Mapping[str, int],
        stale: int,
        failing: int,
        drifting: int,
        never_checked: int,
        recent_failures: int,
        problems: Iterable[SourceProblem] | None = None,
        at: float | None = None,
    ) -> None:
        """Replace the health gauges; without `problems`, the per-source series are kept.
        No await inside: a scrape never sees half of an update."""
        for status, count in by_status.items():
            self.sources_by_status.labels(str(status)).set(count)
        self.stale_sources.set(stale)
        self.failing_sources.set(failing)
        self.drifting_sources.set(drifting)
        self.never_checked_sources.set(never_checked)
        self.recent_failures.set(recent_failures)
        if problems is not None:
            # Sources that recovered must lose their series, not keep the last value.
            self.source_problem.clear()
            self.source_overdue.clear()
            for p in problems:
                self.source_problem.labels(p.source, p.publisher, p.problem, p.detail).set(1)
                if p.overdue_seconds is not None:
                    self.source_overdue.labels(p.source, p.publisher, p.detail).set(
                        p.overdue_seconds
                    )
        if at is not None:
            self.health_refreshed.set(at)
