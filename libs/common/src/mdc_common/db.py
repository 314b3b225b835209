"""PostgreSQL through SQLModel + asyncpg; each service owns one schema and creates its tables."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import Connection, MetaData, inspect, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.schema import CreateColumn
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_common.settings import DatabaseSettings

log = logging.getLogger(__name__)

# (schema, table) -> names of the columns the database has; schema None: the default one.
ExistingColumns = Mapping[tuple[str | None, str], Collection[str]]


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    return create_async_engine(
        settings.url.get_secret_value(), pool_size=settings.pool_size, pool_pre_ping=True
    )


def session_factory(
    engine: AsyncEngine, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions of `engine`; `info` starts each session's `Session.info` (read by events)."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, info=info)


def read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads only: autocommit, so no BEGIN / ROLLBACK round trip per request."""
    return session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))


async def create_schema(engine: AsyncEngine, schema: str, metadata: MetaData) -> None:
    """Create the service's schema and tables if missing, then add the missing nullable
    columns of existing tables (idempotent, safe under concurrency).

    `create_all` never alters a table that exists, so a column added to a model later would
    be missing from a database created earlier; see `add_missing_nullable_columns`.
    """
    async with engine.begin() as conn:
        # An advisory lock keeps two replicas starting together from racing on CREATE.
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": schema})
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await conn.run_sync(metadata.create_all)
        await conn.run_sync(add_missing_nullable_columns, metadata)


def add_missing_nullable_columns(conn: Connection, metadata: MetaData) -> list[str]:
    """Add every NULLABLE column of the metadata's tables that the database lacks, with
    `ALTER TABLE ... ADD COLUMN IF NOT EXISTS`; returns the statements run.

    Additive only: it never drops or changes a column, and never adds a NOT NULL one (that
    needs a value for the existing rows, so a real migration); such a column is logged and
    left alone. Indexes and constraints on the added columns are not created either.
    """
    inspector = inspect(conn)
    existing: dict[tuple[str | None, str], list[str]] = {}
    for schema in {table.schema for table in metadata.tables.values()}:
        found = inspector.get_multi_columns(schema=schema)
        existing |= {key: [c["name"] for c in columns] for key, columns in found.items()}
    statements = add_column_statements(metadata, existing, conn.dialect)
    for statement in statements:
        log.info("adding a column to an existing table", extra={"statement": statement})
        conn.execute(text(statement))
    return statements


def add_column_statements(
    metadata: MetaData, existing: ExistingColumns, dialect: Dialect
) -> list[str]:
    """The `ADD COLUMN IF NOT EXISTS` statements for the nullable columns that tables present
    in `existing` lack (a table absent from it is left to create_all)."""
    preparer = dialect.identifier_preparer
    statements: list[str] = []
    for table in metadata.sorted_tables:
        present = existing.get((table.schema, table.name))
        if present is None:
            continue
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable or column.primary_key:
                log.warning(
                    "a NOT NULL column is missing from an existing table; add it by hand",
                    extra={"table": table.fullname, "column": column.name},
                )
                continue
            spec = CreateColumn(column).compile(dialect=dialect)
            statements.append(
                f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN IF NOT EXISTS {spec}"
            )
    return statements


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
