"""Admin and technician endpoint: the audit log of admin changes, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from mdc_catalog.api.deps import AuditDep, require_technician
from mdc_catalog.audit import AuditEntry, AuditFilter

router = APIRouter(
    prefix="/admin/audit",
    tags=["audit (admins, technicians)"],
    dependencies=[Depends(require_technician)],  # technicians and admins
    responses={
        401: {"description": "No API key."},
        403: {"description": "The key is not valid, revoked, or neither technician nor admin."},
    },
)


class AuditPage(BaseModel):
    items: list[AuditEntry]
    total: int


@router.get("", summary="Admin changes (who, what, when, before and after), newest first")
async def list_audit(query: Annotated[AuditFilter, Query()], audit: AuditDep) -> AuditPage:
    items, total = await audit.entries(query)
    return AuditPage(items=items, total=total)
