"""Admin endpoints: issue, list and revoke API keys."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from mdc_catalog.api.deps import AdminDep, AuditDep, KeyStoreDep, require_admin
from mdc_catalog.key_admin import KeyAdmin, KeyCreate, KeyIssued, KeyPage

router = APIRouter(
    prefix="/admin/keys",
    tags=["API keys (admins)"],
    dependencies=[Depends(require_admin)],
    responses={
        401: {"description": "No API key."},
        403: {"description": "The key is not valid, revoked, or not an admin key."},
    },
)
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such key."}}


def get_key_admin(store: KeyStoreDep, audit: AuditDep, caller: AdminDep) -> KeyAdmin:
    return KeyAdmin(store, audit, caller)


KeyAdminDep = Annotated[KeyAdmin, Depends(get_key_admin)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a key; the response is the only time the key is shown",
    responses={409: {"description": "A key with this name exists (revoked ones included)."}},
)
async def issue_key(body: KeyCreate, admin: KeyAdminDep) -> KeyIssued:
    return await admin.issue(body)


@router.get("", summary="List keys (never their secrets)")
async def list_keys(
    admin: KeyAdminDep,
    include_revoked: Annotated[bool, Query(description="Also list revoked keys.")] = False,
) -> KeyPage:
    return await admin.list(include_revoked=include_revoked)


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a key (at once; revoking twice is not an error)",
    responses=_NOT_FOUND,
)
async def revoke_key(key_id: uuid.UUID, admin: KeyAdminDep) -> Response:
    await admin.revoke(key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
