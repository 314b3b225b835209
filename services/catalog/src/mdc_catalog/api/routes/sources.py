"""Provider endpoints: define, inspect, change, pause, check now and delete sources (each
change audited).

Technicians may read sources and their status; changes need a provider or admin key.
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.exceptions import RequestValidationError

from mdc_catalog.api.deps import (
    AuditDep,
    MinCheckIntervalDep,
    ProviderDep,
    SourceAdminDep,
    require_status_reader,
)
from mdc_catalog.schemas import SourceCreate, SourceFilter, SourcePage, SourcePublic, SourceUpdate
from mdc_catalog.service import AuditTrail, SourceAdmin, source_public

log = logging.getLogger(__name__)

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API key."},
    403: {
        "description": "The key is not valid or revoked, or its role may not do this "
        "(reads: provider, technician, admin; changes: provider, admin)."
    },
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such source."}}

router = APIRouter(
    prefix="/admin/sources",
    tags=["sources (providers)"],
    # Reads for technicians too; every change also asks for ProviderDep (provider or admin).
    dependencies=[Depends(require_status_reader)],
    responses=_ERRORS,
)


def get_audited_source_admin(
    admin: SourceAdminDep, audit: AuditDep, caller: ProviderDep
) -> SourceAdmin:
    return admin.audited(AuditTrail(log=audit, actor=caller.name, role=caller.role.value))


# Changes: the caller must be a provider or admin, and each change is recorded in its name.
AuditedAdminDep = Annotated[SourceAdmin, Depends(get_audited_source_admin)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Define a new source",
    responses={409: {"description": "A source with this name exists."}},
)
async def create_source(
    body: SourceCreate, admin: AuditedAdminDep, floor: MinCheckIntervalDep
) -> SourcePublic:
    _require_interval(body.check_interval_seconds, floor)
    source = await admin.create(body)
    _log_change("source defined", source.id, admin)
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
    admin: AuditedAdminDep,
    floor: MinCheckIntervalDep,
) -> SourcePublic:
    _require_interval(body.check_interval_seconds, floor)
    source = await admin.update(source_id, body)
    _log_change("source changed", source_id, admin)
    return source_public(source)


@router.post(
    "/{source_id}/pause",
    summary="Pause a source: its checks stop until it is resumed (as PATCH active: false)",
    responses={**_NOT_FOUND, 409: {"description": "The source was deleted."}},
)
async def pause_source(source_id: uuid.UUID, admin: AuditedAdminDep) -> SourcePublic:
    source = await admin.update(source_id, SourceUpdate(active=False), action="source.pause")
    _log_change("source paused", source_id, admin)
    return source_public(source)


@router.post(
    "/{source_id}/resume",
    summary="Resume a paused source (as PATCH active: true)",
    responses={**_NOT_FOUND, 409: {"description": "The source was deleted."}},
)
async def resume_source(source_id: uuid.UUID, admin: AuditedAdminDep) -> SourcePublic:
    source = await admin.update(source_id, SourceUpdate(active=True), action="source.resume")
    _log_change("source resumed", source_id, admin)
    return source_public(source)


@router.post(
    "/{source_id}/check",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Check now: the change-detector checks the source as soon as the request reaches it",
    responses={**_NOT_FOUND, 409: {"description": "The source was deleted or is paused."}},
)
async def check_source_now(source_id: uuid.UUID, admin: AuditedAdminDep) -> SourcePublic:
    # Accepted, not done: the request travels with the published definition; the outcome
    # shows later in last_checked_at / last_outcome / last_error.
    source = await admin.request_check(source_id)
    _log_change("source check requested", source_id, admin)
    return source_public(source)


@router.delete(
    "/{source_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a source (soft: checks stop, datasets and history stay)",
    responses=_NOT_FOUND,
)
async def delete_source(source_id: uuid.UUID, admin: AuditedAdminDep) -> Response:
    await admin.delete(source_id)
    _log_change("source deleted", source_id, admin)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _log_change(message: str, source_id: uuid.UUID, admin: SourceAdmin) -> None:
    actor = admin.trail.actor if admin.trail is not None else None
    log.info(message, extra={"source_id": str(source_id), "actor": actor})


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
