"""The technician statements, compiled for PostgreSQL: filters bound, rules as in cadence.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mdc_catalog import health_queries as q
from mdc_catalog.cadence import CADENCE_PERIODS, Cadence, stale_cutoffs
from mdc_catalog.health_view import (
    FailureFilter,
    FailureKind,
    HealthSort,
    SchemaChangeFilter,
    SortOrder,
    SourceHealthFilter,
    SourceStatus,
)
from sqlalchemy.dialects import postgresql

DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
HOSTILE = "x'; DROP TABLE catalog.source; --"
SHORT_HOSTILE = "'; DROP TABLE s; --"


def _compiled(statement: Any) -> tuple[str, list[Any]]:
    compiled = statement.compile(dialect=DIALECT)
    return str(compiled), list(compiled.params.values())


def test_unfiltered_view_excludes_deleted_sources_and_pages_in_a_stable_order() -> None:
    sql, params = _compiled(q.source_health_search(SourceHealthFilter(), NOW, 1.5))
    assert "catalog.source.deleted_at IS NULL" in sql
    assert (
        "ORDER BY catalog.source.name ASC NULLS LAST, catalog.source.name, catalog.source.id" in sql
    )
    assert "max(catalog.schema_change.occurred_at)" in sql  # last schema change per source
    assert params == [50, 0]


def test_text_filters_are_bound_and_like_wildcards_escaped() -> None:
    query = SourceHealthFilter(publisher=HOSTILE, tag=HOSTILE, name="100%_" + HOSTILE)
    sql, params = _compiled(q.source_health_search(query, NOW, 1.5))
    assert "DROP TABLE" not in sql
    assert HOSTILE.lower() in params  # publisher, compared lower-cased
    assert [HOSTILE] in params  # tag, as a JSONB array for @>
    assert "100/%/_" + HOSTILE in params
    assert "lower(CAST(catalog.source.publisher AS TEXT) COLLATE pg_c_utf8) =" in sql
    assert "catalog.source.tags @>" in sql
    assert "ILIKE" in sql
    assert "ESCAPE '/'" in sql


@pytest.mark.parametrize("grace", [1.0, 1.5, 3.0])
def test_stale_binds_one_cutoff_per_known_cadence(grace: float) -> None:
    sql, params = _compiled(q.source_health_search(SourceHealthFilter(stale=True), NOW, grace))
    cutoffs = stale_cutoffs(NOW, grace)
    assert set(cutoffs) == set(CADENCE_PERIODS)
    for cadence, cutoff in cutoffs.items():
        assert cadence.value in params
        assert cutoff in params
    assert "unknown" not in params  # unknown cadence: no branch, never stale
    assert "catalog.source.active AND" in sql  # paused sources are never stale
    assert "coalesce(catalog.source.last_changed_at, catalog.source.created_at) <" in sql


def test_false_flags_negate_the_conditions() -> None:
    query = SourceHealthFilter(stale=False, failing=False, drifting=False)
    sql, _ = _compiled(q.source_health_search(query, NOW, 1.5))
    assert sql.count("NOT (") == 3


def test_failing_counts_only_error_objects_and_drift_uses_the_window() -> None:
    query = SourceHealthFilter(failing=True, drifting=True, drift_days=3)
    sql, params = _compiled(q.source_health_search(query, NOW, 1.5))
    assert "jsonb_typeof(catalog.source.check_error)" in sql
    assert "jsonb_typeof(catalog.source.processing_error)" in sql
    assert "object" in params
    assert "EXISTS (SELECT" in sql
    assert NOW - timedelta(days=3) in params


def test_due_at_sort_binds_each_allowed_age() -> None:
    query = SourceHealthFilter(sort=HealthSort.DUE_AT, order=SortOrder.DESC)
    sql, params = _compiled(q.source_health_search(query, NOW, 2.0))
    assert "CASE WHEN" in sql
    assert "DESC NULLS LAST" in sql
    for period in CADENCE_PERIODS.values():
        assert period * 2.0 in params


def test_count_has_the_same_filters_without_paging() -> None:
    query = SourceHealthFilter(stale=True, name="bill", limit=5, offset=10)
    sql, params = _compiled(q.source_health_count(query, NOW, 1.5))
    assert sql.startswith("SELECT count(*)")
    assert "LIMIT" not in sql
    assert "ORDER BY" not in sql
    assert "bill" in params
    assert 5 not in params


@pytest.mark.parametrize(
    ("status", "fragments"),
    [
        (SourceStatus.PAUSED, ["NOT catalog.source.active"]),
        (SourceStatus.FAILING, ["catalog.source.active AND (coalesce(jsonb_typeof("]),
        (SourceStatus.STALE, ["NOT (coalesce(jsonb_typeof(", "catalog.source.active AND"]),
        (SourceStatus.OK, ["NOT (coalesce(jsonb_typeof(", "AND NOT (catalog.source.active AND"]),
    ],
)
def test_each_status_is_one_condition(status: SourceStatus, fragments: list[str]) -> None:
    sql, params = _compiled(q.source_health_search(SourceHealthFilter(status=[status]), NOW, 1.5))
    for fragment in fragments:
        assert fragment in sql
    if status in (SourceStatus.STALE, SourceStatus.OK):
        assert set(stale_cutoffs(NOW, 1.5).values()) <= set(params)
    else:
        assert not set(stale_cutoffs(NOW, 1.5).values()) & set(params)


def test_several_statuses_are_alternatives_in_a_stable_order() -> None:
    one = SourceHealthFilter(status=[SourceStatus.STALE, SourceStatus.PAUSED])
    other = SourceHealthFilter(status=[SourceStatus.PAUSED, SourceStatus.STALE, SourceStatus.STALE])
    sql, _ = _compiled(q.source_health_search(one, NOW, 1.5))
    assert " OR " in sql
    assert sql == _compiled(q.source_health_search(other, NOW, 1.5))[0]


def test_checked_and_cadence_filters() -> None:
    query = SourceHealthFilter(checked=False, cadence=Cadence.YEARLY)
    sql, params = _compiled(q.source_health_search(query, NOW, 1.5))
    assert "catalog.source.last_checked_at IS NULL" in sql
    assert "yearly" in params
    sql, _ = _compiled(q.source_health_search(SourceHealthFilter(checked=True), NOW, 1.5))
    assert "catalog.source.last_checked_at IS NOT NULL" in sql


def test_failure_history_joins_live_sources_and_binds_every_filter() -> None:
    source_id = uuid.uuid4()
    query = FailureFilter(
        since=NOW - timedelta(days=1),
        until=NOW,
        kind=FailureKind.DOWNLOAD,
        reason=SHORT_HOSTILE,
        stage="parse",
        source_id=source_id,
        source="100%",
        publisher=HOSTILE,
    )
    sql, params = _compiled(q.failure_search(query))
    assert "DROP TABLE" not in sql
    assert "JOIN catalog.source ON catalog.source.id = catalog.source_failure.source_id" in sql
    assert "catalog.source.deleted_at IS NULL" in sql
    assert {NOW - timedelta(days=1), NOW, "download", SHORT_HOSTILE, "parse", source_id} <= set(
        params
    )
    assert HOSTILE.lower() in params
    assert "100/%" in params
    # Newest first; the event id breaks ties, so pages never overlap.
    assert (
        "ORDER BY catalog.source_failure.occurred_at DESC, catalog.source_failure.event_id" in sql
    )
    count_sql, count_params = _compiled(q.failure_count(query))
    assert count_sql.startswith("SELECT count(*)")
    assert "LIMIT" not in count_sql
    assert source_id in count_params


def test_pruning_deletes_only_older_failures() -> None:
    sql, params = _compiled(q.prune_failures(NOW))
    assert sql.startswith("DELETE FROM catalog.source_failure")
    assert "occurred_at <" in sql
    assert params == [NOW]


def test_schema_changes_filters() -> None:
    dataset_id, source_id = uuid.uuid4(), uuid.uuid4()
    query = SchemaChangeFilter(
        breaking=True,
        since=NOW,
        until=NOW + timedelta(days=1),
        dataset_id=dataset_id,
        dataset=HOSTILE,
        source_id=source_id,
        source="roads",
        publisher="Region",
    )
    sql, params = _compiled(q.schema_change_search(query))
    assert "DROP TABLE" not in sql
    assert {NOW, NOW + timedelta(days=1), dataset_id, HOSTILE, source_id, "region"} <= set(params)
    assert "%roads%" not in params  # icontains binds the bare text
    assert "LEFT OUTER JOIN catalog.dataset" in sql
    assert "LEFT OUTER JOIN catalog.source" in sql
    assert "ORDER BY catalog.schema_change.occurred_at DESC" in sql
    assert "catalog.schema_change.event_id" in sql.split("ORDER BY")[1]
    count_sql, _ = _compiled(q.schema_change_count(query))
    assert count_sql.startswith("SELECT count(*)")
    assert "LEFT OUTER JOIN catalog.source" in count_sql
    assert "LIMIT" not in count_sql


def test_attention_lists_active_sources_failing_stale_or_drifting() -> None:
    sql, params = _compiled(q.attention_search(NOW, 1.5))
    assert "catalog.source.deleted_at IS NULL AND catalog.source.active" in sql
    assert "jsonb_typeof" in sql
    assert "AS breaking_drift" in sql
    assert NOW - timedelta(days=7) in params
    assert set(stale_cutoffs(NOW, 1.5).values()) <= set(params)
    assert "LIMIT" not in sql


def test_summary_counts_live_sources_with_the_same_rules() -> None:
    sql, params = _compiled(q.summary_statement(NOW, 1.5))
    for label in ("sources", "active", "failing", "stale", "drifting", "datasets"):
        assert f"AS {label}" in sql
    for label in ("never_checked", "recent_failures", "recent_versions"):
        assert f"AS {label}" in sql
    for status in SourceStatus:
        assert f"AS status_{status.value}" in sql
    assert "WHERE catalog.source.deleted_at IS NULL" in sql
    assert NOW - timedelta(days=7) in params  # drifting window
    assert NOW - timedelta(hours=24) in params  # recent versions and failures window
    assert set(stale_cutoffs(NOW, 1.5).values()) <= set(params)
