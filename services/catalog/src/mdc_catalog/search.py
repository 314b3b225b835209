"""Consumer search over datasets in SQL: WHERE clauses, order and facets of GET /datasets.

GET /datasets is answered from memory (search_index.py) whenever the index is in sync; this SQL
search is its fallback, and the definition it must agree with (the index reads the same bound
values from `search_values`; tests and the bench compare both).

Every filter and sort key reads the denormalized `dataset_facts` row of each dataset (facts.py):
one narrow table, refreshed with each version and with each edit of a source field it copies.
The page then joins dataset and source for its rows only (queries.py).

A search is its *values* (`search_values`: bound parameters by name, so nothing a user typed
ever reaches the SQL text) and its *shape* (which names are set, the sort, the facets). The
statements are built once per shape and cached: building and hashing SQLAlchemy statements was
most of a search's Python time. The text query is reduced to words first, so it can never be a
tsquery syntax error.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    Text,
    bindparam,
    func,
    literal,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import operators
from sqlmodel import col, select

from mdc_catalog.config import SCHEMA
from mdc_catalog.facts import TEXT_CONFIG, DatasetFacts, stat_type_mask
from mdc_catalog.schemas import DatasetFilter, DatasetSort, Facet, FacetCount

# Per facet, the values returned (most frequent first).
FACET_SIZE = 50
# Distinct shapes kept; a shape is a set of filter names, so real traffic uses few of them.
TEMPLATES = 512

Shape = frozenset[str]
_TEXT_ARRAY = ARRAY(Text)
_facts = DatasetFacts

# Filters that are one comparison of a facts column with the value of the same name.
AT_LEAST: dict[str, Any] = {
    "min_rows": col(_facts.row_count),
    "min_columns": col(_facts.column_count),
    "min_binary": col(_facts.binary_columns),
    "min_nominal": col(_facts.nominal_columns),
    "min_ordinal": col(_facts.ordinal_columns),
    "min_datetime": col(_facts.datetime_columns),
    "min_measurement": col(_facts.measurement_columns),
    "min_identifier": col(_facts.identifier_columns),
    "min_geo": col(_facts.geo_columns),
    "updated_since": col(_facts.updated_at),
}
AT_MOST: dict[str, Any] = {
    "max_rows": col(_facts.row_count),
    "max_columns": col(_facts.column_count),
}
_EQUALS: dict[str, Any] = {
    "name": col(_facts.name),
    "publisher": col(_facts.publisher),
    "license": col(_facts.license),
}


def _array(name: str) -> Any:
    return bindparam(name, type_=_TEXT_ARRAY)


def _mask() -> Any:
    return col(_facts.stat_type_mask)


def _has_all_types(name: str) -> ColumnElement[bool]:
    wanted = bindparam(name, type_=BigInteger)
    return _mask().op("&")(wanted) == wanted


def _text_query() -> Any:
    """`to_tsquery` of the words of `q`, each as a prefix, all required (see search_values)."""
    return func.to_tsquery(TEXT_CONFIG, bindparam("q", type_=Text))


def low_cardinality_at_least() -> list[ColumnElement[bool]]:
    """At least `low_k` categorical columns with 2..`low_max` distinct values: the k-th smallest
    such distinct count is within the threshold (NULL, so false, when there are fewer). The
    plain count comes first: it is indexed, and bounds the threshold-dependent test."""
    k = bindparam("low_k", type_=Integer)
    return [
        col(_facts.categorical_columns) >= k,
        col(_facts.categorical_distinct)[k] <= bindparam("low_max", type_=BigInteger),
    ]


# Filters with a condition of their own, by value name.
_OTHER: dict[str, Callable[[], list[ColumnElement[bool]]]] = {
    "q": lambda: [col(_facts.document).op("@@")(_text_query())],
    "tag": lambda: [col(_facts.tags).contains(_array("tag"))],
    "low_k": low_cardinality_at_least,
    "has_type": lambda: [_has_all_types("has_type")],
    "lacks_type": lambda: [_mask().op("&")(bindparam("lacks_type", type_=BigInteger)) == 0],
    "typed_column": lambda: [col(_facts.typed_columns).contains(_array("typed_column"))],
    "column_name": lambda: [col(_facts.column_names).contains(_array("column_name"))],
    "column_type": lambda: [_has_all_types("column_type")],
}


def search_values(query: DatasetFilter) -> dict[str, Any]:
    """The bound values of the filters of `query`, by parameter name (not paging)."""
    values: dict[str, Any] = {
        name: getattr(query, name)
        for name in (*AT_LEAST, *AT_MOST, *_EQUALS)
        if getattr(query, name) is not None
    }
    if query.q is not None:
        values["q"] = " & ".join(f"{word}:*" for word in query.query_words())
        if query.effective_sort() is DatasetSort.RELEVANCE:
            values["q_words"] = list(dict.fromkeys(query.query_words()))
    if query.tag:
        values["tag"] = list(query.tag)
    if query.min_low_cardinality:  # "at least 0" holds for every dataset
        values["low_k"] = query.min_low_cardinality
        values["low_max"] = query.effective_low_cardinality_max()
    if query.has_type:
        values["has_type"] = stat_type_mask([t.value for t in query.has_type])
    if query.lacks_type:
        values["lacks_type"] = stat_type_mask([t.value for t in query.lacks_type])
    if query.column is not None and query.column_type is not None:
        values["typed_column"] = [f"{query.column_type.value}:{query.column.lower()}"]
    elif query.column is not None:
        values["column_name"] = [query.column.lower()]
    elif query.column_type is not None:
        values["column_type"] = stat_type_mask([query.column_type.value])
    return values


def search_shape(values: dict[str, Any]) -> Shape:
    return frozenset(values)


def search_conditions(shape: Shape) -> list[ColumnElement[bool]]:
    """WHERE clauses of a search of this shape, all over `dataset_facts`, in a fixed order."""
    conditions: list[ColumnElement[bool]] = []
    for name, column in _EQUALS.items():
        if name in shape:
            conditions.append(column == bindparam(name))
    for name, column in AT_LEAST.items():
        if name in shape:
            conditions.append(column >= bindparam(name))
    for name, column in AT_MOST.items():
        if name in shape:
            conditions.append(column <= bindparam(name))
    for name, build in _OTHER.items():
        if name in shape:
            conditions.extend(build())
    return conditions


def search_order(sort: DatasetSort) -> list[Any]:
    """ORDER BY of a search; the id last, so pages never overlap or skip."""
    key = col(_facts.dataset_id)
    by_name = [col(_facts.name), key]
    keys: dict[DatasetSort, list[Any]] = {
        DatasetSort.NAME: by_name,
        DatasetSort.NAME_DESC: [col(_facts.name).desc(), key],
        DatasetSort.ROWS: [col(_facts.row_count), key],
        DatasetSort.ROWS_DESC: [col(_facts.row_count).desc(), key],
        DatasetSort.COLUMNS: [col(_facts.column_count), key],
        DatasetSort.COLUMNS_DESC: [col(_facts.column_count).desc(), key],
        DatasetSort.UPDATED: [col(_facts.updated_at), key],
        DatasetSort.UPDATED_DESC: [col(_facts.updated_at).desc(), key],
    }
    if sort is DatasetSort.RELEVANCE:
        words = bindparam("q_words", type_=_TEXT_ARRAY)
        rank = getattr(func, SCHEMA).search_relevance(col(_facts.document), words)
        return [rank.desc(), *by_name]
    return keys[sort]


@lru_cache(maxsize=TEMPLATES)
def page_of_ids(shape: Shape, sort: DatasetSort) -> tuple[Any, list[Any]]:
    """The page's dataset ids, their sort keys and the whole result's total (`limit`, `offset`
    bound), as a subquery for the page statement to join; and the ORDER BY over its columns.
    (Sort keys, not a row number: PostgreSQL then keeps only the top rows while sorting.)"""
    order = search_order(sort)
    keys = [_key(term).label(f"sort_{n}") for n, term in enumerate(order)]
    page = (
        select(  # type: ignore[call-overload]
            col(_facts.dataset_id).label("dataset_id"),
            *keys,
            func.count().over().label("total"),
        )
        .where(*search_conditions(shape))
        .order_by(*order)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )
    outer = [
        page.c[f"sort_{n}"].desc() if _descending(term) else page.c[f"sort_{n}"]
        for n, term in enumerate(order)
    ]
    return page, outer


def _descending(term: Any) -> bool:
    return getattr(term, "modifier", None) is operators.desc_op


def _key(term: Any) -> Any:
    """The expression of an ORDER BY term, without its direction."""
    return term.element if _descending(term) else term


@lru_cache(maxsize=TEMPLATES)
def count_statement(shape: Shape) -> Select[Any]:
    statement = select(func.count()).select_from(_facts)
    return statement.where(*search_conditions(shape))  # type: ignore[no-any-return]


@lru_cache(maxsize=TEMPLATES)
def facet_template(shape: Shape, facets: tuple[Facet, ...]) -> Select[Any]:
    """(facet, value, count) of every requested facet over the whole result (no paging)."""
    matched = (
        select(  # type: ignore[call-overload]
            col(_facts.dataset_id).label("id"),
            col(_facts.publisher),
            col(_facts.license),
            col(_facts.tags),
            col(_facts.stat_types),
        )
        .where(*search_conditions(shape))
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
    for facet in facets:
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


def facet_search(query: DatasetFilter) -> tuple[Select[Any], dict[str, Any]]:
    """The facet statement of `query`'s shape (cached) and the values to execute it with."""
    values = search_values(query)
    return facet_template(search_shape(values), tuple(query.facets or ())), values


def facet_statement(query: DatasetFilter) -> Select[Any]:
    """The facet statement with its values bound (to compile and inspect)."""
    template, values = facet_search(query)
    return template.params(values)


def facets_from_rows(query: DatasetFilter, rows: Any) -> dict[Facet, list[FacetCount]]:
    found: dict[Facet, list[FacetCount]] = {facet: [] for facet in query.facets or []}
    for facet, value, count in rows:
        found[Facet(facet)].append(FacetCount(value=value, count=count))
    return {
        facet: sorted(counts, key=lambda c: (-c.count, c.value))[:FACET_SIZE]
        for facet, counts in found.items()
    }
