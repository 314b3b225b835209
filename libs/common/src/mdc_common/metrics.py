"""Prometheus metrics: one registry per service app, so tests can build several apps."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest


class ServiceMetrics:
    """The metrics every service has; services register their own on `registry` too."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.events_handled = Counter(
            "mdc_events_handled_total",
            "Events handled, by topic and outcome (ok, rejected, failed).",
            ["topic", "outcome"],
            registry=self.registry,
        )
        self.event_duration = Histogram(
            "mdc_event_handling_seconds",
            "Time spent handling one event.",
            ["topic"],
            registry=self.registry,
        )
        self.events_published = Counter(
            "mdc_events_published_total",
            "Events published, by topic.",
            ["topic"],
            registry=self.registry,
        )

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
