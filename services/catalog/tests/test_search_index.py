"""The in-memory search index without a database: each filter, sort, page and facet over
records whose answers are written by hand. (That it answers exactly as the SQL search does on
real PostgreSQL: tests/integration/test_catalog_search.py.)"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from mdc_catalog.facts import stat_type_mask
from mdc_catalog.schemas import DatasetFilter, DatasetSummary, Facet, FacetCount
from mdc_catalog.search_index import NUMERIC, WEIGHTS, FactsRecord, Snapshot, TermIndex


def record(
    name: str,
    *,
    rows: int,
    columns: dict[str, str],  # name -> stat type
    distinct: tuple[int, ...] = (),
    words: dict[str, str] | None = None,  # lexeme -> best weight letter
    publisher: str | None = None,
    license: str | None = None,
    tags: tuple[str, ...] = (),
    updated: str = "2026-01-01",
) -> FactsRecord:
    types = list(columns.values())
    count = {t: types.count(t) for t in set(types)}
    numbers = dict.fromkeys(NUMERIC, 0)
    numbers.update(
        row_count=rows,
        column_count=len(columns),
        binary_columns=count.get("binary", 0),
        nominal_columns=count.get("nominal", 0),
        ordinal_columns=count.get("ordinal", 0),
        categorical_columns=sum(count.get(t, 0) for t in ("binary", "nominal", "ordinal")),
        datetime_columns=sum(count.get(t, 0) for t in ("datetime", "date", "time")),
        measurement_columns=count.get("continuous", 0) + count.get("count", 0),
        identifier_columns=count.get("identifier", 0),
        geo_columns=count.get("latitude", 0) + count.get("longitude", 0),
        stat_type_mask=stat_type_mask(types),
    )
    moment = datetime.fromisoformat(updated).replace(tzinfo=UTC)
    numbers["updated_at"] = int(moment.timestamp() * 1_000_000)
    lexemes = {**{w: "A" for w in name.split("-")}, **(words or {})}
    return FactsRecord(
        summary=DatasetSummary(
            id=uuid.uuid5(uuid.NAMESPACE_URL, name),
            name=name,
            row_count=rows,
            column_count=len(columns),
            version=1,
            updated_at=moment,
            parquet_uri=f"s3://x/{name}.parquet",
        ),
        numbers=numbers,
        publisher=publisher,
        license=license,
        tags=tags,
        stat_types=tuple(sorted(set(types))),
        column_names=tuple(c.lower() for c in columns),
        typed_columns=tuple(f"{t}:{c.lower()}" for c, t in columns.items()),
        categorical_distinct=tuple(sorted(distinct)),
        lexemes=tuple(sorted(lexemes)),
        lexeme_weights=tuple(WEIGHTS[lexemes[w]] for w in sorted(lexemes)),
    )


RECORDS = [
    record(
        "air-quality",
        rows=500,
        columns={"station": "nominal", "at": "datetime", "pm10": "continuous", "ok": "binary"},
        distinct=(2, 12),
        words={"pollution": "C", "station": "B"},
        publisher="Air Lab",
        license="CC-BY-4.0",
        tags=("air", "health"),
        updated="2026-03-01",
    ),
    record(
        "bike-counts",
        rows=90_000,
        columns={"counter": "identifier", "day": "date", "bikes": "count", "Wet": "binary"},
        distinct=(2,),
        words={"station": "C", "bicycle": "B"},
        publisher="City",
        license="ODbL",
        tags=("transport",),
        updated="2025-06-01",
    ),
    record(
        "schools",
        rows=1_200,
        columns={"name": "text", "lat": "latitude", "lon": "longitude", "level": "ordinal"},
        distinct=(4,),
        words={"education": "B"},
        publisher="City",
        tags=("education", "health"),
        updated="2026-05-01",
    ),
    record("empty-file", rows=0, columns={}, updated="2024-01-01"),
]
INDEX = Snapshot(reversed(RECORDS))  # built in any order


def names(**params: Any) -> list[str]:
    items, total = INDEX.search(DatasetFilter.model_validate(params))
    assert total >= len(items)
    return [item.name for item in items]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["air-quality", "bike-counts", "empty-file", "schools"]),
        ({"name": "schools"}, ["schools"]),
        ({"min_rows": 1200}, ["bike-counts", "schools"]),
        ({"max_rows": 1200}, ["air-quality", "empty-file", "schools"]),
        ({"min_columns": 1, "max_columns": 4}, ["air-quality", "bike-counts", "schools"]),
        ({"min_binary": 1}, ["air-quality", "bike-counts"]),
        ({"min_nominal": 1}, ["air-quality"]),
        ({"min_ordinal": 1}, ["schools"]),
        ({"min_datetime": 1}, ["air-quality", "bike-counts"]),
        ({"min_measurement": 1}, ["air-quality", "bike-counts"]),
        ({"min_identifier": 1}, ["bike-counts"]),
        ({"min_geo": 2}, ["schools"]),
        ({"min_low_cardinality": 1}, ["air-quality", "bike-counts", "schools"]),
        ({"min_low_cardinality": 1, "low_cardinality_max": 3}, ["air-quality", "bike-counts"]),
        ({"min_low_cardinality": 2}, ["air-quality"]),
        ({"min_low_cardinality": 2, "low_cardinality_max": 11}, []),
        ({"min_low_cardinality": 0}, ["air-quality", "bike-counts", "empty-file", "schools"]),
        ({"has_type": ["binary", "date"]}, ["bike-counts"]),
        ({"lacks_type": ["binary"]}, ["empty-file", "schools"]),
        ({"column": "WET"}, ["bike-counts"]),
        ({"column": "we"}, []),
        ({"column": "wet", "column_type": "binary"}, ["bike-counts"]),
        ({"column": "wet", "column_type": "nominal"}, []),
        ({"column_type": "latitude"}, ["schools"]),
        ({"publisher": "City"}, ["bike-counts", "schools"]),
        ({"publisher": "city"}, []),
        ({"license": "ODbL"}, ["bike-counts"]),
        ({"tag": ["health"]}, ["air-quality", "schools"]),
        ({"tag": ["health", "air"]}, ["air-quality"]),
        ({"tag": ["nowhere"]}, []),
        ({"updated_since": "2026-03-01T00:00:00Z"}, ["air-quality", "schools"]),
        ({"q": "station"}, ["air-quality", "bike-counts"]),  # relevance: a column above text
        ({"q": "stat pollu"}, ["air-quality"]),  # every word, each a prefix
        ({"q": "STATION", "sort": "name"}, ["air-quality", "bike-counts"]),
        ({"q": "bike station"}, ["bike-counts"]),
        ({"q": "zeppelin"}, []),
    ],
)
def test_each_filter_finds_exactly_its_datasets(
    params: dict[str, Any], expected: list[str]
) -> None:
    assert names(**params) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["air-quality", "bike-counts", "empty-file", "schools"]),
        ("-name", ["schools", "empty-file", "bike-counts", "air-quality"]),
        ("rows", ["empty-file", "air-quality", "schools", "bike-counts"]),
        ("-rows", ["bike-counts", "schools", "air-quality", "empty-file"]),
        ("updated", ["empty-file", "bike-counts", "air-quality", "schools"]),
        ("-updated", ["schools", "air-quality", "bike-counts", "empty-file"]),
    ],
)
def test_sorts(sort: str, expected: list[str]) -> None:
    assert names(sort=sort) == expected


def test_ties_are_broken_by_id_in_both_directions() -> None:
    ids = sorted(r.dataset_id for r in RECORDS if r.numbers["column_count"] == 4)
    for sort in ("columns", "-columns"):
        items, _ = INDEX.search(DatasetFilter(sort=sort, min_columns=4))  # type: ignore[arg-type]
        assert [item.id for item in items] == ids


def test_relevance_sums_the_best_part_each_word_matches_then_name() -> None:
    # "s": schools by its name (10), air-quality by a column (4), bike-counts by its
    # description (2, though "station" is also... only there).
    assert names(q="s") == ["schools", "air-quality", "bike-counts"]
    # "b": bike (name, 10) and bicycle (column, 4) in bike-counts count once, the best.
    items, _ = INDEX.search(DatasetFilter(q="b s"))
    assert [item.name for item in items] == ["bike-counts"]
    # Equal relevance: by name.
    assert names(q="quality air") == ["air-quality"]
    assert names(q="e") == ["empty-file", "schools"]  # name 10, education 4


def test_pages_are_stable_slices_with_the_whole_total() -> None:
    seen = []
    for offset in range(0, 4, 3):
        items, total = INDEX.search(DatasetFilter(limit=3, offset=offset))
        assert total == 4
        seen += [item.name for item in items]
    assert seen == names()
    items, total = INDEX.search(DatasetFilter(offset=10))
    assert (items, total) == ([], 4)


def test_facets_count_datasets_of_the_whole_result() -> None:
    query = DatasetFilter(min_rows=1, facets=list(Facet), limit=1)
    facets = INDEX.facets(query)
    assert facets[Facet.PUBLISHER] == [
        FacetCount(value="City", count=2),
        FacetCount(value="Air Lab", count=1),
    ]
    assert facets[Facet.LICENSE] == [
        FacetCount(value="CC-BY-4.0", count=1),
        FacetCount(value="ODbL", count=1),
    ]
    assert facets[Facet.TAG][0] == FacetCount(value="health", count=2)
    assert {c.value for c in facets[Facet.STAT_TYPE]} >= {"binary", "latitude", "ordinal"}
    assert INDEX.facets(DatasetFilter(q="zeppelin", facets=[Facet.TAG])) == {Facet.TAG: []}


def test_an_empty_index_answers_nothing() -> None:
    empty = Snapshot([])
    assert empty.search(DatasetFilter(q="x", min_low_cardinality=2, tag=["a"])) == ([], 0)
    assert empty.facets(DatasetFilter(facets=[Facet.TAG])) == {Facet.TAG: []}


def test_term_index_finds_terms_and_prefixes() -> None:
    index = TermIndex([("ab", "b"), (), ("abc",), ("b", "ab")])
    assert sorted(index.rows_with("ab").tolist()) == [0, 3]
    assert index.rows_with("a").tolist() == []
    assert sorted(index.rows[index.prefixed("ab")].tolist()) == [0, 2, 3]
    assert index.rows[index.prefixed("z")].tolist() == []
