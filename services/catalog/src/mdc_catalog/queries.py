"""Read statements of the catalog and the mapping of their rows to API models.

Statements are built here as plain functions, so the filter logic can be checked by compiling
them (every value a bound parameter) without a database.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from mdc_catalog.models import (
    Dataset,
    DatasetColumn,
    DatasetVersion,
    DatasetVersionProfile,
    SchemaChangeRecord,
    Source,
)
from mdc_catalog.schemas import (
    ColumnPublic,
    DatasetDetail,
    DatasetFilter,
    DatasetSort,
    DatasetSummary,
    SchemaChangePublic,
    VersionDetail,
    VersionSummary,
)
from mdc_catalog.search import (
    TEMPLATES,
    Shape,
    count_statement,
    page_of_ids,
    search_shape,
    search_values,
)

# A source dataset shows its source's title and description unless it has its own.
_title = func.coalesce(col(Dataset.title), col(Source.title)).label("title")
_description = func.coalesce(col(Dataset.description), col(Source.description)).label("description")


def _dataset_rows() -> Select[Any]:
    return _dataset_columns().outerjoin(Source, col(Source.id) == col(Dataset.source_id))


def _dataset_columns() -> Select[Any]:
    return select(  # type: ignore[call-overload, no-any-return]  # typed up to 4 columns
        col(Dataset.id),
        col(Dataset.name),
        _title,
        _description,
        col(Dataset.source_id),
        col(Dataset.row_count),
        col(Dataset.column_count),
        col(Dataset.latest_version).label("version"),
        col(Dataset.updated_at),
        col(Dataset.parquet_uri),
        col(Dataset.raw_sha256),
        col(Dataset.encoding),
        col(Dataset.delimiter),
        col(Dataset.created_at),
    ).select_from(Dataset)


@lru_cache(maxsize=TEMPLATES)
def _page_template(shape: Shape, sort: DatasetSort) -> Select[Any]:
    page, order = page_of_ids(shape, sort)
    return (  # type: ignore[no-any-return]
        _dataset_rows()
        .add_columns(page.c.total)
        .join(page, page.c.dataset_id == col(Dataset.id))
        .order_by(*order)
    )


def page_search(query: DatasetFilter) -> tuple[Select[Any], dict[str, Any]]:
    """One page of datasets, in the requested order with ties broken by id (stable pages), each
    row with the `total` of the whole result; the statement of the query's shape (cached) and
    the values to execute it with. The filters, order and count run on the narrow
    `dataset_facts` alone; dataset and source are joined for the page's rows only."""
    values = search_values(query)
    template = _page_template(search_shape(values), query.effective_sort())
    return template, {**values, "limit": query.limit, "offset": query.offset}


def count_search(query: DatasetFilter) -> tuple[Select[Any], dict[str, Any]]:
    values = search_values(query)
    return count_statement(search_shape(values)), values


def dataset_search(query: DatasetFilter) -> Select[Any]:
    """`page_search` with its values bound (to compile and inspect)."""
    template, values = page_search(query)
    return template.params(values)


def dataset_count(query: DatasetFilter) -> Select[Any]:
    template, values = count_search(query)
    return template.params(values)


def dataset_by_id(dataset_id: uuid.UUID) -> Select[Any]:
    return _dataset_rows().where(col(Dataset.id) == dataset_id)


def dataset_columns(dataset_id: uuid.UUID, version: int) -> SelectOfScalar[DatasetColumn]:
    return (
        select(DatasetColumn)
        .where(DatasetColumn.dataset_id == dataset_id, DatasetColumn.version == version)
        .order_by(col(DatasetColumn.position))
    )


def dataset_versions(dataset_id: uuid.UUID) -> SelectOfScalar[DatasetVersion]:
    return (
        select(DatasetVersion)
        .where(DatasetVersion.dataset_id == dataset_id)
        .order_by(col(DatasetVersion.version).desc())
    )


def dataset_version(dataset_id: uuid.UUID, version: int) -> SelectOfScalar[DatasetVersion]:
    return select(DatasetVersion).where(
        DatasetVersion.dataset_id == dataset_id, DatasetVersion.version == version
    )


def version_profile(dataset_id: uuid.UUID, version: int) -> SelectOfScalar[DatasetVersionProfile]:
    return select(DatasetVersionProfile).where(
        DatasetVersionProfile.dataset_id == dataset_id, DatasetVersionProfile.version == version
    )


def schema_changes(dataset_id: uuid.UUID) -> SelectOfScalar[SchemaChangeRecord]:
    return (
        select(SchemaChangeRecord)
        .where(SchemaChangeRecord.dataset_id == dataset_id)
        .order_by(
            col(SchemaChangeRecord.to_version).desc(), col(SchemaChangeRecord.occurred_at).desc()
        )
    )


# --- rows to API models --------------------------------------------------------------------


def summary_from_row(row: Any) -> DatasetSummary:
    return DatasetSummary.model_validate(row._mapping, from_attributes=False)


def detail_from_row(
    row: Any, columns: Sequence[DatasetColumn], facts: DatasetVersionProfile | None = None
) -> DatasetDetail:
    return DatasetDetail.model_validate(
        {**row._mapping, **version_facts(facts), "columns": public_columns(columns, facts)}
    )


def public_columns(
    columns: Sequence[DatasetColumn], facts: DatasetVersionProfile | None = None
) -> list[ColumnPublic]:
    """Flat columns, completed with the full profile stored for the version (by position)."""
    profiles = {c.get("position"): c for c in facts.columns} if facts else {}
    return [
        ColumnPublic.model_validate(
            {
                **profiles.get(column.position, {}),
                **column.model_dump(exclude={"dataset_id", "version"}),
            }
        )
        for column in columns
    ]


def version_facts(facts: DatasetVersionProfile | None) -> dict[str, Any]:
    if facts is None:
        return {}
    return {
        "profile": facts.profile,
        "read": facts.read,
        "spec_version": facts.spec_version,
        "reason": facts.reason,
    }


def schema_change_public(record: SchemaChangeRecord) -> SchemaChangePublic:
    return SchemaChangePublic.model_validate(record, from_attributes=True)


def version_summary(version: DatasetVersion) -> VersionSummary:
    return VersionSummary.model_validate(version, from_attributes=True)


def version_detail(
    version: DatasetVersion,
    columns: Sequence[DatasetColumn],
    facts: DatasetVersionProfile | None = None,
) -> VersionDetail:
    return VersionDetail.model_validate(
        {
            **version.model_dump(),
            **version_facts(facts),
            "columns": public_columns(columns, facts),
        }
    )
