"""Consumer search answered from memory: a columnar copy of `dataset_facts`, kept in sync.

The facts table (facts.py) stays the source of truth, and search.py's SQL the fallback. The
search *engine* is this in-process index, as DataHub and OpenMetadata keep theirs in
Elasticsearch: filters become numpy comparisons over a few thousand integers, terms are looked
up in sorted vocabularies, and a page is a slice of summaries built once. No database round
trip per search.

Freshness:
- every write of `dataset_facts` notifies the channel `mdc_catalog_facts` (a trigger), which a
  dedicated connection LISTENs to; the index reloads the notified datasets in the background
  (other replicas' writes appear within milliseconds);
- a commit of *this* process that changed facts (facts.refresh_dataset_facts marks its session)
  is applied before the next search answers: a provider reads what they just wrote;
- after the listening connection is (re)established the whole table is reloaded, so nothing is
  missed while it was down; meanwhile searches run in SQL.

Answers are those of the SQL search (search.py), from the same bound values: the text words
are matched as prefixes of the lexemes PostgreSQL itself computed for each dataset's document;
relevance is the sum over the distinct words of the best part each matches (name or title 10,
column or tag 4, description 2), then name and id: `search_relevance` in SQL, the same sum.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from mdc_common.notify import NotificationListener
from numpy.typing import NDArray
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mdc_catalog.config import SCHEMA
from mdc_catalog.schemas import (
    DatasetFilter,
    DatasetPage,
    DatasetSort,
    DatasetSummary,
    Facet,
    FacetCount,
)
from mdc_catalog.search import AT_LEAST, AT_MOST, FACET_SIZE, search_values

if TYPE_CHECKING:
    from mdc_catalog.repository import CatalogRepository

log = logging.getLogger(__name__)

CHANNEL = "mdc_catalog_facts"
# Relevance of a word by the best part of the document it matches (facts.py: A name and title,
# B columns and tags, C description): integers, so both engines' sums are exact and equal.
WEIGHTS = {"A": 10, "B": 4, "C": 2, "D": 1}
# Background reloads wait this long for more notifications: a batch of versions is one rebuild.
COALESCE_SECONDS = 0.25

# The facts columns the numeric filters compare (search.AT_LEAST / AT_MOST name them).
NUMERIC = (
    "row_count", "column_count", "binary_columns", "nominal_columns", "ordinal_columns",
    "categorical_columns", "datetime_columns", "measurement_columns", "identifier_columns",
    "geo_columns", "stat_type_mask", "updated_at",
)  # fmt: skip

# The schema is our constant, never input; the ids are a bound array.
LOAD = f"""
SELECT f.dataset_id, f.version, f.name, f.row_count, f.column_count, f.updated_at,
       f.binary_columns, f.nominal_columns, f.ordinal_columns, f.categorical_columns,
       f.datetime_columns, f.measurement_columns, f.identifier_columns, f.geo_columns,
       f.stat_type_mask, f.publisher, f.license, f.tags, f.stat_types, f.column_names,
       f.typed_columns, f.categorical_distinct,
       ARRAY(SELECT w.lexeme FROM unnest(f.document) w) AS lexemes,
       ARRAY(SELECT (SELECT min(x) FROM unnest(w.weights) x) FROM unnest(f.document) w)
         AS lexeme_weights,
       coalesce(d.title, s.title) AS title, d.source_id, d.parquet_uri
FROM {SCHEMA}.dataset_facts f
JOIN {SCHEMA}.dataset d ON d.id = f.dataset_id
LEFT JOIN {SCHEMA}.source s ON s.id = d.source_id
"""  # noqa: S608
LOAD_ALL = text(LOAD)
LOAD_SOME = text(LOAD + "WHERE f.dataset_id = ANY(:ids)")


@dataclass(frozen=True, slots=True)
class FactsRecord:
    """What the index keeps of one dataset: its page row and every searched fact."""

    summary: DatasetSummary
    numbers: Mapping[str, int]  # by facts column name (NUMERIC); updated_at in microseconds
    publisher: str | None
    license: str | None
    tags: tuple[str, ...]
    stat_types: tuple[str, ...]
    column_names: tuple[str, ...]
    typed_columns: tuple[str, ...]
    categorical_distinct: tuple[int, ...]  # ascending
    lexemes: tuple[str, ...]
    lexeme_weights: tuple[int, ...]

    @property
    def dataset_id(self) -> uuid.UUID:
        return self.summary.id


def microseconds(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def record_from_row(row: Mapping[Any, Any]) -> FactsRecord:
    summary = DatasetSummary(
        id=row["dataset_id"],
        name=row["name"],
        title=row["title"],
        source_id=row["source_id"],
        row_count=row["row_count"],
        column_count=row["column_count"],
        version=row["version"],
        updated_at=row["updated_at"],
        parquet_uri=row["parquet_uri"],
    )
    numbers = {name: row[name] for name in NUMERIC if name != "updated_at"}
    numbers["updated_at"] = microseconds(row["updated_at"])
    return FactsRecord(
        summary=summary,
        numbers=numbers,
        publisher=row["publisher"],
        license=row["license"],
        tags=tuple(dict.fromkeys(row["tags"] or ())),
        stat_types=tuple(dict.fromkeys(row["stat_types"] or ())),
        column_names=tuple(dict.fromkeys(row["column_names"] or ())),
        typed_columns=tuple(dict.fromkeys(row["typed_columns"] or ())),
        categorical_distinct=tuple(row["categorical_distinct"] or ()),
        lexemes=tuple(row["lexemes"] or ()),
        lexeme_weights=tuple(WEIGHTS.get(w, WEIGHTS["D"]) for w in row["lexeme_weights"] or ()),
    )


class TermIndex:
    """Terms of each row (tags, column names, lexemes...) as posting lists over a sorted
    vocabulary: a term or a prefix is a contiguous range of entries."""

    def __init__(
        self, terms: Sequence[Sequence[str]], weights: Sequence[Sequence[int]] | None = None
    ) -> None:
        self.vocabulary = sorted({term for row in terms for term in row})
        code = {term: n for n, term in enumerate(self.vocabulary)}
        lengths = np.fromiter((len(row) for row in terms), np.int64, len(terms))
        total = int(lengths.sum())
        codes = np.fromiter((code[t] for row in terms for t in row), np.int32, total)
        order = np.argsort(codes, kind="stable")
        self.codes = codes[order]
        self.rows = np.repeat(np.arange(len(terms), dtype=np.int32), lengths)[order]
        self.weights: NDArray[np.int64] | None = None
        if weights is not None:
            flat = np.fromiter((w for row in weights for w in row), np.int64, total)
            self.weights = flat[order]
        self.starts = np.searchsorted(self.codes, np.arange(len(self.vocabulary) + 1))

    def _entries(self, first: int, last: int) -> slice:
        return slice(int(self.starts[first]), int(self.starts[last]))

    def rows_with(self, term: str) -> NDArray[np.int32]:
        at = bisect_left(self.vocabulary, term)
        if at == len(self.vocabulary) or self.vocabulary[at] != term:
            return self.rows[:0]
        return self.rows[self._entries(at, at + 1)]

    def prefixed(self, prefix: str) -> slice:
        """The entries of every term starting with `prefix`."""
        first = bisect_left(self.vocabulary, prefix)
        last = bisect_left(self.vocabulary, prefix + "\U0010ffff", lo=first)
        return self._entries(first, last)

    def counts(self, matched: NDArray[np.bool_]) -> list[tuple[str, int]]:
        """(term, rows among `matched` having it) for every term some matched row has."""
        counted = np.bincount(self.codes[matched[self.rows]], minlength=len(self.vocabulary))
        present = np.flatnonzero(counted)
        return [(self.vocabulary[n], int(counted[n])) for n in present]


# Which rows match a query, and their relevance (zero without a text query).
Matching = tuple[NDArray[np.bool_], NDArray[np.int64]]


class Snapshot:
    """An immutable, searchable copy of the facts of every dataset (rebuilt on change)."""

    def __init__(self, records: Iterable[FactsRecord]) -> None:
        self.records = sorted(records, key=lambda r: r.dataset_id)
        size = len(self.records)
        self.size = size
        self.numbers = {
            name: np.fromiter((r.numbers[name] for r in self.records), np.int64, size)
            for name in NUMERIC
        }
        # Ranks instead of strings and UUIDs: every sort is then a numpy lexsort.
        self.id_rank = np.arange(size)  # records are in id order
        names = sorted({r.summary.name for r in self.records})
        name_rank = {name: n for n, name in enumerate(names)}
        self.name_rank = np.fromiter((name_rank[r.summary.name] for r in self.records), np.int64)
        self.names = TermIndex([(r.summary.name,) for r in self.records])
        self.publishers = TermIndex([_present(r.publisher) for r in self.records])
        self.licenses = TermIndex([_present(r.license) for r in self.records])
        self.tags = TermIndex([r.tags for r in self.records])
        self.stat_types = TermIndex([r.stat_types for r in self.records])
        self.column_names = TermIndex([r.column_names for r in self.records])
        self.typed_columns = TermIndex([r.typed_columns for r in self.records])
        self.words = TermIndex(
            [r.lexemes for r in self.records], [r.lexeme_weights for r in self.records]
        )
        # Ascending distinct counts of the categorical columns, row after row.
        lengths = np.fromiter((len(r.categorical_distinct) for r in self.records), np.int64, size)
        self.distinct_length = lengths
        self.distinct_start = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        self.distinct = np.fromiter(
            (d for r in self.records for d in r.categorical_distinct), np.int64, int(lengths.sum())
        )

    # --- filters

    def matching(self, query: DatasetFilter) -> Matching:
        """Which rows match `query`, and their relevance (zero without a text query)."""
        values = search_values(query)
        matched = np.ones(self.size, dtype=bool)
        for name, index in (
            ("name", self.names),
            ("publisher", self.publishers),
            ("license", self.licenses),
        ):
            if name in values:
                matched &= self._rows(index.rows_with(values[name]))
        for name, column in AT_LEAST.items():
            if name in values:
                matched &= self.numbers[column.key] >= _number(values[name])
        for name, column in AT_MOST.items():
            if name in values:
                matched &= self.numbers[column.key] <= _number(values[name])
        for name, index in (
            ("tag", self.tags),
            ("column_name", self.column_names),
            ("typed_column", self.typed_columns),
        ):
            for term in values.get(name, ()):
                matched &= self._rows(index.rows_with(term))
        if "low_k" in values:
            matched &= self._low_cardinality(values["low_k"], values["low_max"])
        mask = self.numbers["stat_type_mask"]
        for name in ("has_type", "column_type"):
            if name in values:
                matched &= (mask & values[name]) == values[name]
        if "lacks_type" in values:
            matched &= (mask & values["lacks_type"]) == 0
        relevance = np.zeros(self.size, dtype=np.int64)
        for word in dict.fromkeys(query.query_words()):
            entries = self.words.prefixed(word)
            best = np.zeros(self.size, dtype=np.int64)
            assert self.words.weights is not None
            np.maximum.at(best, self.words.rows[entries], self.words.weights[entries])
            matched &= best > 0
            relevance += best
        return matched, relevance

    def _rows(self, rows: NDArray[np.int32]) -> NDArray[np.bool_]:
        found = np.zeros(self.size, dtype=bool)
        found[rows] = True
        return found

    def _low_cardinality(self, k: int, threshold: int) -> NDArray[np.bool_]:
        """At least k categorical columns with 2..threshold distinct values: the k-th smallest
        distinct count is within the threshold (as search.low_cardinality_at_least)."""
        enough = self.distinct_length >= k
        if not enough.any():
            return enough
        kth = self.distinct[self.distinct_start[enough] + k - 1]
        enough[enough] = kth <= threshold
        return enough

    # --- results

    def search(
        self, query: DatasetFilter, found: Matching | None = None
    ) -> tuple[list[DatasetSummary], int]:
        """The page and the total; `found`: `matching(query)` if already computed."""
        matched, relevance = found or self.matching(query)
        rows = np.flatnonzero(matched)
        order = rows[np.lexsort(self._sort_keys(query.effective_sort(), rows, relevance))]
        page = order[query.offset : query.offset + query.limit]
        return [self.records[n].summary for n in page], len(rows)

    def _sort_keys(
        self, sort: DatasetSort, rows: NDArray[np.intp], relevance: NDArray[np.int64]
    ) -> tuple[NDArray[Any], ...]:
        """numpy.lexsort keys (last is primary) of search.search_order: the id breaks ties."""
        ids = self.id_rank[rows]
        by: dict[DatasetSort, NDArray[Any]] = {
            DatasetSort.NAME: self.name_rank,
            DatasetSort.NAME_DESC: -self.name_rank,
            DatasetSort.ROWS: self.numbers["row_count"],
            DatasetSort.ROWS_DESC: -self.numbers["row_count"],
            DatasetSort.COLUMNS: self.numbers["column_count"],
            DatasetSort.COLUMNS_DESC: -self.numbers["column_count"],
            DatasetSort.UPDATED: self.numbers["updated_at"],
            DatasetSort.UPDATED_DESC: -self.numbers["updated_at"],
        }
        if sort is DatasetSort.RELEVANCE:
            return ids, self.name_rank[rows], -relevance[rows]
        return ids, by[sort][rows]

    def facets(
        self, query: DatasetFilter, found: Matching | None = None
    ) -> dict[Facet, list[FacetCount]]:
        """Counts per value of the requested facets over the whole result."""
        matched, _ = found or self.matching(query)
        indexes = {
            Facet.PUBLISHER: self.publishers,
            Facet.LICENSE: self.licenses,
            Facet.TAG: self.tags,
            Facet.STAT_TYPE: self.stat_types,
        }
        by_facet: dict[Facet, list[FacetCount]] = {}
        for facet in query.facets or ():
            counts = sorted(indexes[facet].counts(matched), key=lambda c: (-c[1], c[0]))
            by_facet[facet] = [FacetCount(value=v, count=n) for v, n in counts[:FACET_SIZE]]
        return by_facet


def _present(value: str | None) -> tuple[str, ...]:
    return () if value is None else (value,)


def _number(value: int | datetime) -> int:
    return microseconds(value) if isinstance(value, datetime) else value


class SearchIndex:
    """The current Snapshot, the changes not yet in it, and the loop that keeps it in sync."""

    def __init__(
        self, engine: AsyncEngine, on_rebuild: Callable[[int, float], None] | None = None
    ) -> None:
        self._engine = engine
        self._on_rebuild = on_rebuild
        self._records: dict[uuid.UUID, FactsRecord] = {}
        self._snapshot: Snapshot | None = None
        self._lock = asyncio.Lock()
        self._pending: set[uuid.UUID] = set()
        self._noted_local = 0  # local commits noted / applied: searches wait for these
        self._applied_local = 0
        self._notified = asyncio.Event()
        self._listener = NotificationListener(
            engine, CHANNEL, self._note_notification, self._reload_and_log
        )

    @property
    def ready(self) -> bool:
        """Loaded and listening: searches may be answered from memory."""
        return self._snapshot is not None and self._listener.ready

    async def wait_ready(self) -> None:
        await self._listener.wait_ready()

    def note_local_commit(self, dataset_ids: Iterable[uuid.UUID]) -> None:
        """A transaction of this process changed these datasets' facts (called at commit)."""
        self._pending.update(dataset_ids)
        self._noted_local += 1

    def _note_notification(self, payload: str) -> None:
        try:
            self._pending.add(uuid.UUID(payload))
        except ValueError:
            log.warning("ignored a malformed facts notification", extra={"payload": payload})
            return
        self._notified.set()

    async def snapshot(self) -> Snapshot:
        """The snapshot with every facts change this process committed so far."""
        wanted = self._noted_local
        if self._applied_local < wanted or self._snapshot is None:
            async with self._lock:
                if self._applied_local < wanted or self._snapshot is None:
                    await self._apply_pending()
        assert self._snapshot is not None
        return self._snapshot

    async def reload_all(self) -> None:
        async with self._lock:
            await self._reload_all()

    async def _reload_and_log(self) -> None:
        await self.reload_all()
        log.info("search index loaded", extra={"datasets": len(self._records)})

    async def _reload_all(self) -> None:
        """Load every dataset's facts and rebuild (the lock held)."""
        noted = self._noted_local
        self._pending.clear()
        async with self._engine.connect() as conn:
            rows = (await conn.execute(LOAD_ALL)).mappings().all()
        self._records = {r.dataset_id: r for r in map(record_from_row, rows)}
        await self._rebuild()
        self._applied_local = noted

    async def _apply_pending(self) -> None:
        """Reload the pending datasets and rebuild (the lock held)."""
        if self._snapshot is None:
            await self._reload_all()
            return
        noted = self._noted_local
        changed, self._pending = self._pending, set()
        if changed:
            try:
                async with self._engine.connect() as conn:
                    result = await conn.execute(LOAD_SOME, {"ids": list(changed)})
                    rows = result.mappings().all()
            except BaseException:
                self._pending |= changed  # retried by the next search or notification
                raise
            for dataset_id in changed:
                self._records.pop(dataset_id, None)
            self._records.update((r.dataset_id, r) for r in map(record_from_row, rows))
            await self._rebuild()
        self._applied_local = max(self._applied_local, noted)

    async def _rebuild(self) -> None:
        started = time.perf_counter()
        # Off the event loop (~60 ms for 2,000 datasets): searches go on with the old snapshot.
        self._snapshot = await asyncio.to_thread(Snapshot, list(self._records.values()))
        if self._on_rebuild is not None:
            self._on_rebuild(self._snapshot.size, time.perf_counter() - started)

    async def keep_in_sync(self) -> None:
        """LISTEN for facts changes and apply them; after each (re)connect everything is
        reloaded, so nothing is missed. Runs until cancelled."""
        applier = asyncio.create_task(self._apply_notified())
        try:
            await self._listener.run()
        finally:
            applier.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await applier

    async def _apply_notified(self) -> None:
        while True:
            await self._notified.wait()
            await asyncio.sleep(COALESCE_SECONDS)
            self._notified.clear()
            try:
                async with self._lock:
                    if self._pending:
                        await self._apply_pending()
            except Exception:
                log.exception("applying facts notifications failed; retried on the next one")


async def find_datasets(
    query: DatasetFilter, index: SearchIndex | None, repo: CatalogRepository
) -> tuple[DatasetPage, str]:
    """The page (and facets) of `query`, from the index when it is in sync, else in SQL; and
    which engine answered."""
    if index is not None and index.ready:
        snapshot = await index.snapshot()
        found = snapshot.matching(query)  # once, for the page and the facets
        items, total = snapshot.search(query, found)
        facets = snapshot.facets(query, found) if query.facets else None
        return DatasetPage(items=items, total=total, facets=facets), "index"
    items, total = await repo.search_datasets(query)
    facets = await repo.dataset_facets(query) if query.facets else None
    return DatasetPage(items=items, total=total, facets=facets), "sql"


# --- in the database: relevance (for the SQL search) and the change notifications ----------

RELEVANCE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {SCHEMA}.search_relevance(document tsvector, words text[])
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(sum(best), 0)::integer FROM (
    SELECT max(CASE weight {" ".join(f"WHEN '{k}' THEN {v}" for k, v in WEIGHTS.items())} END)
      AS best
    FROM unnest(words) AS asked(word)
    JOIN unnest(document) AS found ON starts_with(found.lexeme, asked.word)
    CROSS JOIN LATERAL unnest(found.weights) AS weight
    GROUP BY asked.word
  ) AS per_word
$$
"""  # noqa: S608

NOTIFY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {SCHEMA}.announce_facts_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('{CHANNEL}', coalesce(NEW.dataset_id, OLD.dataset_id)::text);
  RETURN NULL;
END $$
"""
NOTIFY_TRIGGER = f"""
CREATE OR REPLACE TRIGGER dataset_facts_announce
AFTER INSERT OR UPDATE OR DELETE ON {SCHEMA}.dataset_facts
FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.announce_facts_change()
"""


async def install_search_support(engine: AsyncEngine) -> None:
    """The relevance function of the SQL search and the trigger announcing each facts change
    (idempotent; run after create_schema)."""
    async with engine.begin() as conn:
        # Replicas starting together would race on CREATE OR REPLACE ("tuple concurrently
        # updated"): one at a time.
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": CHANNEL})
        await conn.execute(text(RELEVANCE_FUNCTION))
        await conn.execute(text(NOTIFY_FUNCTION))
        await conn.execute(text(NOTIFY_TRIGGER))
