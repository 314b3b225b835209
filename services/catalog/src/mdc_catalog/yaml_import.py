"""Import of a YAML document of sources, specs and steps (the format of yaml_export.py, or
the list of deploy/steps.yaml): upsert by name, every item checked before anything is written.

Each listed item is declared whole: a field left out takes its default (as in a fresh file),
and items not listed are left alone. Every change takes the path of its own endpoint, audit
entries included: sources the audited `SourceAdmin` (definitions reach the change-detector),
specs the `SpecWorkflow` (only when the content differs from the spec in force; a draft pending
review when the deployment requires review), steps `StepAdmin.upsert` (one graph check).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from mdc_common.errors import BadInput
from mdc_contracts import DatasetSpec
from pydantic import BaseModel, ConfigDict, ValidationError

from mdc_catalog.models import Source, SourceBase
from mdc_catalog.repository import CatalogRepository
from mdc_catalog.schemas import DatasetFilter, SourceCreate, SourceUpdate
from mdc_catalog.service import SourceAdmin
from mdc_catalog.spec_workflow import SpecWorkflow
from mdc_catalog.step_admin import StepAdmin, graph_problem, plan_steps
from mdc_catalog.steps import StepCreate, StepRepository
from mdc_catalog.yaml_export import SOURCE_FIELDS

MAX_DOCUMENT_BYTES = 5_000_000
IMPORT_COMMENT = "imported from YAML"
SECTIONS = ("sources", "specs", "steps")
Loc = tuple[str | int, ...]
Action = Literal["create", "update", "unchanged"]


class SourceImport(SourceBase):
    """One entry of `sources:`: a source's definition, paused with `active: false`."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    active: bool = True


@dataclass(frozen=True)
class Problem:
    loc: Loc
    message: str

    @property
    def path(self) -> str:
        """`sources[3].url`, `specs.penguins.columns[0].dtype`."""
        text = ""
        for part in self.loc:
            text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
        return text


class ImportInvalid(BadInput):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.path or 'document'}: {p.message}" for p in problems))
        self.problems = problems


class ItemChange(BaseModel):
    kind: Literal["source", "spec", "step"]
    name: str
    action: Action
    fields: list[str] = []


class ImportReport(BaseModel):
    dry_run: bool
    changes: list[ItemChange]
    created: int
    updated: int
    unchanged: int


@dataclass
class ImportPlan:
    sources: list[tuple[SourceImport, Source | None, ItemChange]] = field(default_factory=list)
    # dataset id None: the dataset of a source this import creates.
    specs: list[tuple[DatasetSpec, uuid.UUID | None, ItemChange]] = field(default_factory=list)
    steps: list[StepCreate] = field(default_factory=list)
    step_changes: list[ItemChange] = field(default_factory=list)

    def report(self, dry_run: bool) -> ImportReport:
        changes = [c for _, _, c in self.sources] + [c for _, _, c in self.specs]
        changes += self.step_changes
        count = {a: sum(c.action == a for c in changes) for a in ("create", "update", "unchanged")}
        return ImportReport(
            dry_run=dry_run,
            changes=changes,
            created=count["create"],
            updated=count["update"],
            unchanged=count["unchanged"],
        )


class _NoAliasLoader(yaml.SafeLoader):
    """Aliases refused: a few lines of nested aliases would expand to billions of nodes."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "aliases are not accepted", mark)
        return super().compose_node(parent, index)


def parse_document(body: bytes) -> dict[str, Any]:
    """The document's sections; a bare list is the steps file of the orchestrator-bridge."""
    if len(body) > MAX_DOCUMENT_BYTES:
        raise ImportInvalid([Problem((), f"larger than {MAX_DOCUMENT_BYTES} bytes")])
    try:
        document = yaml.load(body.decode("utf-8"), Loader=_NoAliasLoader)  # noqa: S506
    except UnicodeDecodeError as err:
        raise ImportInvalid([Problem((), f"not UTF-8 text: {err.reason}")]) from err
    except yaml.YAMLError as err:
        raise ImportInvalid([Problem((), f"not valid YAML: {err}")]) from err
    if document is None:
        return {}
    if isinstance(document, list):
        return {"steps": document}
    if not isinstance(document, dict):
        kind = type(document).__name__
        raise ImportInvalid([Problem((), f"expected a mapping of {SECTIONS}, got {kind}")])
    unknown = [Problem((str(k),), "unknown section") for k in document if k not in SECTIONS]
    if unknown:
        raise ImportInvalid(unknown)
    return document


def _validation_problems(prefix: Loc, err: ValidationError) -> list[Problem]:
    return [Problem((*prefix, *e["loc"]), e["msg"]) for e in err.errors()]


def _section(document: dict[str, Any], name: str, kind: type, problems: list[Problem]) -> Any:
    value = document.get(name)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        problems.append(Problem((name,), f"expected a {'list' if kind is list else 'mapping'}"))
        return kind()
    return value


def _source_changes(item: SourceImport, existing: Source) -> list[str]:
    wanted = item.model_dump()
    differing = []
    for name in SOURCE_FIELDS:
        current, new = getattr(existing, name), wanted[name]
        if name == "tags":  # a set, whatever order it was written in
            current, new = sorted(current), sorted(new)
        if current != new:
            differing.append(name)
    return differing


async def plan_import(
    document: dict[str, Any],
    repo: CatalogRepository,
    steps_repo: StepRepository,
    min_check_interval: int,
) -> ImportPlan:
    """Check every item and say what importing it would change; ImportInvalid lists every
    problem found, each with its path."""
    plan, problems = ImportPlan(), []
    first_seen: dict[str, int] = {}
    for i, entry in enumerate(_section(document, "sources", list, problems)):
        try:
            item = SourceImport.model_validate(entry)
        except ValidationError as err:
            problems += _validation_problems(("sources", i), err)
            continue
        if item.check_interval_seconds < min_check_interval:
            message = f"Input should be greater than or equal to {min_check_interval}"
            problems.append(Problem(("sources", i, "check_interval_seconds"), message))
        if item.name in first_seen:
            message = f"{item.name!r} is already defined at sources[{first_seen[item.name]}]"
            problems.append(Problem(("sources", i, "name"), message))
            continue
        first_seen[item.name] = i
        existing = await repo.get_source_by_name(item.name)
        if existing is not None and existing.deleted_at is not None:
            message = f"source {item.name!r} was deleted; choose another name"
            problems.append(Problem(("sources", i, "name"), message))
            continue
        if existing is None:
            change = ItemChange(kind="source", name=item.name, action="create")
        else:
            fields = _source_changes(item, existing)
            action: Action = "update" if fields else "unchanged"
            change = ItemChange(kind="source", name=item.name, action=action, fields=fields)
        plan.sources.append((item, existing, change))

    for name, entry in _section(document, "specs", dict, problems).items():
        try:
            spec = DatasetSpec.model_validate(entry)
        except ValidationError as err:
            problems += _validation_problems(("specs", str(name)), err)
            continue
        found = await _dataset_id(repo, str(name))
        if found is None and str(name) not in first_seen:
            message = f"no source or dataset named {name!r} (sources of this document count)"
            problems.append(Problem(("specs", str(name)), message))
            continue
        plan.specs.append((spec, found, await _spec_change(repo, str(name), spec, found)))

    step_names: dict[str, int] = {}
    for i, entry in enumerate(_section(document, "steps", list, problems)):
        try:
            step = StepCreate.model_validate(entry)
        except ValidationError as err:
            problems += _validation_problems(("steps", i), err)
            continue
        if step.name in step_names:
            message = f"{step.name!r} is already defined at steps[{step_names[step.name]}]"
            problems.append(Problem(("steps", i, "name"), message))
            continue
        step_names[step.name] = i
        plan.steps.append(step)
    step_changes, graph = plan_steps(await steps_repo.all_steps(), plan.steps)
    problem = graph_problem(graph)
    if problem is not None:
        problems.append(Problem(("steps",), problem))
    plan.step_changes = [
        ItemChange(kind="step", name=c.name, action=c.action, fields=c.fields) for c in step_changes
    ]
    if problems:
        raise ImportInvalid(problems)
    return plan


async def _dataset_id(repo: CatalogRepository, name: str) -> uuid.UUID | None:
    source = await repo.get_source_by_name(name)
    if source is not None and source.deleted_at is None:
        return source.id  # a source's dataset has the source's id
    if len(name) > 128:
        return None
    datasets, _ = await repo.search_datasets(DatasetFilter(name=name, limit=1))
    return datasets[0].id if datasets else None


async def _spec_change(
    repo: CatalogRepository, name: str, spec: DatasetSpec, dataset_id: uuid.UUID | None
) -> ItemChange:
    latest = (await repo.list_specs(dataset_id))[:1] if dataset_id else []
    if not latest:
        return ItemChange(kind="spec", name=name, action="create")
    current = DatasetSpec.model_validate(latest[0].spec)
    fields = [f for f in DatasetSpec.model_fields if getattr(current, f) != getattr(spec, f)]
    return ItemChange(
        kind="spec", name=name, action="update" if fields else "unchanged", fields=fields
    )


async def apply_import(
    plan: ImportPlan,
    *,
    sources: SourceAdmin,
    specs: SpecWorkflow,
    steps: StepAdmin,
) -> None:
    """Write the planned changes: sources and specs one by one (each commits with its audit
    entry, as through its own endpoint), then the steps together. `sources` must be audited."""
    created_ids: dict[str, uuid.UUID] = {}
    for item, existing, change in plan.sources:
        if change.action == "create":
            source = await sources.create(
                SourceCreate.model_validate(item.model_dump(exclude={"active"}))
            )
            if not item.active:
                source = await sources.update(
                    source.id, SourceUpdate(active=False), action="source.pause"
                )
            created_ids[item.name] = source.id
        elif change.action == "update" and existing is not None:
            changes = {name: getattr(item, name) for name in change.fields}
            await sources.update(existing.id, SourceUpdate.model_validate(changes))

    for spec, found, change in plan.specs:
        if change.action == "unchanged":
            continue
        dataset_id = found or created_ids[change.name]
        await specs.put_spec(dataset_id, spec, comment=IMPORT_COMMENT)

    if plan.steps:
        await steps.upsert(plan.steps)
