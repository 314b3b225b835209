"""The technician statements, compiled for PostgreSQL: filters bound, rules as in cadence.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mdc_catalog import health_queries as q
from mdc_catalog.cadence import CADENCE_PERIODS, stale_cutoffs
from mdc_catalog.health_view import (
    FailureFilter,
    HealthSort,
    SchemaChangeFilter,
    SortOrder,
    SourceHealthFilter,
)
from sqlalchemy.dialects import postgresql

DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
HOSTILE = "x'; DROP TABLE catalog.source; --"


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
    assert "lower(catalog.source.publisher) =" in sql
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


def test_failures_are_newest_first_and_since_is_bound() -> None:
    since = NOW - timedelta(days=1)
    sql, params = _compiled(q.failure_search(FailureFilter(since=since)))
    assert "greatest(" in sql
    assert "->>" in sql
    assert "DESC NULLS LAST" in sql
    assert since in params


def test_schema_changes_filters() -> None:
    dataset_id = uuid.uuid4()
    query = SchemaChangeFilter(breaking=True, since=NOW, dataset_id=dataset_id, dataset=HOSTILE)
    sql, params = _compiled(q.schema_change_search(query))
    assert "DROP TABLE" not in sql
    assert {NOW, dataset_id, HOSTILE} <= set(params)
    assert "LEFT OUTER JOIN catalog.dataset" in sql
    assert "ORDER BY catalog.schema_change.occurred_at DESC" in sql
    count_sql, _ = _compiled(q.schema_change_count(query))
    assert count_sql.startswith("SELECT count(*)")
    assert "LIMIT" not in count_sql


def test_summary_counts_live_sources_with_the_same_rules() -> None:
    sql, params = _compiled(q.summary_statement(NOW, 1.5))
    for label in ("sources", "active", "failing", "stale", "drifting", "datasets"):
        assert f"AS {label}" in sql
    assert "AS recent_versions" in sql
    assert "WHERE catalog.source.deleted_at IS NULL" in sql
    assert NOW - timedelta(days=7) in params  # drifting window
    assert NOW - timedelta(hours=24) in params  # recent versions window
    assert set(stale_cutoffs(NOW, 1.5).values()) <= set(params)
