"""Build the Grafana dashboards as code (grafana-foundation-sdk) into deploy/grafana/dashboards/.

Run `make dashboards` after changing a panel; a test fails when the JSON and this file drift,
and the integration suite runs every panel's query against a live Prometheus.
"""

from __future__ import annotations

from pathlib import Path

from grafana_foundation_sdk.builders.dashboard import Dashboard, Row
from grafana_foundation_sdk.builders.prometheus import Dataquery as PrometheusQuery
from grafana_foundation_sdk.builders.table import Panel as Table
from grafana_foundation_sdk.builders.timeseries import Panel as Timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef, DataTransformerConfig
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

OUT_DIR = Path(__file__).resolve().parent / "dashboards"
PROMETHEUS = DataSourceRef(type_val="prometheus", uid="prometheus")

# The catalog's health gauges are recomputed every 30 s by each replica: max(), never sum().
HEALTH_ROW = "Source health (which sources are stale, failing or drifting)"
# (title, PromQL) of instant tables, one row per series: the sources needing attention now.
HEALTH_TABLES: list[tuple[str, str]] = [
    (
        "Sources needing attention (problem: failing, stale, drifting)",
        "max by (source, publisher, problem, detail) (mdc_catalog_source_problem)",
    ),
]

# (row, title, unit, PromQL, legend)
PANELS: list[tuple[str, str, str, str, str]] = [
    (
        HEALTH_ROW,
        "Sources by status",
        "short",
        "max by (status) (mdc_catalog_sources)",
        "{{status}}",
    ),
    (
        HEALTH_ROW,
        "How late each stale source is",
        "s",
        "max by (source) (mdc_catalog_source_overdue_seconds)",
        "{{source}}",
    ),
    (
        HEALTH_ROW,
        "Failed downloads and processings, last 24 h",
        "short",
        "max(mdc_catalog_recent_failures)",
        "failures",
    ),
    (
        HEALTH_ROW,
        "Sources whose schema changed, last 7 days",
        "short",
        "max(mdc_catalog_drifting_sources)",
        "drifting",
    ),
    (
        "Sources",
        "Source checks by outcome",
        "ops",
        "sum by (outcome) (rate(mdc_change_detector_checks_total[$__rate_interval]))",
        "{{outcome}}",
    ),
    (
        "Sources",
        "Failed checks by reason",
        "ops",
        "sum by (reason) "
        '(rate(mdc_change_detector_checks_total{outcome="failed"}[$__rate_interval]))',
        "{{reason}}",
    ),
    ("Sources", "Sources watched", "short", "sum(mdc_change_detector_sources_watched)", "sources"),
    (
        "Sources",
        "Events waiting in the change-detector outbox",
        "short",
        "sum(mdc_change_detector_outbox_pending)",
        "pending",
    ),
    (
        "Processing",
        "Files profiled by outcome",
        "ops",
        "sum by (outcome) (rate(mdc_profiler_files_processed_total[$__rate_interval]))",
        "{{outcome}}",
    ),
    (
        "Processing",
        "Profiling time p95",
        "s",
        "histogram_quantile(0.95, sum by (le) (rate(mdc_profiler_processing_seconds_bucket"
        "[$__rate_interval])))",
        "p95",
    ),
    (
        "Processing",
        "Dataset versions stored by the catalog",
        "ops",
        "sum by (outcome) (rate(mdc_catalog_dataset_versions_total[$__rate_interval]))",
        "{{outcome}}",
    ),
    (
        "Orchestration",
        "Airflow runs requested",
        "ops",
        "sum(rate(mdc_orchestrator_bridge_runs_requested_total[$__rate_interval]))",
        "requested",
    ),
    (
        "Orchestration",
        "Airflow errors by kind",
        "ops",
        "sum by (kind) (rate(mdc_orchestrator_bridge_airflow_errors_total[$__rate_interval]))",
        "{{kind}}",
    ),
    (
        "Platform",
        "Events handled by service, topic and outcome",
        "ops",
        "sum by (service, topic, outcome) (rate(mdc_events_handled_total[$__rate_interval]))",
        "{{service}} {{topic}} {{outcome}}",
    ),
    (
        "Platform",
        "Event handling time p95 by topic",
        "s",
        "histogram_quantile(0.95, sum by (le, topic) (rate(mdc_event_handling_seconds_bucket"
        "[$__rate_interval])))",
        "{{topic}}",
    ),
    (
        "Platform",
        "Dead letters published",
        "ops",
        'sum by (service) (rate(mdc_events_published_total{topic="mdc.dead-letters.v1"}'
        "[$__rate_interval]))",
        "{{service}}",
    ),
    ("Platform", "Services up", "short", 'up{service!=""}', "{{service}}"),
]


def overview() -> Dashboard:
    board = (
        Dashboard("MDC overview")
        .uid("mdc-overview")
        .tags(["mdc", "generated"])
        .refresh("30s")
        .time("now-6h", "now")
    )
    current_row = None
    for row, title, unit, expr, legend in PANELS:
        if row != current_row:
            board = board.with_row(Row(row))
            current_row = row
            if row == HEALTH_ROW:
                for table_title, table_expr in HEALTH_TABLES:
                    board = board.with_panel(attention_table(table_title, table_expr))
        board = board.with_panel(
            Timeseries()
            .title(title)
            .unit(unit)
            .datasource(PROMETHEUS)
            .span(12)
            .height(8)
            .with_target(PrometheusQuery().expr(expr).legend_format(legend))
        )
    return board


def attention_table(title: str, expr: str) -> Table:
    """One line per series of an instant query, without the time and value columns."""
    return (
        Table()
        .title(title)
        .datasource(PROMETHEUS)
        .span(24)
        .height(10)
        .with_target(PrometheusQuery().expr(expr).instant().format(PromQueryFormat.TABLE))
        .with_transformation(
            DataTransformerConfig(
                id_val="organize", options={"excludeByName": {"Time": True, "Value": True}}
            )
        )
    )


DASHBOARDS = {"mdc-overview.json": overview}


def render(name: str) -> str:
    return JSONEncoder(sort_keys=True, indent=2).encode(DASHBOARDS[name]().build()) + "\n"


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name in DASHBOARDS:
        (OUT_DIR / name).write_text(render(name))
        print(f"wrote {OUT_DIR / name}")


if __name__ == "__main__":
    main()
