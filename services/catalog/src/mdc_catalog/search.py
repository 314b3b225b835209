"""Consumer search over datasets: WHERE clauses, order and facets of GET /datasets.

Every filter and sort key reads the denormalized `dataset_facts` row of each dataset (facts.py):
one narrow table, refreshed with each version and with each edit of a source field it copies.
The page then joins dataset and source for its rows only (queries.py).
Every value a user typed is a bound parameter; the text query is reduced to words first, so
it can never be a tsquery syntax error.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, union_all
from sqlmodel import col, select

from mdc_catalog.facts import TEXT_CONFIG, DatasetFacts
from mdc_catalog.schemas import DatasetFilter, DatasetSort, Facet, FacetCount

# Per facet, the values returned (most frequent first).
FACET_SIZE = 50


def text_query(query: DatasetFilter) -> Any:
    """`to_tsquery` of the words of `q`, each as a prefix, all required."""
    terms = " & ".join(f"{word}:*" for word in query.query_words())
    return func.to_tsquery(TEXT_CONFIG, terms)


def text_match(query: DatasetFilter) -> ColumnElement[bool]:
    return col(DatasetFacts.document).op("@@")(text_query(query))


def _at_least(column: Any, value: int | None) -> list[ColumnElement[bool]]:
    return [] if value is None else [column >= value]


def low_cardinality_at_least(count: int, threshold: int) -> ColumnElement[bool]:
    """At least `count` categorical columns with 2..threshold distinct values: the count-th
    smallest such distinct count is within the threshold (NULL, so false, when there are fewer)."""
    return col(DatasetFacts.categorical_distinct)[count] <= threshold


def profile_conditions(query: DatasetFilter) -> list[ColumnElement[bool]]:
    """Conditions on the latest version's profile facts."""
    facts = DatasetFacts
    conditions = [
        *_at_least(col(facts.binary_columns), query.min_binary),
        *_at_least(col(facts.nominal_columns), query.min_nominal),
        *_at_least(col(facts.ordinal_columns), query.min_ordinal),
        *_at_least(col(facts.datetime_columns), query.min_datetime),
        *_at_least(col(facts.measurement_columns), query.min_measurement),
        *_at_least(col(facts.identifier_columns), query.min_identifier),
        *_at_least(col(facts.geo_columns), query.min_geo),
    ]
    if query.min_low_cardinality is not None:
        # The plain count first: it is indexed, and bounds the threshold-dependent one.
        conditions.append(col(facts.categorical_columns) >= query.min_low_cardinality)
        threshold = query.effective_low_cardinality_max()
        if query.min_low_cardinality > 0:  # "at least 0" holds for every dataset
            conditions.append(low_cardinality_at_least(query.min_low_cardinality, threshold))
    if query.has_type:
        conditions.append(col(facts.stat_types).contains([t.value for t in query.has_type]))
    if query.lacks_type:
        conditions.append(~col(facts.stat_types).overlap([t.value for t in query.lacks_type]))
    if query.column is not None and query.column_type is not None:
        typed = f"{query.column_type.value}:{query.column.lower()}"
        conditions.append(col(facts.typed_columns).contains([typed]))
    elif query.column is not None:
        conditions.append(col(facts.column_names).contains([query.column.lower()]))
    elif query.column_type is not None:
        conditions.append(col(facts.stat_types).contains([query.column_type.value]))
    return conditions


def search_conditions(query: DatasetFilter) -> list[ColumnElement[bool]]:
    """WHERE clauses of a search, all over `dataset_facts`."""
    facts = DatasetFacts
    conditions: list[ColumnElement[bool]] = []
    if query.name is not None:
        conditions.append(col(facts.name) == query.name)
    conditions += _at_least(col(facts.row_count), query.min_rows)
    conditions += _at_least(col(facts.column_count), query.min_columns)
    if query.max_rows is not None:
        conditions.append(col(facts.row_count) <= query.max_rows)
    if query.max_columns is not None:
        conditions.append(col(facts.column_count) <= query.max_columns)
    if query.updated_since is not None:
        conditions.append(col(facts.updated_at) >= query.updated_since)
    if query.q is not None:
        conditions.append(text_match(query))
    if query.publisher is not None:
        conditions.append(col(facts.publisher) == query.publisher)
    if query.license is not None:
        conditions.append(col(facts.license) == query.license)
    if query.tag:
        conditions.append(col(facts.tags).contains(list(query.tag)))
    return conditions + profile_conditions(query)


def search_order(query: DatasetFilter) -> list[Any]:
    """ORDER BY of a search; the id last, so pages never overlap or skip."""
    facts = DatasetFacts
    sort = query.effective_sort()
    key = col(facts.dataset_id)
    by_name = [col(facts.name), key]
    keys: dict[DatasetSort, list[Any]] = {
        DatasetSort.NAME: by_name,
        DatasetSort.NAME_DESC: [col(facts.name).desc(), key],
        DatasetSort.ROWS: [col(facts.row_count), key],
        DatasetSort.ROWS_DESC: [col(facts.row_count).desc(), key],
        DatasetSort.COLUMNS: [col(facts.column_count), key],
        DatasetSort.COLUMNS_DESC: [col(facts.column_count).desc(), key],
        DatasetSort.UPDATED: [col(facts.updated_at), key],
        DatasetSort.UPDATED_DESC: [col(facts.updated_at).desc(), key],
    }
    if sort is DatasetSort.RELEVANCE:
        rank = func.ts_rank(col(facts.document), text_query(query))
        return [rank.desc(), *by_name]
    return keys[sort]


def facet_statement(query: DatasetFilter) -> Select[Any]:
    """(facet, value, count) of every requested facet over the whole result (no paging)."""
    facts = DatasetFacts
    matched = (
        select(  # type: ignore[call-overload]
            col(facts.dataset_id).label("id"),
            col(facts.publisher),
            col(facts.license),
            col(facts.tags),
            col(facts.stat_types),
        )
        .where(*search_conditions(query))
        .cte("matched")
    )
    tags = func.unnest(matched.c.tags).table_valued("value").render_derived()
    types = func.unnest(matched.c.stat_types).table_valued("value").render_derived()
    sources: dict[Facet, tuple[Any, Any]] = {
        Facet.PUBLISHER: (matched.c.publisher, matched),
        Facet.LICENSE: (matched.c.license, matched),
        Facet.TAG: (tags.c.value, matched.join(tags, literal(True))),
        Facet.STAT_TYPE: (types.c.value, matched.join(types, literal(True))),
    }
    parts = []
    for facet in query.facets or []:
        value, from_clause = sources[facet]
        parts.append(
            select(  # type: ignore[call-overload]
                literal(facet.value).label("facet"),
                value.label("value"),
                # Datasets, not occurrences: a source may list the same tag twice.
                func.count(matched.c.id.distinct()).label("count"),
            )
            .select_from(from_clause)
            .where(value.is_not(None))
            .group_by(value)
        )
    return union_all(*parts)  # type: ignore[return-value]


def facets_from_rows(query: DatasetFilter, rows: Any) -> dict[Facet, list[FacetCount]]:
    found: dict[Facet, list[FacetCount]] = {facet: [] for facet in query.facets or []}
    for facet, value, count in rows:
        found[Facet(facet)].append(FacetCount(value=value, count=count))
    return {
        facet: sorted(counts, key=lambda c: (-c.count, c.value))[:FACET_SIZE]
        for facet, counts in found.items()
    }
