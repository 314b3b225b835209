"""Consumer search (GET /datasets) on the real stack: each filter returns exactly the datasets
the fixture was designed to match.

Seven small CSV files are published and registered as sources; every column is built so its
statistical type is unambiguous, and FIXTURE below is the table of what each file is (rows,
columns with their types and categorical levels, publisher, license, tags). Ordinal comes from
a spec: `survey.tier` is inferred nominal, then a published spec declares its levels ordered,
which makes version 2 with an ordinal column (and one nominal column fewer). Expected results
are written from that table, never read back from the API. Every query is restricted to a tag
unique to this run, so other tests' datasets (and earlier runs of a kept stack) never interfere.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mdc_catalog.repository import SqlCatalogRepository
from mdc_catalog.schemas import DatasetFilter, DatasetSort, Facet
from mdc_catalog.search_index import SearchIndex
from mdc_common.db import read_session_factory
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.files import FileServer
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

RUN = uuid.uuid4().hex[:8]
TAG = f"search-fixture-{RUN}"
# Processing seven files on a shared two-core machine: generous, it only bounds a failure.
VERSION_TIMEOUT = 240.0

Params = list[tuple[str, Any]]


# --- the fixture: what each file is -----------------------------------------------------------


@dataclass(frozen=True)
class Col:
    name: str
    stat_type: str  # as the catalog must record it (after the spec, for survey.tier)
    value: Callable[[int], str]  # the value of row i
    levels: int | None = None  # distinct values of a categorical (binary/nominal/ordinal) column


@dataclass(frozen=True)
class Fixture:
    key: str
    rows: int
    title: str
    description: str
    publisher: str | None
    license: str | None
    tags: tuple[str, ...]
    columns: tuple[Col, ...]
    spec: dict[str, Any] | None = field(default=None)

    @property
    def name(self) -> str:
        return f"srch-{RUN}-{self.key}"

    def types(self) -> set[str]:
        return {c.stat_type for c in self.columns}


def ids(i: int) -> str:
    return str(i + 1)


def hours(i: int) -> str:
    return f"2024-03-{1 + i // 24:02d}T{i % 24:02d}:00:00"


def days(i: int) -> str:
    return f"2024-04-{1 + i:02d}"


def decimals(start: float, step: float) -> Callable[[int], str]:
    return lambda i: f"{start + i * step:.3f}"


def cycle(*levels: str) -> Callable[[int], str]:
    return lambda i: levels[i % len(levels)]


def binary(yes: str, no: str) -> Callable[[int], str]:
    return lambda i: yes if i % 3 == 0 else no


def cat(name: str, stat_type: str, *levels: str) -> Col:
    return Col(name, stat_type, cycle(*levels), levels=len(levels))


def flag(name: str, yes: str = "1", no: str = "0") -> Col:
    return Col(name, "binary", binary(yes, no), levels=2)


SENTENCES = (
    "Very happy with the service.",
    "The queue was far too long today.",
    "Staff were kind and quick to help.",
    "Would like longer opening hours.",
    "Parking near the entrance is hard.",
)

FIXTURE: tuple[Fixture, ...] = (
    Fixture(
        key="sensors",
        rows=12,
        title="Sensor readings",
        description="Hourly readings of indoor sensors.",
        publisher="Meteo Lab",
        license="CC-BY-4.0",
        tags=(TAG, "weather"),
        columns=(
            Col("sensor_id", "identifier", ids),
            Col("measured_at", "datetime", hours),
            Col("temperature", "continuous", decimals(12.25, 0.731)),
            Col("humidity", "continuous", decimals(55.5, -1.137)),
            flag("active"),
        ),
    ),
    Fixture(
        key="stations",
        rows=10,
        title="Weather stations",
        description="Where the stations stand and whether they are open.",
        publisher="Meteo Lab",
        license="ODbL",
        tags=(TAG, "weather", "geo"),
        columns=(
            Col("station_code", "identifier", lambda i: f"ST{i + 1:03d}"),
            Col("latitude", "latitude", decimals(45.125, 0.137)),
            Col("longitude", "longitude", decimals(4.567, 0.219)),
            cat("region", "nominal", "Alpes", "Jura", "Vosges"),
            flag("ouvert", "oui", "non"),
            # Non-ASCII capitals: matched case-insensitively even on a C-locale database.
            Col("Élévation", "continuous", decimals(312.5, 41.3)),
        ),
    ),
    Fixture(
        key="survey",
        rows=20,
        title="Household survey",
        description="Answers of a household panel (Études régionales).",
        publisher="Stats Office",
        license="CC-BY-4.0",
        tags=(TAG, "health"),
        columns=(
            Col("respondent_id", "identifier", ids),
            flag("smoker", "oui", "non"),
            flag("vaccinated"),
            flag("owns_car", "yes", "no"),
            cat("city", "nominal", "Dijon", "Beaune", "Dole", "Auxerre"),
            # Inferred nominal; the spec below orders its levels, so the catalog has ordinal.
            cat("tier", "ordinal", "basic", "plus", "premium"),
            Col("visits", "count", lambda i: str((i * 7) % 5 + (i % 3 == 0) * 2)),
            Col("comment", "text", cycle(*SENTENCES)),
        ),
        spec={
            "columns": [
                {"name": "tier", "categories": ["basic", "plus", "premium"], "ordered": True}
            ]
        },
    ),
    Fixture(
        key="traffic",
        rows=15,
        title="Road traffic counts",
        description="Vehicles counted at a crossing.",
        publisher="City of Dijon",
        license="ODbL",
        tags=(TAG, "mobility"),
        columns=(
            Col("counted_at", "datetime", hours),
            Col("day", "date", days),
            Col("vehicle_count", "count", lambda i: str(80 + (i * 37) % 300)),
            cat("direction", "nominal", "north", "south", "east", "west"),
        ),
    ),
    Fixture(
        key="notes",
        rows=8,
        title="Field notes",
        description="Notes taken on the harbour walls.",
        publisher=None,
        license=None,
        tags=(TAG,),
        columns=(
            Col("note", "text", lambda i: f"{SENTENCES[i % 5][:-1]} on visit {i + 1}."),
            cat("author", "nominal", "Anna", "Boris", "Chloe"),
        ),
    ),
    Fixture(
        key="shops",
        rows=60,
        title="Shops by district",
        description="Retail shops and their revenue.",
        publisher="City of Dijon",
        license="Licence Ouverte",
        tags=(TAG, "economy"),
        columns=(
            Col("shop_id", "identifier", ids),
            cat("category", "nominal", "food", "books", "clothes"),
            cat("district", "nominal", *(f"District {c}" for c in "ABCDEFGH")),
            cat("brand", "nominal", *(f"Brand{c}" for c in "KLMNPQRSTUVWXYZ")),
            flag("open_sunday"),
            Col("revenue", "continuous", decimals(1200.5, 97.31)),
            Col("floor_area", "continuous", decimals(35.25, 3.7)),
        ),
    ),
    Fixture(
        key="harbour",
        rows=30,
        title="Harbour tides",
        description="Tide heights at the harbour entrance.",
        publisher="Port Authority",
        license="CC0-1.0",
        tags=(TAG, "weather", "geo", "geo"),  # listed twice, still one dataset in the facet
        columns=(
            Col("lat", "latitude", decimals(47.211, 0.013)),
            Col("lon", "longitude", decimals(-2.157, 0.017)),
            Col("tide_height", "continuous", decimals(1.25, 0.173)),
        ),
    ),
)
BY_KEY = {f.key: f for f in FIXTURE}
ALL = set(BY_KEY)


def csv_bytes(fixture: Fixture) -> bytes:
    header = ",".join(c.name for c in fixture.columns)
    lines = [",".join(c.value(i) for c in fixture.columns) for i in range(fixture.rows)]
    return ("\n".join([header, *lines]) + "\n").encode()


def test_the_fixture_is_what_its_table_says() -> None:
    # The design's own premises: unique row and column counts (so size sorts have no ties),
    # and categorical levels that the generated values really take.
    assert len({f.rows for f in FIXTURE}) == len(FIXTURE)
    assert len({len(f.columns) for f in FIXTURE}) == len(FIXTURE)
    for fixture in FIXTURE:
        for column in fixture.columns:
            if column.levels is not None:
                taken = {column.value(i) for i in range(fixture.rows)}
                assert len(taken) == column.levels, (fixture.key, column.name)


# --- the catalog, loaded once ----------------------------------------------------------------


@dataclass
class Loaded:
    ids: dict[str, str]  # key -> dataset id
    key_of: dict[str, str]  # dataset name -> key
    before_registration: datetime
    before_spec: datetime


@pytest.fixture(scope="module")
def catalog(stack: Stack, file_server: FileServer) -> Loaded:
    before_registration = datetime.now(UTC)
    for fixture in FIXTURE:
        url = file_server.write(f"search-{RUN}/{fixture.key}.csv", csv_bytes(fixture))
        stack.register_source(
            fixture.name,
            url,
            interval=3600,  # checked once now; an unchanged file never makes another version
            title=fixture.title,
            description=fixture.description,
            publisher=fixture.publisher,
            license=fixture.license,
            tags=list(fixture.tags),
        )
    ids = {f.key: stack.wait_for_version(f.name, 1, VERSION_TIMEOUT)["id"] for f in FIXTURE}
    # Every version 1 is in the catalog: anything updated after this instant is the spec's
    # (the stack runs on this machine, so its timestamps and this clock are one clock).
    before_spec = datetime.now(UTC)
    for fixture in FIXTURE:
        if fixture.spec is not None:
            response = stack.admin.put(
                f"/admin/datasets/{ids[fixture.key]}/spec", json=fixture.spec
            )
            assert response.status_code == 201, response.text
            stack.wait_for_version(fixture.name, 2, VERSION_TIMEOUT)
    return Loaded(ids, {f.name: f.key for f in FIXTURE}, before_registration, before_spec)


def search(stack: Stack, params: Params) -> dict[str, Any]:
    response = stack.catalog.get("/datasets", params=[("tag", TAG), *params])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def found(stack: Stack, catalog: Loaded, params: Params) -> tuple[set[str], int]:
    body = search(stack, [*params, ("limit", 500)])
    keys = [catalog.key_of[item["name"]] for item in body["items"]]
    assert len(keys) == len(set(keys))
    return set(keys), body["total"]


def test_catalog_records_the_designed_types(stack: Stack, catalog: Loaded) -> None:
    """The premise of every filter test: the catalog holds the table above, column by column."""
    for fixture in FIXTURE:
        detail = stack.catalog.get(f"/datasets/{catalog.ids[fixture.key]}").json()
        assert detail["row_count"] == fixture.rows, fixture.key
        got = [(c["name"], c["stat_type"]) for c in detail["columns"]]
        assert got == [(c.name, c.stat_type) for c in fixture.columns], fixture.key
        levels = {c["name"]: c["distinct_count"] for c in detail["columns"]}
        for column in fixture.columns:
            if column.levels is not None:
                assert levels[column.name] == column.levels, (fixture.key, column.name)
    assert stack.catalog.get(f"/datasets/{catalog.ids['survey']}").json()["version"] == 2


# Each case: query parameters (besides the run's tag) -> the exact set of fixture keys.
# rows:    notes 8, stations 10, sensors 12, traffic 15, survey 20, harbour 30, shops 60
# columns: notes 2, harbour 3, traffic 4, sensors 5, stations 6, shops 7, survey 8
# categorical distinct counts (low cardinality): sensors [2], stations [2, 3],
#   survey [2, 2, 2, 3, 4], traffic [4], notes [3], shops [2, 3, 8, 15], harbour []
CASES: list[tuple[str, Params, set[str]]] = [
    ("tag only", [], ALL),
    # text: name, title, description, tags, column names; words are prefixes, all required
    ("q column name", [("q", "temperature")], {"sensors"}),
    ("q prefix", [("q", "temp")], {"sensors"}),
    ("q upper case", [("q", "TIER")], {"survey"}),
    ("q title or description", [("q", "harbour")], {"harbour", "notes"}),
    ("q tag or title", [("q", "weather")], {"sensors", "stations", "harbour"}),
    ("q all words", [("q", "weather stations")], {"stations"}),
    ("q no match", [("q", "zeppelin")], set()),
    ("q accented word", [("q", "études")], {"survey"}),
    ("q accented prefix, upper case", [("q", "ÉTUD")], {"survey"}),
    ("q accented column name", [("q", "élévation")], {"stations"}),
    # tsquery operators are not operators here: just the words weather and stations
    ("q with tsquery syntax", [("q", "weather & !stations | (:*)")], {"stations"}),
    # rows and columns, bounds inclusive
    ("min_rows", [("min_rows", 15)], {"traffic", "survey", "harbour", "shops"}),
    ("max_rows", [("max_rows", 12)], {"notes", "stations", "sensors"}),
    (
        "rows range",
        [("min_rows", 10), ("max_rows", 20)],
        {"stations", "sensors", "traffic", "survey"},
    ),
    ("min_columns", [("min_columns", 6)], {"stations", "shops", "survey"}),
    ("max_columns", [("max_columns", 3)], {"notes", "harbour"}),
    ("columns range", [("min_columns", 4), ("max_columns", 5)], {"traffic", "sensors"}),
    # counts of columns by statistical type
    ("min_binary 1", [("min_binary", 1)], {"sensors", "stations", "survey", "shops"}),
    ("min_binary 2", [("min_binary", 2)], {"survey"}),
    ("min_binary 4", [("min_binary", 4)], set()),
    (
        "min_nominal 1",
        [("min_nominal", 1)],
        {"stations", "survey", "traffic", "notes", "shops"},
    ),
    # survey had 2 nominal columns before its spec made tier ordinal
    ("min_nominal 2", [("min_nominal", 2)], {"shops"}),
    ("min_ordinal 1", [("min_ordinal", 1)], {"survey"}),
    ("min_ordinal 2", [("min_ordinal", 2)], set()),
    ("min_low_cardinality 0", [("min_low_cardinality", 0)], ALL),
    ("min_low_cardinality 1", [("min_low_cardinality", 1)], ALL - {"harbour"}),
    ("min_low_cardinality 4", [("min_low_cardinality", 4)], {"survey", "shops"}),
    (
        "low cardinality at most 2",
        [("min_low_cardinality", 1), ("low_cardinality_max", 2)],
        {"sensors", "stations", "survey", "shops"},
    ),
    (
        "low cardinality at most 3",
        [("min_low_cardinality", 2), ("low_cardinality_max", 3)],
        {"stations", "survey", "shops"},
    ),
    (
        "low cardinality below a level count",
        [("min_low_cardinality", 4), ("low_cardinality_max", 14)],
        {"survey"},
    ),
    (
        "low cardinality at a level count",
        [("min_low_cardinality", 4), ("low_cardinality_max", 15)],
        {"survey", "shops"},
    ),
    ("min_datetime 1", [("min_datetime", 1)], {"sensors", "traffic"}),
    ("min_datetime 2 (date counts)", [("min_datetime", 2)], {"traffic"}),
    (
        "min_measurement 1",
        [("min_measurement", 1)],
        {"sensors", "stations", "survey", "traffic", "shops", "harbour"},
    ),
    ("min_measurement 2", [("min_measurement", 2)], {"sensors", "shops"}),
    ("min_identifier 1", [("min_identifier", 1)], {"sensors", "stations", "survey", "shops"}),
    ("min_identifier 2", [("min_identifier", 2)], set()),
    ("min_geo 2", [("min_geo", 2)], {"stations", "harbour"}),
    ("min_geo 3", [("min_geo", 3)], set()),
    # has / lacks statistical types
    ("has_type text", [("has_type", "text")], {"survey", "notes"}),
    ("has_type date", [("has_type", "date")], {"traffic"}),
    ("has_type all of", [("has_type", "latitude"), ("has_type", "binary")], {"stations"}),
    ("lacks_type binary", [("lacks_type", "binary")], {"traffic", "notes", "harbour"}),
    (
        "lacks_type any of",
        [("lacks_type", "identifier"), ("lacks_type", "text")],
        {"traffic", "harbour"},
    ),
    # columns by name (exact, any case) and type
    ("column", [("column", "temperature")], {"sensors"}),
    ("column any case", [("column", "Temperature")], {"sensors"}),
    ("column is no prefix", [("column", "temp")], set()),
    ("column accented", [("column", "élévation")], {"stations"}),
    ("column accented, upper case", [("column", "ÉLÉVATION")], {"stations"}),
    (
        "column accented with its type",
        [("column", "Élévation"), ("column_type", "continuous")],
        {"stations"},
    ),
    ("column_type count", [("column_type", "count")], {"survey", "traffic"}),
    ("column_type ordinal", [("column_type", "ordinal")], {"survey"}),
    ("column with its type", [("column", "tier"), ("column_type", "ordinal")], {"survey"}),
    ("column with another type", [("column", "tier"), ("column_type", "nominal")], set()),
    ("column named latitude", [("column", "latitude"), ("column_type", "latitude")], {"stations"}),
    # source fields
    ("publisher", [("publisher", "Meteo Lab")], {"sensors", "stations"}),
    ("publisher is exact", [("publisher", "meteo lab")], set()),
    ("license", [("license", "ODbL")], {"stations", "traffic"}),
    ("another tag", [("tag", "weather")], {"sensors", "stations", "harbour"}),
    ("every tag", [("tag", "weather"), ("tag", "geo")], {"stations", "harbour"}),
    # combinations
    (
        "rows, binary and a type",
        [("min_rows", 10), ("min_binary", 1), ("has_type", "continuous")],
        {"sensors", "stations", "shops"},
    ),
    (
        "measurement without identifier, tagged",
        [("min_measurement", 1), ("lacks_type", "identifier"), ("tag", "weather")],
        {"harbour"},
    ),
    ("text and geo", [("q", "weather"), ("min_geo", 2)], {"stations", "harbour"}),
    (
        "publisher and datetime",
        [("publisher", "City of Dijon"), ("min_datetime", 1)],
        {"traffic"},
    ),
    (
        "low cardinality and size",
        [("min_low_cardinality", 3), ("low_cardinality_max", 10), ("max_columns", 7)],
        {"shops"},
    ),
]


@pytest.mark.parametrize(("params", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_filter_returns_exactly_the_designed_datasets(
    stack: Stack, catalog: Loaded, params: Params, expected: set[str]
) -> None:
    keys, total = found(stack, catalog, params)
    assert keys == expected
    assert total == len(expected)


def test_updated_since_splits_at_the_spec_version(stack: Stack, catalog: Loaded) -> None:
    def since(moment: datetime) -> tuple[set[str], int]:
        return found(stack, catalog, [("updated_since", moment.isoformat())])

    assert since(catalog.before_registration) == (ALL, len(ALL))
    # Only survey got a version (its spec's) after every version 1 was in the catalog.
    assert since(catalog.before_spec) == ({"survey"}, 1)
    assert since(datetime.now(UTC) + timedelta(days=1)) == (set(), 0)


# --- facets ----------------------------------------------------------------------------------


def expected_facets(keys: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Counts per value over the given fixtures, most frequent first then by value."""
    fixtures = [BY_KEY[k] for k in keys]
    counters = {
        "publisher": Counter(f.publisher for f in fixtures if f.publisher is not None),
        "license": Counter(f.license for f in fixtures if f.license is not None),
        "tag": Counter(t for f in fixtures for t in set(f.tags)),
        "stat_type": Counter(t for f in fixtures for t in f.types()),
    }
    return {
        facet: [
            {"value": value, "count": count}
            for value, count in sorted(counter.items(), key=lambda vc: (-vc[1], vc[0]))
        ]
        for facet, counter in counters.items()
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [([], ALL), ([("min_binary", 1)], {"sensors", "stations", "survey", "shops"})],
    ids=["all", "min_binary 1"],
)
def test_facets_count_the_whole_result(
    stack: Stack, catalog: Loaded, params: Params, expected: set[str]
) -> None:
    # A page of one: facets are over the whole result, not the page.
    body = search(stack, [*params, ("facets", "publisher,license,tag,stat_type"), ("limit", 1)])
    assert body["total"] == len(expected)
    assert body["facets"] == expected_facets(expected)


def test_facets_of_the_fixture_by_hand(stack: Stack, catalog: Loaded) -> None:
    # A few counts written out, so the helper above is not the only reading of the table.
    facets = search(stack, [("facets", "publisher,stat_type")])["facets"]
    publishers = {f["value"]: f["count"] for f in facets["publisher"]}
    assert publishers == {
        "Meteo Lab": 2,
        "City of Dijon": 2,
        "Stats Office": 1,
        "Port Authority": 1,
    }
    types = {f["value"]: f["count"] for f in facets["stat_type"]}
    assert types["nominal"] == 5
    assert types["ordinal"] == 1
    assert types["date"] == 1
    assert types["latitude"] == 2
    assert set(facets) == {"publisher", "stat_type"}
    tags = search(stack, [("facets", "tag")])["facets"]["tag"]
    assert {"value": "geo", "count": 2} in tags  # harbour lists it twice


# --- sorting and paging ----------------------------------------------------------------------

BY_ROWS = [f.key for f in sorted(FIXTURE, key=lambda f: f.rows)]
BY_COLUMNS = [f.key for f in sorted(FIXTURE, key=lambda f: len(f.columns))]
BY_NAME = [f.key for f in sorted(FIXTURE, key=lambda f: f.name)]


def keys_in_order(stack: Stack, catalog: Loaded, params: Params) -> list[str]:
    body = search(stack, [*params, ("limit", 500)])
    return [catalog.key_of[item["name"]] for item in body["items"]]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", BY_NAME),
        ("-name", BY_NAME[::-1]),
        ("rows", BY_ROWS),
        ("-rows", BY_ROWS[::-1]),
        ("columns", BY_COLUMNS),
        ("-columns", BY_COLUMNS[::-1]),
    ],
)
def test_sort_orders(stack: Stack, catalog: Loaded, sort: str, expected: list[str]) -> None:
    assert keys_in_order(stack, catalog, [("sort", sort)]) == expected


def test_default_order_is_by_name(stack: Stack, catalog: Loaded) -> None:
    assert keys_in_order(stack, catalog, []) == BY_NAME


def test_sort_by_update_puts_the_spec_version_last(stack: Stack, catalog: Loaded) -> None:
    body = search(stack, [("sort", "updated"), ("limit", 500)])
    stamps = [(datetime.fromisoformat(i["updated_at"]), i["id"]) for i in body["items"]]
    assert stamps == sorted(stamps)
    assert catalog.key_of[body["items"][-1]["name"]] == "survey"  # its version 2 came last
    newest_first = keys_in_order(stack, catalog, [("sort", "-updated")])
    assert newest_first[0] == "survey"
    assert sorted(newest_first) == sorted(ALL)


def test_relevance_ranks_a_title_above_a_description(stack: Stack, catalog: Loaded) -> None:
    # "harbour" is the title of harbour (weight A) and only in the description of notes (C).
    assert keys_in_order(stack, catalog, [("q", "harbour")]) == ["harbour", "notes"]
    assert keys_in_order(stack, catalog, [("q", "harbour"), ("sort", "relevance")]) == [
        "harbour",
        "notes",
    ]
    # Another order on request.
    assert keys_in_order(stack, catalog, [("q", "harbour"), ("sort", "rows")]) == [
        "notes",
        "harbour",
    ]


def walk(stack: Stack, catalog: Loaded, params: Params, limit: int) -> Iterator[list[str]]:
    offset = 0
    while True:
        body = search(stack, [*params, ("limit", limit), ("offset", offset)])
        assert body["total"] == len(ALL)  # every page tells the whole result's size
        page = [catalog.key_of[item["name"]] for item in body["items"]]
        if not page:
            return
        assert len(page) <= limit
        yield page
        offset += limit


@pytest.mark.parametrize(
    ("sort", "expected"), [("name", BY_NAME), ("-rows", BY_ROWS[::-1]), ("columns", BY_COLUMNS)]
)
@pytest.mark.parametrize("limit", [1, 2, 3])
def test_paging_walks_the_whole_result_without_overlap_or_gap(
    stack: Stack, catalog: Loaded, sort: str, expected: list[str], limit: int
) -> None:
    pages = list(walk(stack, catalog, [("sort", sort)], limit))
    assert [key for page in pages for key in page] == expected
    assert len(pages) == -(-len(ALL) // limit)


def test_a_page_past_the_end_is_empty_with_the_total(stack: Stack, catalog: Loaded) -> None:
    body = search(stack, [("offset", 100)])
    assert body["items"] == []
    assert body["total"] == len(ALL)


# --- hostile and invalid input ---------------------------------------------------------------

HOSTILE = "x'); DROP TABLE catalog.dataset; --"


@pytest.mark.parametrize(
    "params",
    [
        [("q", HOSTILE)],
        [("q", "\"temperature' OR 1=1 --")],
        [("column", HOSTILE)],
        [("column", "temperature' OR '1'='1")],
        [("publisher", "Meteo Lab' OR '1'='1")],
        [("tag", HOSTILE)],
    ],
    ids=["q drop", "q or", "column drop", "column or", "publisher or", "tag drop"],
)
def test_hostile_values_find_nothing_and_break_nothing(
    stack: Stack, catalog: Loaded, params: Params
) -> None:
    body = search(stack, params)
    assert (body["items"], body["total"]) == ([], 0)
    assert found(stack, catalog, []) == (ALL, len(ALL))  # the tables are still there


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ([("min_rows", 20), ("max_rows", 10)], "max_rows"),
        ([("min_columns", 5), ("max_columns", 4)], "max_columns"),
        ([("min_binary", -1)], "min_binary"),
        ([("min_low_cardinality", 1), ("low_cardinality_max", 1)], "low_cardinality_max"),
        ([("has_type", "binary"), ("lacks_type", "binary")], "lacks_type"),
        ([("has_type", "colour")], "has_type"),
        ([("column_type", "'; DROP TABLE x; --")], "column_type"),
        ([("sort", "relevance")], "sort"),
        ([("sort", "rows; DROP TABLE x")], "sort"),
        ([("q", "'); --")], "q"),
        ([("updated_since", "2024-01-01T00:00:00")], "updated_since"),
        ([("limit", 0)], "limit"),
        ([("facets", "owner")], "facets"),
        ([("colour", "red")], "colour"),
    ],
)
def test_invalid_values_are_422_naming_the_field(stack: Stack, params: Params, field: str) -> None:
    response = stack.catalog.get("/datasets", params=[("tag", TAG), *params])
    assert response.status_code == 422, response.text
    locations = [error["loc"] for error in response.json()["detail"]]
    assert any(loc[-1] == field or field in loc for loc in locations), locations


# --- source edits ----------------------------------------------------------------------------


def test_text_search_follows_an_edited_source(stack: Stack, file_server: FileServer) -> None:
    # Its own tag, so the fixture's results above never include it.
    tag = f"{TAG}-edited"
    name = f"srch-{RUN}-edited"
    url = file_server.write(f"search-{RUN}/edited.csv", csv_bytes(BY_KEY["harbour"]))
    source = stack.register_source(name, url, interval=3600, title="Buoy readings", tags=[tag])
    stack.wait_for_version(name, 1, VERSION_TIMEOUT)

    def total(params: Params) -> int:
        response = stack.catalog.get("/datasets", params=[("tag", tag), *params])
        assert response.status_code == 200, response.text
        count: int = response.json()["total"]
        return count

    assert (total([("q", "buoy")]), total([("q", "lighthouse")])) == (1, 0)
    edit = {"title": "Lighthouse log", "description": "Beacons", "tags": [tag, "maritime"]}
    response = stack.admin.patch(f"/admin/sources/{source['id']}", json=edit)
    assert response.status_code == 200, response.text
    # The edit is searchable as soon as it is answered: same commit, no new version needed.
    assert total([("q", "lighthouse")]) == 1
    assert total([("q", "beacons")]) == 1
    assert total([("q", "maritime")]) == 1
    assert total([("tag", "maritime")]) == 1
    assert total([("q", "buoy")]) == 0  # the old title no longer matches


# --- the two engines: the in-memory index and the SQL search -------------------------------

LIST_PARAMS = {"has_type", "lacks_type", "tag"}


def to_filter(params: Params) -> DatasetFilter:
    values: dict[str, Any] = {}
    for key, value in [("tag", TAG), *params]:
        if key in LIST_PARAMS:
            values.setdefault(key, []).append(value)
        else:
            values[key] = value
    return DatasetFilter.model_validate(values)


def engine_questions() -> list[DatasetFilter]:
    """Every filter case, in every order, with every facet, and a few pages."""
    found = []
    for _, params, _ in CASES:
        for sort in DatasetSort:
            has_q = any(key == "q" for key, _ in params)
            if sort is DatasetSort.RELEVANCE and not has_q:
                continue
            found.append(to_filter([*params, ("sort", sort.value), ("facets", list(Facet))]))
    for limit, offset in [(1, 0), (2, 3), (3, 6), (5, 50)]:
        found.append(to_filter([("limit", limit), ("offset", offset), ("sort", "-columns")]))
    return found


def test_the_index_answers_every_question_as_the_sql_search(stack: Stack, catalog: Loaded) -> None:
    """The API answers from the in-memory index; the SQL search is its fallback. Both, on the
    stack's PostgreSQL, give the same page, total and facets for every question above."""
    dsn = stack.endpoints["postgres"].replace("postgresql://", "postgresql+asyncpg://", 1)

    async def compare() -> list[str]:
        engine = create_async_engine(dsn)
        try:
            index = SearchIndex(engine)
            await index.reload_all()
            snapshot = await index.snapshot()
            differences = []
            async with read_session_factory(engine)() as session:
                repo = SqlCatalogRepository(session)
                for query in engine_questions():
                    items, total = await repo.search_datasets(query)
                    in_sql = (items, total, await repo.dataset_facets(query))
                    in_memory = (*snapshot.search(query), snapshot.facets(query))
                    if in_memory != in_sql:
                        differences.append(query.model_dump_json(exclude_none=True))
            return differences
        finally:
            await engine.dispose()

    assert asyncio.run(compare()) == []
    # And the API did answer from the index (not silently in SQL).
    metrics = stack.catalog.get("/metrics").text
    served = [line for line in metrics.splitlines() if 'searches_total{engine="index"}' in line]
    assert served
    assert float(served[0].split()[-1]) > 0, served
