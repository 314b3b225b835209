"""The change-detector's own Prometheus metrics, on the service registry."""

from __future__ import annotations

from mdc_common.metrics import ServiceMetrics
from prometheus_client import Counter, Gauge, Histogram


class DetectorMetrics:
    def __init__(self, base: ServiceMetrics) -> None:
        self.base = base
        self.checks = Counter(
            "mdc_change_detector_checks_total",
            "Source checks, by outcome and failure reason (empty unless failed).",
            ["outcome", "reason"],
            registry=base.registry,
        )
        self.check_duration = Histogram(
            "mdc_change_detector_check_seconds",
            "Duration of one source check, download and upload included.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
            registry=base.registry,
        )
        self.bytes_downloaded = Counter(
            "mdc_change_detector_downloaded_bytes_total",
            "Bytes downloaded from sources (complete bodies).",
            registry=base.registry,
        )
        self.sources_watched = Gauge(
            "mdc_change_detector_sources_watched",
            "Active sources being watched.",
            registry=base.registry,
        )
        self.outbox_pending = Gauge(
            "mdc_change_detector_outbox_pending",
            "Outbox messages waiting to be published after the last relay pass.",
            registry=base.registry,
        )
