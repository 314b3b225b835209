"""Provider endpoints: the versioned spec of a dataset (renames, types, categories, units...)."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from mdc_common.errors import NotFound
from mdc_contracts import DatasetSpec

from mdc_catalog.api.deps import ProviderDep, RepositoryDep, require_provider
from mdc_catalog.schemas import SpecVersion, SpecVersionPage
from mdc_catalog.specs import SpecSink, list_spec_versions, publish_spec

log = logging.getLogger(__name__)

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No provider API key."},
    403: {"description": "The provider API key is not valid."},
    404: {"description": "No such dataset (or spec)."},
}

router = APIRouter(
    prefix="/admin/datasets",
    tags=["dataset specs (providers)"],
    dependencies=[Depends(require_provider)],
    responses=_ERRORS,
)


def get_spec_sink(request: Request) -> SpecSink:
    sink: SpecSink = request.app.state.spec_sink
    return sink


SpecSinkDep = Annotated[SpecSink, Depends(get_spec_sink)]


@router.put(
    "/{dataset_id}/spec",
    status_code=status.HTTP_201_CREATED,
    summary="Publish a new version of the dataset's spec; the latest raw file is re-standardized",
)
async def put_spec(
    dataset_id: uuid.UUID,
    body: DatasetSpec,
    repo: RepositoryDep,
    sink: SpecSinkDep,
    provider: ProviderDep,
) -> SpecVersion:
    return await publish_spec(repo, sink, dataset_id, body, provider.key_fingerprint)


@router.get("/{dataset_id}/spec", summary="The spec in force (latest version)")
async def get_spec(dataset_id: uuid.UUID, repo: RepositoryDep) -> SpecVersion:
    versions = await list_spec_versions(repo, dataset_id)
    if not versions:
        raise NotFound(f"dataset {dataset_id} has no spec")
    return versions[0]


@router.get("/{dataset_id}/spec/versions", summary="Every spec version, newest first")
async def get_spec_versions(dataset_id: uuid.UUID, repo: RepositoryDep) -> SpecVersionPage:
    versions = await list_spec_versions(repo, dataset_id)
    return SpecVersionPage(items=versions, total=len(versions))
