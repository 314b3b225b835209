"""The search statements, compiled for PostgreSQL: every filter value is a bound parameter."""

from __future__ import annotations

import uuid
from typing import Any

from mdc_catalog.models import Source
from mdc_catalog.queries import dataset_by_id, dataset_count, dataset_search, detail_from_row
from mdc_catalog.schemas import DatasetFilter
from sqlalchemy.dialects import postgresql

DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def _compiled(statement: Any) -> tuple[str, dict[str, Any]]:
    compiled = statement.compile(dialect=DIALECT)
    return str(compiled), dict(compiled.params)


def test_no_filter_pages_in_a_stable_order() -> None:
    sql, params = _compiled(dataset_search(DatasetFilter()))
    assert "WHERE" not in sql
    assert "ORDER BY catalog.dataset_facts.name, catalog.dataset_facts.dataset_id" in sql
    assert "LEFT OUTER JOIN catalog.source" in sql
    # The page is chosen on the facts alone, then joined to dataset and source.
    assert "FROM catalog.dataset_facts" in sql
    assert "JOIN (SELECT catalog.dataset_facts.dataset_id" in sql
    assert sorted(params.values()) == [0, 50]  # limit and offset, bound


def test_filters_are_bound_parameters() -> None:
    hostile = "x'; DROP TABLE catalog.source; --"
    query = DatasetFilter(q=hostile, name=hostile, min_rows=10, max_rows=20, limit=5, offset=15)
    sql, params = _compiled(dataset_search(query))
    assert "DROP" not in sql
    assert hostile in params.values()
    # q reaches to_tsquery as words only (each a prefix), so it can never be tsquery syntax.
    assert "x:* & drop:* & table:* & catalog:* & source:*" in params.values()
    assert {10, 20, 5, 15} <= {v for v in params.values() if not isinstance(v, list)}
    assert "catalog.dataset_facts.row_count >= %(min_rows)s" in sql
    assert "catalog.dataset_facts.row_count <= %(max_rows)s" in sql
    assert "catalog.dataset_facts.name = %(name)s" in sql


def test_q_is_a_full_text_match_on_the_indexed_document_ranked_by_default() -> None:
    sql, params = _compiled(dataset_search(DatasetFilter(q="Bill length")))
    assert "catalog.dataset_facts.document @@ to_tsquery('simple'::regconfig, %(" in sql
    assert "catalog.search_relevance(catalog.dataset_facts.document, %(q_words)s" in sql
    assert "DESC, catalog.dataset_facts.name, catalog.dataset_facts.dataset_id \n LIMIT" in sql
    assert "bill:* & length:*" in params.values()
    assert ["bill", "length"] in params.values()
    assert " ILIKE " not in sql


def test_punctuation_in_q_only_separates_words() -> None:
    _, params = _compiled(dataset_search(DatasetFilter(q="100%_sure")))
    assert "100:* & sure:*" in params.values()


def test_count_uses_the_same_conditions_without_paging() -> None:
    sql, params = _compiled(dataset_count(DatasetFilter(name="penguins", min_rows=3)))
    assert sql.startswith("SELECT count(*)")
    assert "LIMIT" not in sql
    assert set(params.values()) == {"penguins", 3}


def test_detail_row_mapping() -> None:
    dataset_id = uuid.uuid4()
    sql, params = _compiled(dataset_by_id(dataset_id))
    assert "WHERE catalog.dataset.id = " in sql
    assert params == {"id_1": dataset_id}

    class Row:
        _mapping: dict[str, Any] = {
            "id": dataset_id, "name": "penguins", "title": "t", "description": None,
            "source_id": dataset_id, "row_count": 3, "column_count": 0, "version": 1,
            "updated_at": "2026-01-01T00:00:00Z", "parquet_uri": "s3://b/k",
            "raw_sha256": "ab" * 32, "encoding": "utf-8", "delimiter": ";",
            "created_at": "2026-01-01T00:00:00Z",
        }  # fmt: skip

    detail = detail_from_row(Row(), [])
    assert (detail.version, detail.delimiter, detail.columns) == (1, ";", [])
    assert Source.__table__.schema == "catalog"  # type: ignore[attr-defined]


def test_one_statement_per_shape_whatever_the_values() -> None:
    from mdc_catalog.queries import page_search

    first, first_values = page_search(DatasetFilter(min_rows=10, q="rain", has_type=["date"]))
    second, second_values = page_search(DatasetFilter(min_rows=99, q="snow", has_type=["time"]))
    assert first is second  # built once, cached
    assert (first_values["min_rows"], second_values["min_rows"]) == (10, 99)
    assert (first_values["has_type"], second_values["has_type"]) == (128, 256)  # date, time
    other, _ = page_search(DatasetFilter(min_rows=10, q="rain"))  # another shape
    assert other is not first
    by_rows, _ = page_search(DatasetFilter(min_rows=10, q="rain", sort="-rows"))  # another order
    assert by_rows is not other
