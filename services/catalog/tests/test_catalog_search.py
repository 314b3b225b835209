"""Consumer search without a database: parameter validation (422 naming the field), the parsed
filter reaching the repository, facets in the page, and the compiled statements (every value a
bound parameter, stable order). Results on real PostgreSQL:
tests/integration/test_catalog_search.py.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from catalog_fakes import FakeRepository, column, version_created
from fastapi.testclient import TestClient
from mdc_catalog.facts import STAT_TYPE_BITS, upsert_facts
from mdc_catalog.models import Source
from mdc_catalog.queries import dataset_count, dataset_search
from mdc_catalog.schemas import DatasetFilter, DatasetSort
from mdc_catalog.search import facet_statement
from mdc_catalog.status import record_dataset_version
from sqlalchemy.dialects import postgresql

DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
HOSTILE = "z'); DROP TABLE catalog.source; --"


def _compiled(statement: Any) -> tuple[str, list[Any]]:
    compiled = statement.compile(dialect=DIALECT)
    values: list[Any] = []
    for value in compiled.params.values():
        values.extend(value if isinstance(value, list) else [value])
    return str(compiled), values


def _everything(**overrides: Any) -> DatasetFilter:
    values: dict[str, Any] = {
        "q": "rain fall", "name": HOSTILE, "min_rows": 1001, "max_rows": 900001,
        "min_columns": 3, "max_columns": 97, "min_binary": 11, "min_nominal": 12,
        "min_ordinal": 13, "min_low_cardinality": 14, "low_cardinality_max": 7,
        "min_datetime": 15, "min_measurement": 16, "min_identifier": 17, "min_geo": 18,
        "has_type": ["date", "latitude"], "lacks_type": ["text"], "column": HOSTILE.upper(),
        "column_type": "latitude", "publisher": HOSTILE + "p", "license": HOSTILE + "l",
        "tag": [HOSTILE + "t", "health"], "updated_since": "2026-01-02T03:04:05Z",
        "sort": "-rows", "facets": "publisher,license,tag,stat_type", "limit": 7, "offset": 21,
    }  # fmt: skip
    return DatasetFilter.model_validate({**values, **overrides})


@pytest.mark.parametrize("build", [dataset_search, dataset_count, facet_statement])
def test_every_filter_value_is_a_bound_parameter(build: Any) -> None:
    sql, values = _compiled(build(_everything()))
    assert "DROP" not in sql
    assert "2026" not in sql
    for number in (1001, 900001, 3, 97, 11, 12, 13, 14, 15, 16, 17, 18):
        assert f" {number}" not in sql
        assert number in values
    assert {HOSTILE + "p", HOSTILE + "l", "rain:* & fall:*"} <= set(values)
    assert [HOSTILE + "t", "health"] in [v for v in _params(build(_everything())) if v]
    # Column names are matched lower-cased, alone or with their type.
    assert f"latitude:{HOSTILE.lower()}" in values
    # Statistical types as bit masks (has date and latitude; lacks text).
    assert {STAT_TYPE_BITS["date"] | STAT_TYPE_BITS["latitude"], STAT_TYPE_BITS["text"]} <= set(
        values
    )


def _params(statement: Any) -> list[Any]:
    return list(statement.compile(dialect=DIALECT).params.values())


def test_profile_filters_read_the_denormalized_facts() -> None:
    sql, values = _compiled(dataset_search(_everything()))
    for fact in ("binary", "nominal", "ordinal", "datetime", "measurement", "identifier", "geo"):
        assert f"catalog.dataset_facts.{fact}_columns >= " in sql
    assert (
        "(catalog.dataset_facts.stat_type_mask & %(has_type)s::BIGINT) = %(has_type)s::BIGINT"
        in sql
    )
    assert "(catalog.dataset_facts.stat_type_mask & %(lacks_type)s::BIGINT) = " in sql
    assert "catalog.dataset_facts.typed_columns @> " in sql
    assert "catalog.dataset_facts.tags @> " in sql
    assert "catalog.dataset_facts.updated_at >= " in sql
    # Low cardinality: the indexed categorical count bounds the per-threshold count.
    assert "catalog.dataset_facts.categorical_columns >= " in sql
    # ... and the k-th smallest distinct count (ascending array) is within the threshold.
    assert "catalog.dataset_facts.categorical_distinct[" in sql
    assert 14 in values  # the k-th...
    assert 7 in values  # ...and the threshold
    assert "dataset_column" not in sql  # no aggregation over columns at query time


def test_column_alone_and_column_type_alone() -> None:
    sql, _values = _compiled(dataset_search(DatasetFilter(column="Bill_Length_MM")))
    assert "catalog.dataset_facts.column_names @> " in sql
    assert ["bill_length_mm"] in _params(dataset_search(DatasetFilter(column="Bill_Length_MM")))
    sql, _ = _compiled(dataset_search(DatasetFilter(column_type="longitude")))
    assert (
        "(catalog.dataset_facts.stat_type_mask & %(column_type)s::BIGINT) = %(column_type)s::BIGINT"
        in sql
    )
    assert "typed_columns" not in sql


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("name", "catalog.dataset_facts.name, catalog.dataset_facts.dataset_id"),
        ("-name", "catalog.dataset_facts.name DESC, catalog.dataset_facts.dataset_id"),
        ("rows", "catalog.dataset_facts.row_count, catalog.dataset_facts.dataset_id"),
        ("-rows", "catalog.dataset_facts.row_count DESC, catalog.dataset_facts.dataset_id"),
        ("columns", "catalog.dataset_facts.column_count, catalog.dataset_facts.dataset_id"),
        ("-columns", "catalog.dataset_facts.column_count DESC, catalog.dataset_facts.dataset_id"),
        ("updated", "catalog.dataset_facts.updated_at, catalog.dataset_facts.dataset_id"),
        ("-updated", "catalog.dataset_facts.updated_at DESC, catalog.dataset_facts.dataset_id"),
    ],
)
def test_every_sort_ends_with_the_id(sort: str, order: str) -> None:
    sql, _ = _compiled(dataset_search(DatasetFilter.model_validate({"sort": sort})))
    assert f"ORDER BY {order} \n LIMIT" in sql


def test_default_sort_is_relevance_with_q_else_name() -> None:
    assert DatasetFilter().effective_sort() is DatasetSort.NAME
    assert DatasetFilter(q="rain").effective_sort() is DatasetSort.RELEVANCE
    assert DatasetFilter(q="rain", sort="name").effective_sort() is DatasetSort.NAME


def test_facets_count_over_the_unpaged_result() -> None:
    sql, _ = _compiled(facet_statement(_everything()))
    assert sql.count("UNION ALL") == 3
    assert "unnest(matched.tags)" in sql
    assert "unnest(matched.stat_types)" in sql
    assert "LIMIT" not in sql


def test_facts_upsert_recomputes_the_latest_version_of_the_given_datasets() -> None:
    dataset_id = uuid.uuid4()
    sql, values = _compiled(upsert_facts([dataset_id]))
    assert sql.startswith("INSERT INTO catalog.dataset_facts")
    assert "catalog.dataset_column.version = catalog.dataset.latest_version" in sql
    assert "ON CONFLICT (dataset_id) DO UPDATE" in sql
    assert dataset_id in values
    backfill, _ = _compiled(upsert_facts())
    assert "NOT (EXISTS (SELECT catalog.dataset_facts.dataset_id" in backfill


# --- through the API (fake repository) -------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"has_type": "bogus"}, ["has_type", 0]),
        ({"lacks_type": ["text", "nope"]}, ["lacks_type", 1]),
        ({"has_type": "date", "lacks_type": "date"}, ["lacks_type"]),
        ({"column_type": "float"}, ["column_type"]),
        ({"min_binary": -1}, ["min_binary"]),
        ({"min_low_cardinality": "some"}, ["min_low_cardinality"]),
        ({"low_cardinality_max": 1}, ["low_cardinality_max"]),
        ({"min_rows": 10, "max_rows": 9}, ["max_rows"]),
        ({"min_columns": 5, "max_columns": 4}, ["max_columns"]),
        ({"q": "!!! ---"}, ["q"]),
        ({"q": " ".join(["w"] * 17)}, ["q"]),
        ({"sort": "size"}, ["sort"]),
        ({"sort": "relevance"}, ["sort"]),
        ({"facets": "publisher,owner"}, ["facets", 1]),
        ({"tag": ""}, ["tag", 0]),
        ({"updated_since": "2026-01-01T00:00:00"}, ["updated_since"]),  # no time zone
        ({"updated_since": "yesterday"}, ["updated_since"]),
        ({"column": ""}, ["column"]),
        ({"colour": "red"}, ["colour"]),  # unknown parameters are refused
    ],
)
def test_invalid_search_parameter_is_422_naming_it(
    client: TestClient, params: dict[str, Any], loc: list[Any]
) -> None:
    response = client.get("/datasets", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["query", *loc]


def test_repeated_and_comma_separated_parameters_are_parsed(
    client: TestClient, repo: FakeRepository
) -> None:
    response = client.get(
        "/datasets",
        params=[("tag", "health"), ("tag", "air"), ("has_type", "date"), ("has_type", "binary"),
                ("facets", "publisher,tag"), ("facets", "stat_type"), ("sort", "-updated"),
                ("low_cardinality_max", "10"), ("updated_since", "2026-01-01T00:00:00+01:00")],
    )  # fmt: skip
    assert response.status_code == 200, response.text
    query = repo.dataset_queries[-1]
    assert query.tag == ["health", "air"]
    assert [t.value for t in query.has_type or []] == ["date", "binary"]
    assert [f.value for f in query.facets or []] == ["publisher", "tag", "stat_type"]
    assert (query.sort, query.effective_low_cardinality_max()) == (DatasetSort.UPDATED_DESC, 10)
    assert query.updated_since is not None
    assert query.updated_since.utcoffset() is not None


def test_unused_refinements_stay_out_of_the_dump() -> None:
    assert DatasetFilter().model_dump() == {
        "q": None, "name": None, "min_rows": None, "max_rows": None, "limit": 50, "offset": 0,
    }  # fmt: skip
    assert DatasetFilter(min_binary=0).model_dump()["min_binary"] == 0


async def test_facets_are_in_the_page_only_when_asked(
    client: TestClient, repo: FakeRepository
) -> None:
    for name, publisher, tags in (("a", "city", ["air"]), ("b", "city", ["air", "water"])):
        source = Source(name=name, url=f"https://example.org/{name}.csv", publisher=publisher,
                        tags=tags)  # fmt: skip
        repo.sources[source.id] = source
        columns = [column("when", 0, "date"), column("flag", 1, "binary")]
        await record_dataset_version(repo, version_created(source.id, name=name, columns=columns))
    assert len(repo.refreshed_facts) == 2  # recording a version refreshes its search facts
    plain = client.get("/datasets").json()
    assert set(plain) == {"items", "total"}
    body = client.get("/datasets", params={"facets": "publisher,tag,stat_type"}).json()
    assert body["facets"] == {
        "publisher": [{"value": "city", "count": 2}],
        "tag": [{"value": "air", "count": 2}, {"value": "water", "count": 1}],
        "stat_type": [{"value": "binary", "count": 2}, {"value": "date", "count": 2}],
    }
