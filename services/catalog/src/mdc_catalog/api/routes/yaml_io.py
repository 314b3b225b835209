"""Provider endpoints: the sources, dataset specs and processing steps as one YAML document,
to export for review in git and to import from YAML-driven setups (or back from git)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from mdc_catalog.api.deps import (
    AuditDep,
    MinCheckIntervalDep,
    ProviderDep,
    RepositoryDep,
    require_provider,
)
from mdc_catalog.api.routes.sources import AuditedAdminDep
from mdc_catalog.api.routes.specs import WorkflowDep
from mdc_catalog.api.routes.steps import StepRepositoryDep
from mdc_catalog.step_admin import StepAdmin
from mdc_catalog.yaml_export import dump_yaml, export_document
from mdc_catalog.yaml_import import (
    ImportInvalid,
    ImportReport,
    apply_import,
    parse_document,
    plan_import,
)

YAML = "application/yaml"
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No provider API key."},
    403: {"description": "The provider API key is not valid."},
}
_LOOSE_LIST: dict[str, Any] = {"type": "array", "items": {"type": "object"}}
_DOCUMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "sources": _LOOSE_LIST,
        "specs": {"type": "object", "additionalProperties": {"type": "object"}},
        "steps": _LOOSE_LIST,
    },
}
# What a reader of /docs copies: one item of each section, in the format of GET /admin/export.
_DOCUMENT_EXAMPLE = """\
sources:
- name: palmer-penguins
  url: https://data.example.org/penguins.csv
  check_interval_seconds: 3600
  license: CC0-1.0
  publisher: Palmer Station LTER
  tags:
  - biology
specs:
  palmer-penguins:
    columns:
    - name: body_mass_g
      unit: g
steps:
- name: penguins_by_species
  layer: aggregate
  language: python
  command: '"$MDC_PYTHON" deploy/steps/penguins_by_species.py'
  inputs:
  - palmer-penguins
  outputs:
  - penguins-species-summary
  owner: ecology-team
"""

router = APIRouter(
    prefix="/admin",
    tags=["YAML import and export (providers)"],
    dependencies=[Depends(require_provider)],
    responses=_ERRORS,
)


@router.get(
    "/export",
    summary="Sources, latest dataset specs and steps as one deterministic YAML document",
    response_class=Response,
    responses={200: {"content": {YAML: {"schema": {"type": "string"}}}}},
)
async def export_yaml(repo: RepositoryDep, steps: StepRepositoryDep) -> Response:
    document = await export_document(repo, steps)
    return Response(dump_yaml(document), media_type=YAML)


@router.post(
    "/import",
    summary="Create or update sources, specs and steps by name from a YAML document",
    description="The document of `GET /admin/export`, or a bare list of steps (the format of "
    "deploy/steps.yaml). Every item is checked before anything is written: a 422 lists each "
    "problem with its path (`sources[3].url`). Listed items are declared whole (a field left "
    "out takes its default); items not listed are left alone. A spec gets a new version only "
    "when its content differs; when the deployment requires review, it becomes a draft pending "
    "review instead. `dry_run=true` only reports what would change.",
    responses={422: {"description": "The document is invalid; `path` says where."}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {YAML: {"schema": _DOCUMENT_SCHEMA, "example": _DOCUMENT_EXAMPLE}},
        }
    },
)
async def import_yaml(
    request: Request,
    repo: RepositoryDep,
    sources: AuditedAdminDep,
    specs: WorkflowDep,
    steps_repo: StepRepositoryDep,
    audit: AuditDep,
    provider: ProviderDep,
    floor: MinCheckIntervalDep,
    dry_run: bool = Query(default=False, description="Report what would change; write nothing."),
) -> ImportReport:
    try:
        document = parse_document(await request.body())
        plan = await plan_import(document, repo, steps_repo, floor)
    except ImportInvalid as err:
        raise RequestValidationError(
            [
                {
                    "type": "import_invalid",
                    "loc": ("body", *problem.loc),
                    "path": problem.path,
                    "msg": problem.message,
                }
                for problem in err.problems
            ]
        ) from err
    if not dry_run:
        await apply_import(
            plan, sources=sources, specs=specs, steps=StepAdmin(steps_repo, audit, provider)
        )
    return plan.report(dry_run)
