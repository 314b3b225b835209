"""POST /sources/{id}/check: run one check now and return its outcome."""

from __future__ import annotations

import contextlib
import uuid

from fastapi import APIRouter, Request
from mdc_common.errors import DependencyFailed
from mdc_contracts import utc_now
from sqlalchemy.exc import SQLAlchemyError

from mdc_change_detector.models import CheckReport
from mdc_change_detector.ports import SourceRepository
from mdc_change_detector.service import SourceChecker

router = APIRouter(tags=["sources"])


@router.post(
    "/sources/{source_id}/check",
    summary="Check a source now",
    description="Runs one check immediately (conditional GET, store, record, publish) and "
    "returns its outcome. 404 if the source is not watched, 409 if a check of it is running.",
)
async def check_now(source_id: uuid.UUID, request: Request) -> CheckReport:
    repository: SourceRepository = request.app.state.repository
    checker: SourceChecker = request.app.state.checker
    try:
        source = await repository.claim(source_id, utc_now(), checker.settings.lease_seconds)
    except (SQLAlchemyError, OSError) as err:
        raise DependencyFailed(f"database unavailable: {type(err).__name__}") from err
    try:
        return await checker.check(source)
    except BaseException as err:
        # Give the source back at once, rather than making it wait for the lease to expire.
        with contextlib.suppress(SQLAlchemyError, OSError):
            await repository.release(source.source_id, source.lease_token)
        if isinstance(err, SQLAlchemyError | OSError):
            raise DependencyFailed(f"database unavailable: {type(err).__name__}") from err
        raise
