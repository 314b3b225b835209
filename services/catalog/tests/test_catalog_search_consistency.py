"""Search answers that must agree with what was stored, whatever the database and the edits:

- text search reads a source's title, description and tags from the dataset's facts, so a
  source edit of one of them refreshes those facts in the same commit;
- names and words are lower-cased with Unicode rules on any database (a C-locale database
  lower-cases ASCII only, so 'Élévation' never matched the API's 'élévation');
- a facet counts datasets, not occurrences (a source may list a tag twice).

On PostgreSQL: tests/integration/test_catalog_search.py.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from catalog_fakes import FakeRepository, FakeSink
from mdc_catalog.facts import UNICODE_COLLATION, upsert_facts
from mdc_catalog.schemas import DatasetFilter, SourceCreate, SourceUpdate
from mdc_catalog.search import facet_statement
from mdc_catalog.service import SourceAdmin
from sqlalchemy.dialects import postgresql

DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


async def _source_with_dataset(repo: FakeRepository, dataset: bool = True) -> uuid.UUID:
    admin = SourceAdmin(repo, FakeSink())
    source = await admin.create(SourceCreate(name="buoys", url="https://data.example.org/b.csv"))
    if dataset:  # as recorded with its first version: a source's dataset has its id
        repo.sources[source.id].dataset_id = source.id
    repo.refreshed_facts.clear()
    return source.id


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Lighthouses"},
        {"description": "Beacon log"},
        {"tags": ["maritime"]},
        {"publisher": "Port"},
        {"license": "CC0-1.0"},
    ],
)
async def test_editing_a_searched_field_refreshes_the_facts(change: dict[str, Any]) -> None:
    repo = FakeRepository()
    source_id = await _source_with_dataset(repo)
    commits = repo.commits
    await SourceAdmin(repo, FakeSink()).update(source_id, SourceUpdate.model_validate(change))
    assert repo.refreshed_facts == [source_id]
    assert repo.commits > commits


@pytest.mark.parametrize("change", [{"check_interval_seconds": 60}, {"cadence": "daily"}])
async def test_other_edits_leave_the_facts_alone(change: dict[str, Any]) -> None:
    # Fields the search never reads.
    repo = FakeRepository()
    source_id = await _source_with_dataset(repo)
    await SourceAdmin(repo, FakeSink()).update(source_id, SourceUpdate.model_validate(change))
    assert repo.refreshed_facts == []


async def test_a_source_without_dataset_has_no_facts_to_refresh() -> None:
    repo = FakeRepository()
    source_id = await _source_with_dataset(repo, dataset=False)
    await SourceAdmin(repo, FakeSink()).update(source_id, SourceUpdate(tags=["maritime"]))
    assert repo.refreshed_facts == []


async def test_an_unchanged_value_refreshes_nothing() -> None:
    repo = FakeRepository()
    source_id = await _source_with_dataset(repo)
    await SourceAdmin(repo, FakeSink()).update(source_id, SourceUpdate(tags=[]))
    assert repo.refreshed_facts == []


def test_facts_lower_case_with_unicode_rules() -> None:
    sql = str(upsert_facts().compile(dialect=DIALECT))
    unicode_lower = f"lower(CAST(catalog.dataset_column.name AS TEXT) COLLATE {UNICODE_COLLATION})"
    assert sql.count(unicode_lower) == 2  # column names, and "type:name"
    # Every part of the text document is lower-cased before to_tsvector.
    assert sql.count("to_tsvector('simple'::regconfig, lower(") == 5
    assert "lower(catalog.dataset_column.name)" not in sql


def test_facets_count_distinct_datasets() -> None:
    query = DatasetFilter(facets=["publisher", "license", "tag", "stat_type"])
    sql = str(facet_statement(query).compile(dialect=DIALECT))
    assert sql.count("count(DISTINCT matched.id)") == 4
    assert "count(*)" not in sql


def test_the_facts_copy_the_tags_of_their_own_source_only() -> None:
    from mdc_catalog.facts import facts_select
    from sqlalchemy.dialects import postgresql

    sql = str(facts_select().compile(dialect=postgresql.dialect()))
    # Correlated: the tag subquery reads the joined source row, it does not scan `source`.
    assert "FROM catalog.source" not in sql
    assert "LEFT OUTER JOIN catalog.source" in sql


def test_every_stat_type_has_its_own_bit() -> None:
    from mdc_catalog.facts import STAT_TYPE_BITS, stat_type_mask
    from mdc_contracts import StatType

    assert set(STAT_TYPE_BITS) == set(StatType)
    bits = list(STAT_TYPE_BITS.values())
    assert all(bit & (bit - 1) == 0 for bit in bits)  # powers of two
    assert len(set(bits)) == len(bits)
    assert (
        stat_type_mask(["date", "latitude"]) == STAT_TYPE_BITS["date"] | STAT_TYPE_BITS["latitude"]
    )
