"""Search facts of each dataset's latest version, denormalized so consumer search stays fast.

One row per dataset (`catalog.dataset_facts`), recomputed in SQL from the latest version's
columns whenever a version is recorded (`refresh_dataset_facts`), and for every dataset
without a row at start-up (`backfill_dataset_facts`). Filters then read a handful of integers
and arrays per dataset instead of aggregating `dataset_column` on every request.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from mdc_contracts import StatType, utc_now
from sqlalchemy import (
    DDL,
    BigInteger,
    ColumnElement,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Text,
    and_,
    case,
    cast,
    event,
    func,
    inspect,
    literal_column,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, aggregate_order_by, insert
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.schema import DropTable
from sqlmodel import Field, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_catalog.config import SCHEMA
from mdc_catalog.models import CatalogTable, Dataset, DatasetColumn, Source

# Open data here is multilingual: no stemming, just lower-cased words.
TEXT_CONFIG = literal_column("'simple'::regconfig")
# lower() and to_tsvector() follow the database's LC_CTYPE, which folds ASCII only under C
# (the local platform's initdb): 'Élévation' stayed 'Élévation'. The builtin C.UTF-8 collation
# (PostgreSQL 17+) lower-cases all of Unicode on any database, as the API's str.lower() does.
UNICODE_COLLATION = "pg_c_utf8"

CATEGORICAL_TYPES = (StatType.BINARY, StatType.NOMINAL, StatType.ORDINAL)
DATETIME_TYPES = (StatType.DATETIME, StatType.DATE, StatType.TIME)
MEASUREMENT_TYPES = (StatType.CONTINUOUS, StatType.COUNT)
GEO_TYPES = (StatType.LATITUDE, StatType.LONGITUDE)
# A column with one value is constant, not low-cardinality.
LOW_CARDINALITY_MIN = 2
NARROW_ROW_BYTES = 256
# One bit per statistical type in `stat_type_mask`: has/lacks-type filters test an integer
# instead of unpacking an array on every row. Bits are fixed once given (never renumbered).
STAT_TYPE_BITS: dict[str, int] = {
    StatType.CONSTANT: 1 << 0,
    StatType.BINARY: 1 << 1,
    StatType.NOMINAL: 1 << 2,
    StatType.ORDINAL: 1 << 3,
    StatType.COUNT: 1 << 4,
    StatType.CONTINUOUS: 1 << 5,
    StatType.DATETIME: 1 << 6,
    StatType.DATE: 1 << 7,
    StatType.TIME: 1 << 8,
    StatType.IDENTIFIER: 1 << 9,
    StatType.TEXT: 1 << 10,
    StatType.LATITUDE: 1 << 11,
    StatType.LONGITUDE: 1 << 12,
    StatType.EMPTY: 1 << 13,
}


def stat_type_mask(types: Sequence[str]) -> int:
    mask = 0
    for name in types:
        mask |= STAT_TYPE_BITS[name]
    return mask


# Source fields copied into the facts (text document, filters): editing one refreshes them.
SOURCE_SEARCH_FIELDS = frozenset({"title", "description", "tags", "publisher", "license"})


class DatasetFacts(CatalogTable, table=True):
    """Counts, type sets, column names and a text document of a dataset's latest version, and
    the dataset and source fields a search filters and sorts on: one narrow row per dataset,
    so a search reads this table alone and joins the rest for its page only."""

    __tablename__ = "dataset_facts"
    __table_args__ = (
        ForeignKeyConstraint(["dataset_id"], [f"{SCHEMA}.dataset.id"], ondelete="CASCADE"),
        Index("dataset_facts_binary_idx", "binary_columns"),
        Index("dataset_facts_categorical_idx", "categorical_columns"),
        Index("dataset_facts_datetime_idx", "datetime_columns"),
        Index("dataset_facts_measurement_idx", "measurement_columns"),
        Index("dataset_facts_stat_types_idx", "stat_types", postgresql_using="gin"),
        Index("dataset_facts_column_names_idx", "column_names", postgresql_using="gin"),
        Index("dataset_facts_typed_columns_idx", "typed_columns", postgresql_using="gin"),
        Index("dataset_facts_document_idx", "document", postgresql_using="gin"),
        Index("dataset_facts_name_idx", "name", "dataset_id"),
        Index("dataset_facts_tags_idx", "tags", postgresql_using="gin"),
        # Rows stay narrow (see STORAGE below): a search scans them all.
        {"postgresql_with": {"toast_tuple_target": NARROW_ROW_BYTES}},
    )

    dataset_id: uuid.UUID = Field(primary_key=True)
    version: int
    binary_columns: int = 0
    nominal_columns: int = 0
    ordinal_columns: int = 0
    categorical_columns: int = 0  # binary + nominal + ordinal
    datetime_columns: int = 0
    measurement_columns: int = 0
    identifier_columns: int = 0
    geo_columns: int = 0
    stat_types: list[str] = Field(default_factory=list, sa_type=ARRAY(Text))
    column_names: list[str] = Field(default_factory=list, sa_type=ARRAY(Text))  # lower-cased
    typed_columns: list[str] = Field(default_factory=list, sa_type=ARRAY(Text))  # "type:name"
    # Distinct counts (>= 2) of the categorical columns, ascending: low cardinality has a
    # per-request threshold T, and "at least k such columns" is then `categorical_distinct[k] <= T`.
    categorical_distinct: list[int] = Field(default_factory=list, sa_type=ARRAY(BigInteger))
    document: Any = Field(default=None, sa_type=TSVECTOR)
    refreshed_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    # Copies of the dataset (latest version) and of its source: filters and sort keys.
    name: str = ""
    row_count: int = Field(default=0, sa_type=BigInteger)
    column_count: int = 0
    updated_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    publisher: str | None = None
    license: str | None = None
    tags: list[str] = Field(default_factory=list, sa_type=ARRAY(Text))
    stat_type_mask: int = Field(default=0, sa_type=BigInteger)  # STAT_TYPE_BITS of stat_types


# The large values (text document, column names) live out of line, read only by a text or
# column filter through its GIN index; the small arrays every search reads stay in the row,
# uncompressed.
event.listen(
    DatasetFacts.__table__,  # type: ignore[attr-defined]
    "after_create",
    DDL(
        "ALTER TABLE %(fullname)s "
        "ALTER COLUMN document SET STORAGE EXTERNAL, "
        "ALTER COLUMN column_names SET STORAGE EXTERNAL, "
        "ALTER COLUMN typed_columns SET STORAGE EXTERNAL, "
        "ALTER COLUMN stat_types SET STORAGE PLAIN, "
        "ALTER COLUMN categorical_distinct SET STORAGE PLAIN, "
        "ALTER COLUMN tags SET STORAGE PLAIN"
    ),
)


def _types(values: Sequence[StatType]) -> list[str]:
    return [value.value for value in values]


def unicode_lower(text: Any) -> Any:
    return func.lower(cast(text, Text).collate(UNICODE_COLLATION))


def facts_select(dataset_ids: Sequence[uuid.UUID] | None = None) -> Any:
    """The facts of each dataset's latest version (of `dataset_ids`, or of those lacking facts)."""
    column = DatasetColumn.__table__.c  # type: ignore[attr-defined]
    present = column.position.is_not(None)  # LEFT JOIN: a dataset may have no columns

    def of_types(types: Sequence[StatType]) -> ColumnElement[bool]:
        return and_(present, column.stat_type.in_(_types(types)))

    def count(condition: ColumnElement[bool]) -> Any:
        return func.count().filter(condition)

    def collect(value: Any, condition: ColumnElement[bool], item_type: Any = Text) -> Any:
        empty = cast(literal_column("'{}'"), ARRAY(item_type))
        return func.coalesce(func.array_agg(value).filter(condition), empty)

    def collect_ascending(value: Any, condition: ColumnElement[bool]) -> Any:
        empty = cast(literal_column("'{}'"), ARRAY(BigInteger))
        ordered = func.array_agg(aggregate_order_by(value, value.asc()))
        return func.coalesce(ordered.filter(condition), empty)

    def words(value: Any, weight: str) -> Any:
        label = literal_column(f"'{weight}'")  # a constant: setweight takes a "char"
        text = unicode_lower(func.coalesce(value, ""))
        return func.setweight(func.to_tsvector(TEXT_CONFIG, text), label)

    lower_name = unicode_lower(column.name)
    document = (
        words(col(Dataset.name), "A")
        .op("||")(words(func.coalesce(col(Dataset.title), col(Source.title)), "A"))
        .op("||")(words(func.string_agg(column.name, " ").filter(present), "B"))
        .op("||")(words(cast(col(Source.tags), Text), "B"))
        .op("||")(words(func.coalesce(col(Dataset.description), col(Source.description)), "C"))
    )
    statement = (
        select(  # type: ignore[call-overload]
            col(Dataset.id).label("dataset_id"),
            col(Dataset.latest_version).label("version"),
            count(of_types([StatType.BINARY])).label("binary_columns"),
            count(of_types([StatType.NOMINAL])).label("nominal_columns"),
            count(of_types([StatType.ORDINAL])).label("ordinal_columns"),
            count(of_types(CATEGORICAL_TYPES)).label("categorical_columns"),
            count(of_types(DATETIME_TYPES)).label("datetime_columns"),
            count(of_types(MEASUREMENT_TYPES)).label("measurement_columns"),
            count(of_types([StatType.IDENTIFIER])).label("identifier_columns"),
            count(of_types(GEO_TYPES)).label("geo_columns"),
            func.coalesce(
                func.array_agg(column.stat_type.distinct()).filter(present),
                cast(literal_column("'{}'"), ARRAY(Text)),
            ).label("stat_types"),
            collect(lower_name, present).label("column_names"),
            collect(column.stat_type.op("||")(":").op("||")(lower_name), present).label(
                "typed_columns"
            ),
            collect_ascending(
                column.distinct_count,
                and_(of_types(CATEGORICAL_TYPES), column.distinct_count >= LOW_CARDINALITY_MIN),
            ).label("categorical_distinct"),
            document.label("document"),
            func.now().label("refreshed_at"),
            # In the table's column order (INSERT ... SELECT by position).
            col(Dataset.name).label("name"),
            col(Dataset.row_count).label("row_count"),
            col(Dataset.column_count).label("column_count"),
            col(Dataset.updated_at).label("updated_at"),
            col(Source.publisher).label("publisher"),
            col(Source.license).label("license"),
            func.array(
                select(func.jsonb_array_elements_text(cast(col(Source.tags), JSONB)))
                .distinct()
                .correlate(Source)  # this dataset's source's tags, not every source's
                .scalar_subquery()
            ).label("tags"),
            func.coalesce(
                func.bit_or(
                    case({k.value: v for k, v in STAT_TYPE_BITS.items()}, value=column.stat_type)
                ).filter(present),
                0,
            ).label("stat_type_mask"),
        )
        .select_from(Dataset)
        .outerjoin(
            DatasetColumn,
            and_(
                column.dataset_id == col(Dataset.id), column.version == col(Dataset.latest_version)
            ),
        )
        .outerjoin(Source, col(Source.id) == col(Dataset.source_id))
        .group_by(col(Dataset.id), col(Source.id))
    )
    if dataset_ids is not None:
        return statement.where(col(Dataset.id).in_(list(dataset_ids)))
    missing = select(DatasetFacts.dataset_id).where(  # type: ignore[call-overload]
        col(DatasetFacts.dataset_id) == col(Dataset.id)
    )
    return statement.where(~missing.exists())


def upsert_facts(dataset_ids: Sequence[uuid.UUID] | None = None) -> Any:
    """INSERT ... SELECT of `facts_select`, replacing a dataset's previous row."""
    table = DatasetFacts.__table__  # type: ignore[attr-defined]
    names = [c.name for c in table.columns]
    statement = insert(table).from_select(names, facts_select(dataset_ids))
    return statement.on_conflict_do_update(
        index_elements=[table.c.dataset_id],
        set_={name: statement.excluded[name] for name in names if name != "dataset_id"},
    )


async def refresh_dataset_facts(session: AsyncSession, dataset_id: uuid.UUID) -> None:
    """Recompute one dataset's facts in the session's transaction (commits with the version or
    the source change)."""
    await session.flush()  # the SELECT reads the source: a pending edit of it must be seen
    await session.exec(upsert_facts([dataset_id]))
    session.info.setdefault(FACTS_CHANGED, set()).add(dataset_id)


# Session.info keys: the datasets whose facts a transaction rewrote, and whom to tell at its
# commit (the search index of this process: its next search includes them).
FACTS_CHANGED = "mdc_catalog.facts_changed"
FACTS_LISTENER = "mdc_catalog.facts_listener"


@event.listens_for(Session, "after_commit")
def _tell_committed_facts(session: Session) -> None:
    changed = session.info.pop(FACTS_CHANGED, None)
    listener = session.info.get(FACTS_LISTENER)
    if changed and listener is not None:
        listener(changed)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_facts(session: Session) -> None:
    session.info.pop(FACTS_CHANGED, None)


async def rebuild_outdated_facts(engine: AsyncEngine) -> bool:
    """Drop `dataset_facts` when its columns are not the model's (a catalog upgraded across a
    change of the table): it holds only derived data, which the backfill recomputes. Run before
    create_schema; True when it was dropped."""
    table = DatasetFacts.__table__  # type: ignore[attr-defined]

    def columns(conn: Any) -> set[str] | None:
        inspector = inspect(conn)
        if not inspector.has_table(table.name, schema=SCHEMA):
            return None
        return {c["name"] for c in inspector.get_columns(table.name, schema=SCHEMA)}

    async with engine.begin() as conn:
        found = await conn.run_sync(columns)
        if found is None or found == {c.name for c in table.columns}:
            return False
        await conn.execute(DropTable(table, if_exists=True))
        return True


async def backfill_dataset_facts(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Compute the facts of every dataset that has none (datasets recorded before this table)."""
    async with sessions() as session:
        await session.exec(upsert_facts())
        await session.commit()
