"""Provider endpoints: the versioned spec of a dataset (renames, types, categories, units...),
its drafts, their review, a preview of the schema a spec would give, history, diff and revert.

Workflow: POST .../spec/drafts (starts from the spec in force when no spec is sent), PUT it as
often as needed (naming the `revision` you read: 409 when someone else wrote meanwhile),
POST .../spec/preview to see the resulting schema, POST .../submit. With
MDC_CATALOG_SPEC_REVIEW=none that publishes; with `required` another provider approves (which
publishes) or rejects (with a comment; the author edits and submits again), naming the revision
they reviewed.
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from mdc_common.errors import NotFound
from mdc_contracts import DatasetSpec
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from mdc_catalog.api.auth import AuthError
from mdc_catalog.api.deps import AuditDep, ProviderDep, RepositoryDep, SessionDep, require_provider
from mdc_catalog.schemas import INT4_MAX
from mdc_catalog.spec_diff import SpecDiff
from mdc_catalog.spec_drafts import (
    ApproveBody,
    DraftCreate,
    DraftPage,
    DraftPublic,
    DraftStatus,
    DraftUpdate,
    RejectBody,
    RevertBody,
    SpecDraft,
    SpecDraftRepository,
    SpecHistoryItem,
    SpecHistoryPage,
    SqlSpecDraftRepository,
    SubmitBody,
    draft_public,
)
from mdc_catalog.spec_preview import SpecPreview
from mdc_catalog.spec_workflow import ReviewMode, SelfReview, SpecWorkflow
from mdc_catalog.specs import SpecSink

log = logging.getLogger(__name__)
_Body = TypeVar("_Body", bound=BaseModel)

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No provider API key."},
    403: {"description": "The provider API key is not valid, or reviews its own draft."},
    404: {"description": "No such dataset, spec version or draft."},
}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The draft changed since the `revision` you sent, its status forbids "
        "this, or the spec in force moved on since its `base_version`."
    }
}
_QUEUED: dict[int | str, dict[str, Any]] = {
    202: {"model": DraftPublic, "description": "Review required: a draft pending review."}
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


def get_spec_draft_repository(session: SessionDep) -> SpecDraftRepository:
    # The request's session, shared with the repository and the audit log: one transaction.
    return SqlSpecDraftRepository(session)


def get_spec_review(request: Request) -> ReviewMode:
    mode: ReviewMode = request.app.state.settings.spec_review
    return mode


def get_spec_workflow(
    repo: RepositoryDep,
    drafts: Annotated[SpecDraftRepository, Depends(get_spec_draft_repository)],
    sink: SpecSinkDep,
    audit: AuditDep,
    provider: ProviderDep,
    review: Annotated[ReviewMode, Depends(get_spec_review)],
) -> SpecWorkflow:
    return SpecWorkflow(repo, drafts, sink, audit, provider, review)


WorkflowDep = Annotated[SpecWorkflow, Depends(get_spec_workflow)]


def _forbidden_on_self_review(error: SelfReview) -> AuthError:
    return AuthError(403, error.detail)


def _published_or_queued(
    result: SpecHistoryItem | SpecDraft, response: Response
) -> SpecHistoryItem | DraftPublic:
    if isinstance(result, SpecDraft):
        response.status_code = status.HTTP_202_ACCEPTED
        return draft_public(result)
    return result


# --- the spec in force and its history ------------------------------------------------------


@router.put(
    "/{dataset_id}/spec",
    status_code=status.HTTP_201_CREATED,
    summary="Publish a new spec version (201); under review, a draft pending review (202)",
    responses={**_QUEUED, **_CONFLICT},
)
async def put_spec(
    dataset_id: uuid.UUID, body: DatasetSpec, workflow: WorkflowDep, response: Response
) -> SpecHistoryItem | DraftPublic:
    return _published_or_queued(await workflow.put_spec(dataset_id, body), response)


@router.get("/{dataset_id}/spec", summary="The spec in force (latest version)")
async def get_spec(dataset_id: uuid.UUID, workflow: WorkflowDep) -> SpecHistoryItem:
    versions = await workflow.history(dataset_id)
    if not versions:
        raise NotFound(f"dataset {dataset_id} has no spec")
    return versions[0]


@router.get("/{dataset_id}/spec/versions", summary="Every spec version with who, when and why")
async def get_spec_versions(dataset_id: uuid.UUID, workflow: WorkflowDep) -> SpecHistoryPage:
    versions = await workflow.history(dataset_id)
    return SpecHistoryPage(items=versions, total=len(versions))


@router.get("/{dataset_id}/spec/versions/{version}", summary="One spec version")
async def get_spec_version(
    dataset_id: uuid.UUID,
    version: Annotated[int, Path(ge=1, le=INT4_MAX)],
    workflow: WorkflowDep,
) -> SpecHistoryItem:
    return await workflow.version(dataset_id, version)


@router.get(
    "/{dataset_id}/spec/diff",
    summary="Field-level changes between two spec versions (default: the latest and the one "
    "before)",
)
async def get_spec_diff(
    dataset_id: uuid.UUID,
    workflow: WorkflowDep,
    from_version: Annotated[int | None, Query(alias="from", ge=1, le=INT4_MAX)] = None,
    to_version: Annotated[int | None, Query(alias="to", ge=1, le=INT4_MAX)] = None,
) -> SpecDiff:
    return await workflow.diff(dataset_id, from_version, to_version)


@router.post(
    "/{dataset_id}/spec/revert",
    status_code=status.HTTP_201_CREATED,
    summary="Publish an earlier version's content as a new version (202 when under review)",
    responses={**_QUEUED, **_CONFLICT},
)
async def revert_spec(
    dataset_id: uuid.UUID, body: RevertBody, workflow: WorkflowDep, response: Response
) -> SpecHistoryItem | DraftPublic:
    result = await workflow.revert(dataset_id, body.version, body.comment)
    return _published_or_queued(result, response)


# --- preview --------------------------------------------------------------------------------


class PreviewRequest(BaseModel):
    """A spec to try, or the id of a draft of this dataset (exactly one)."""

    model_config = ConfigDict(extra="forbid")

    spec: DatasetSpec | None = None
    draft_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_of(self) -> PreviewRequest:
        if (self.spec is None) == (self.draft_id is None):
            raise ValueError("send either `spec` or `draft_id`")
        return self


@router.post(
    "/{dataset_id}/spec/preview",
    summary="The schema a spec would give on the latest version, with errors and warnings "
    "(changes nothing)",
    responses={409: {"description": "The dataset has no version to preview against yet."}},
)
async def preview(
    dataset_id: uuid.UUID, body: PreviewRequest, workflow: WorkflowDep
) -> SpecPreview:
    return await workflow.preview(dataset_id, body.spec, body.draft_id)


# --- drafts and review ----------------------------------------------------------------------


@router.post(
    "/{dataset_id}/spec/drafts",
    status_code=status.HTTP_201_CREATED,
    summary="Start a draft (from the spec in force when no spec is sent)",
)
async def create_draft(
    dataset_id: uuid.UUID, body: DraftCreate, workflow: WorkflowDep
) -> DraftPublic:
    return draft_public(await workflow.create_draft(dataset_id, body))


@router.get("/{dataset_id}/spec/drafts", summary="Drafts of the dataset, newest first")
async def list_drafts(
    dataset_id: uuid.UUID,
    workflow: WorkflowDep,
    draft_status: Annotated[DraftStatus | None, Query(alias="status")] = None,
) -> DraftPage:
    drafts = [draft_public(d) for d in await workflow.list_drafts(dataset_id, draft_status)]
    return DraftPage(items=drafts, total=len(drafts))


@router.get("/{dataset_id}/spec/drafts/{draft_id}", summary="A draft")
async def get_draft(
    dataset_id: uuid.UUID, draft_id: uuid.UUID, workflow: WorkflowDep
) -> DraftPublic:
    return draft_public(await workflow.get_draft(dataset_id, draft_id))


@router.get(
    "/{dataset_id}/spec/drafts/{draft_id}/diff",
    summary="What publishing the draft would change in the spec in force",
)
async def get_draft_diff(
    dataset_id: uuid.UUID, draft_id: uuid.UUID, workflow: WorkflowDep
) -> SpecDiff:
    return await workflow.draft_diff(dataset_id, draft_id)


@router.put(
    "/{dataset_id}/spec/drafts/{draft_id}",
    summary="Replace a draft's content (a rejected or pending draft becomes a draft again)",
    responses=_CONFLICT,
)
async def update_draft(
    dataset_id: uuid.UUID, draft_id: uuid.UUID, body: DraftUpdate, workflow: WorkflowDep
) -> DraftPublic:
    return draft_public(await workflow.update_draft(dataset_id, draft_id, body))


@router.delete(
    "/{dataset_id}/spec/drafts/{draft_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete (or withdraw) a draft that is not published",
    responses=_CONFLICT,
)
async def delete_draft(
    dataset_id: uuid.UUID,
    draft_id: uuid.UUID,
    workflow: WorkflowDep,
    revision: Annotated[
        int | None, Query(ge=1, le=INT4_MAX, description="Only if still at this revision.")
    ] = None,
) -> None:
    await workflow.delete_draft(dataset_id, draft_id, revision)


# A bare POST (no body) is the body `{}`: submit then needs nothing, while approve and reject
# answer a 422 naming the fields they need (`revision`, and a reject's `comment`).
_NEEDS_A_BODY: dict[str, Any] = {"requestBody": {"required": True}}


def _bare_as_empty(model: type[_Body], body: _Body | None) -> _Body:
    """The body sent, or for a bare POST the model built from nothing: its defaults, or a
    422 naming each required field (rather than "body: Field required")."""
    if body is not None:
        return body
    try:
        return model()
    except ValidationError as err:
        errors = err.errors(include_url=False)
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in errors]
        ) from None


@router.post(
    "/{dataset_id}/spec/drafts/{draft_id}/submit",
    summary="Submit a draft: publishes it, or puts it in pending_review when review is required "
    "(the body is optional)",
    responses=_CONFLICT,
)
async def submit_draft(
    dataset_id: uuid.UUID,
    draft_id: uuid.UUID,
    workflow: WorkflowDep,
    body: SubmitBody | None = None,
) -> DraftPublic:
    submitted = _bare_as_empty(SubmitBody, body)
    return draft_public(await workflow.submit(dataset_id, draft_id, submitted))


@router.post(
    "/{dataset_id}/spec/drafts/{draft_id}/approve",
    summary="Approve a pending draft, which publishes it (not by one of its authors)",
    responses=_CONFLICT,
    openapi_extra=_NEEDS_A_BODY,
)
async def approve_draft(
    dataset_id: uuid.UUID,
    draft_id: uuid.UUID,
    workflow: WorkflowDep,
    body: ApproveBody | None = None,
) -> DraftPublic:
    approval = _bare_as_empty(ApproveBody, body)
    try:
        return draft_public(await workflow.approve(dataset_id, draft_id, approval))
    except SelfReview as error:
        raise _forbidden_on_self_review(error) from error


@router.post(
    "/{dataset_id}/spec/drafts/{draft_id}/reject",
    summary="Reject a pending draft with a comment for its authors (not by one of them)",
    responses=_CONFLICT,
    openapi_extra=_NEEDS_A_BODY,
)
async def reject_draft(
    dataset_id: uuid.UUID,
    draft_id: uuid.UUID,
    workflow: WorkflowDep,
    body: RejectBody | None = None,
) -> DraftPublic:
    rejection = _bare_as_empty(RejectBody, body)
    try:
        return draft_public(await workflow.reject(dataset_id, draft_id, rejection))
    except SelfReview as error:
        raise _forbidden_on_self_review(error) from error
