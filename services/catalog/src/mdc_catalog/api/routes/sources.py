"""Provider endpoints: define, inspect, change, pause and delete sources."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.exceptions import RequestValidationError

from mdc_catalog.api.deps import (
    MinCheckIntervalDep,
    ProviderDep,
    SourceAdminDep,
    require_provider,
)
from mdc_catalog.schemas import SourceCreate, SourceFilter, SourcePage, SourcePublic, SourceUpdate
from mdc_catalog.service import source_public

log = logging.getLogger(__name__)

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No provider API key."},
    403: {"description": "The provider API key is not valid."},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such source."}}

router = APIRouter(
    prefix="/admin/sources",
    tags=["sources (providers)"],
    dependencies=[Depends(require_provider)],  # every admin endpoint needs a provider key
    responses=_ERRORS,
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Define a new source",
    responses={409: {"description": "A source with this name exists."}},
)
async def create_source(
    body: SourceCreate, admin: SourceAdminDep, provider: ProviderDep, floor: MinCheckIntervalDep
) -> SourcePublic:
    _require_interval(body.check_interval_seconds, floor)
    source = await admin.create(body)
    log.info(
        "source defined by provider",
        extra={"source_id": str(source.id), "provider": provider.key_fingerprint},
    )
    return source_public(source)


@router.get("", summary="List sources")
async def list_sources(
    query: Annotated[SourceFilter, Query()], admin: SourceAdminDep
) -> SourcePage:
    return await admin.list(query)


@router.get("/{source_id}", summary="A source with its status", responses=_NOT_FOUND)
async def get_source(source_id: uuid.UUID, admin: SourceAdminDep) -> SourcePublic:
    return source_public(await admin.get(source_id))


@router.patch(
    "/{source_id}",
    summary="Change a source (only the fields sent); `active: false` pauses it",
    responses={**_NOT_FOUND, 409: {"description": "The source was deleted."}},
)
async def update_source(
    source_id: uuid.UUID,
    body: SourceUpdate,
    admin: SourceAdminDep,
    provider: ProviderDep,
    floor: MinCheckIntervalDep,
) -> SourcePublic:
    _require_interval(body.check_interval_seconds, floor)
    source = await admin.update(source_id, body)
    log.info(
        "source changed by provider",
        extra={"source_id": str(source_id), "provider": provider.key_fingerprint},
    )
    return source_public(source)


@router.delete(
    "/{source_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a source (soft: checks stop, datasets and history stay)",
    responses=_NOT_FOUND,
)
async def delete_source(
    source_id: uuid.UUID, admin: SourceAdminDep, provider: ProviderDep
) -> Response:
    await admin.delete(source_id)
    log.info(
        "source deleted by provider",
        extra={"source_id": str(source_id), "provider": provider.key_fingerprint},
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _require_interval(seconds: int | None, floor: int) -> None:
    """The deployment's floor (a setting), reported like any other validation error."""
    if seconds is not None and seconds < floor:
        raise RequestValidationError(
            [
                {
                    "type": "greater_than_equal",
                    "loc": ("body", "check_interval_seconds"),
                    "msg": f"Input should be greater than or equal to {floor}",
                    "input": seconds,
                    "ctx": {"ge": floor},
                }
            ]
        )
