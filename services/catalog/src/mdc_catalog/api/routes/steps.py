"""Provider endpoints: the processing steps of the downstream layers and the datasets they
read and write (what the orchestrator-bridge turns into targeted Airflow runs)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.exceptions import RequestValidationError

from mdc_catalog.api.deps import AuditDep, ProviderDep, SessionDep, require_provider
from mdc_catalog.step_admin import StepAdmin, StepFieldInvalid
from mdc_catalog.steps import (
    SqlStepRepository,
    StepCreate,
    StepFilter,
    StepPage,
    StepPublic,
    StepRepository,
    StepUpdate,
    step_public,
)

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No provider API key."},
    403: {"description": "The provider API key is not valid."},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such step."}}
_GRAPH: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The name is taken, a dataset would have two producing steps, or the "
        "steps would form a cycle (the message names it)."
    }
}

router = APIRouter(
    prefix="/admin/steps",
    tags=["processing steps (providers)"],
    dependencies=[Depends(require_provider)],
    responses=_ERRORS,
)


def get_step_repository(session: SessionDep) -> StepRepository:
    # The request's session, shared with the audit log: a change commits with its entry.
    return SqlStepRepository(session)


StepRepositoryDep = Annotated[StepRepository, Depends(get_step_repository)]


def get_step_admin(repo: StepRepositoryDep, audit: AuditDep, provider: ProviderDep) -> StepAdmin:
    return StepAdmin(repo, audit, provider)


StepAdminDep = Annotated[StepAdmin, Depends(get_step_admin)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a processing step with the datasets it reads and writes",
    responses=_GRAPH,
)
async def create_step(body: StepCreate, admin: StepAdminDep) -> StepPublic:
    return step_public(await admin.create(body))


@router.get("", summary="List steps (by name), filtered by layer, owner, input or output")
async def list_steps(query: Annotated[StepFilter, Query()], admin: StepAdminDep) -> StepPage:
    return await admin.list(query)


@router.get("/{name}", summary="A step", responses=_NOT_FOUND)
async def get_step(name: str, admin: StepAdminDep) -> StepPublic:
    return step_public(await admin.get(name))


@router.patch(
    "/{name}",
    summary="Change a step (only the fields sent); `active: false` stops running it",
    responses={**_NOT_FOUND, **_GRAPH},
)
async def update_step(name: str, body: StepUpdate, admin: StepAdminDep) -> StepPublic:
    try:
        return step_public(await admin.update(name, body))
    except StepFieldInvalid as err:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("body", err.field_name),
                    "msg": err.detail,
                    "input": getattr(body, err.field_name),
                }
            ]
        ) from err


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a step (readers of its outputs keep them as inputs)",
    responses=_NOT_FOUND,
)
async def delete_step(name: str, admin: StepAdminDep) -> Response:
    await admin.delete(name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
