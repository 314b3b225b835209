"""Adding the nullable columns a model gained to a table that already exists (no server:
the statements are planned from the metadata and compiled for PostgreSQL)."""

from __future__ import annotations

import logging

import pytest
from mdc_common.db import add_column_statements
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, text
from sqlalchemy.dialects import postgresql

DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def _metadata() -> MetaData:
    metadata = MetaData(schema="svc")
    Table(
        "source",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String, nullable=False),
        Column("check_requested_at", DateTime(timezone=True)),
        Column("note", String, server_default=text("'none'")),
        Column("size", Integer, nullable=False, server_default="0"),
    )
    Table("order", metadata, Column("id", Integer, primary_key=True), Column("at", DateTime))
    return metadata


def test_only_missing_nullable_columns_of_existing_tables_are_added(
    caplog: pytest.LogCaptureFixture,
) -> None:
    existing = {("svc", "source"): ["id", "name", "dropped_from_the_model"], ("svc", "order"): []}
    with caplog.at_level(logging.WARNING):
        statements = add_column_statements(_metadata(), existing, DIALECT)
    assert statements == [
        'ALTER TABLE svc."order" ADD COLUMN IF NOT EXISTS at TIMESTAMP WITHOUT TIME ZONE',
        "ALTER TABLE svc.source ADD COLUMN IF NOT EXISTS check_requested_at "
        "TIMESTAMP WITH TIME ZONE",
        "ALTER TABLE svc.source ADD COLUMN IF NOT EXISTS note VARCHAR DEFAULT 'none'",
    ]
    # Never dropped, never a NOT NULL column (nor a primary key): those are only reported.
    assert not any("DROP" in s or "dropped_from_the_model" in s for s in statements)
    missing_not_null = {(r.table, r.column) for r in caplog.records}  # type: ignore[attr-defined]
    assert missing_not_null == {("svc.source", "size"), ("svc.order", "id")}


def test_nothing_to_add_when_every_column_exists_or_the_table_is_new() -> None:
    metadata = _metadata()
    complete = {(t.schema, t.name): [c.name for c in t.columns] for t in metadata.tables.values()}
    assert add_column_statements(metadata, complete, DIALECT) == []
    assert add_column_statements(metadata, {}, DIALECT) == []  # create_all made them whole
