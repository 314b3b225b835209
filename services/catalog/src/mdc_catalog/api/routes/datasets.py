"""Consumer endpoints: find datasets, read their schema and profile, and their history."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from mdc_common.errors import NotFound

from mdc_catalog.api.deps import RepositoryDep, SearchIndexDep, consumer_access
from mdc_catalog.metrics import CatalogMetrics
from mdc_catalog.schemas import (
    INT4_MAX,
    DatasetDetail,
    DatasetFilter,
    DatasetPage,
    SchemaChangePage,
    VersionDetail,
    VersionPage,
)
from mdc_catalog.search_index import find_datasets
from mdc_catalog.tableschema import table_schema
from mdc_catalog.version_diff import VersionDiff, version_diff

# Only with MDC_CATALOG_CONSUMER_ACCESS=key; public reads never answer these.
CONSUMER_ACCESS_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API key, and the deployment requires one for reads."},
    403: {"description": "The key is not valid or revoked (checked only when keys are required)."},
}

router = APIRouter(
    prefix="/datasets",
    tags=["datasets (consumers)"],
    # Public, or any valid API key with MDC_CATALOG_CONSUMER_ACCESS=key.
    dependencies=[Depends(consumer_access)],
    responses=CONSUMER_ACCESS_ERRORS,
)
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such dataset or version."}}


@router.get(
    "",
    summary="Search datasets: text, size, profile facts, source fields; facets and sorting",
)
async def list_datasets(
    request: Request,
    query: Annotated[DatasetFilter, Query()],
    repo: RepositoryDep,
    index: SearchIndexDep,
) -> DatasetPage:
    page, engine = await find_datasets(query, index, repo)
    metrics: CatalogMetrics | None = getattr(request.app.state, "catalog_metrics", None)
    if metrics is not None:
        metrics.searches.labels(engine).inc()
    return page


@router.get(
    "/{dataset_id}", summary="A dataset: its latest version and columns", responses=_NOT_FOUND
)
async def get_dataset(dataset_id: uuid.UUID, repo: RepositoryDep) -> DatasetDetail:
    dataset = await repo.get_dataset(dataset_id)
    if dataset is None:
        raise NotFound(f"no dataset with id {dataset_id}")
    return dataset


@router.get("/{dataset_id}/versions", summary="Version history, newest first", responses=_NOT_FOUND)
async def list_versions(dataset_id: uuid.UUID, repo: RepositoryDep) -> VersionPage:
    versions = await repo.list_versions(dataset_id)
    if not versions:  # every dataset has at least one version
        raise NotFound(f"no dataset with id {dataset_id}")
    return VersionPage(items=versions, total=len(versions))


@router.get(
    "/{dataset_id}/versions/{version}",
    summary="One version's schema and profile",
    responses=_NOT_FOUND,
)
async def get_version(
    dataset_id: uuid.UUID, version: Annotated[int, Path(ge=1, le=INT4_MAX)], repo: RepositoryDep
) -> VersionDetail:
    found = await repo.get_version(dataset_id, version)
    if found is None:
        raise NotFound(f"dataset {dataset_id} has no version {version}")
    return found


@router.get(
    "/{dataset_id}/versions/{version}/table-schema",
    summary="One version's schema as a Frictionless Table Schema",
    responses=_NOT_FOUND,
)
async def get_table_schema(
    dataset_id: uuid.UUID, version: Annotated[int, Path(ge=1, le=INT4_MAX)], repo: RepositoryDep
) -> dict[str, Any]:
    found = await repo.get_version(dataset_id, version)
    if found is None:
        raise NotFound(f"dataset {dataset_id} has no version {version}")
    return table_schema(found)


@router.get(
    "/{dataset_id}/schema-changes",
    summary="Drift between consecutive versions, newest first",
    responses=_NOT_FOUND,
)
async def list_schema_changes(dataset_id: uuid.UUID, repo: RepositoryDep) -> SchemaChangePage:
    if await repo.get_dataset(dataset_id) is None:
        raise NotFound(f"no dataset with id {dataset_id}")
    changes = await repo.list_schema_changes(dataset_id)
    return SchemaChangePage(items=changes, total=len(changes))


@router.get(
    "/{dataset_id}/diff",
    summary="Schema diff between any two versions (added, removed, renamed columns; dtype, "
    "stat type and level changes; null-rate and cardinality jumps), breaking or not",
    responses=_NOT_FOUND,
)
async def diff_versions(
    dataset_id: uuid.UUID,
    repo: RepositoryDep,
    from_version: Annotated[
        int, Query(alias="from", ge=1, le=INT4_MAX, description="The version compared from.")
    ],
    to_version: Annotated[
        int | None,
        Query(
            alias="to",
            ge=1,
            le=INT4_MAX,
            description="The version compared to; the latest if omitted.",
        ),
    ] = None,
) -> VersionDiff:
    if to_version is None:
        dataset = await repo.get_dataset(dataset_id)
        if dataset is None:
            raise NotFound(f"no dataset with id {dataset_id}")
        to_version = dataset.version
    versions = []
    for number in (from_version, to_version):
        found = await repo.get_version(dataset_id, number)
        if found is None:
            raise NotFound(f"dataset {dataset_id} has no version {number}")
        versions.append(found)
    return version_diff(*versions)
