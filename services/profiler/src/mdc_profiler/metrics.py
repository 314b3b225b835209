"""The profiler's own Prometheus metrics, on the service registry."""

from __future__ import annotations

from mdc_common.metrics import ServiceMetrics
from prometheus_client import Counter, Histogram


class ProfilerMetrics:
    def __init__(self, base: ServiceMetrics) -> None:
        self.base = base
        self.files_processed = Counter(
            "mdc_profiler_files_processed_total",
            "Raw files processed, by outcome (ok, failed, replayed).",
            ["outcome"],
            registry=base.registry,
        )
        self.rows_processed = Counter(
            "mdc_profiler_rows_processed_total",
            "Rows written to Parquet.",
            registry=base.registry,
        )
        self.processing_duration = Histogram(
            "mdc_profiler_processing_seconds",
            "Time to turn one raw file into a dataset version (or a failure).",
            ["outcome"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
            registry=base.registry,
        )
