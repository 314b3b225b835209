"""Steps, as providers manage them: the rules of the step graph, and audited changes.

The graph has the orchestrator-bridge's rules (services/orchestrator-bridge steps.py), so a
catalog that accepts a set of steps never hands the bridge one it would refuse: each dataset is
written by at most one step, no step reads what it writes, and no chain of steps feeds its
outputs back into its own inputs. Inactive steps count too: activating one must not break it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from mdc_common.errors import BadInput, Conflict, NotFound
from mdc_contracts import utc_now

from mdc_catalog.api.auth import Caller
from mdc_catalog.audit import AuditLog
from mdc_catalog.steps import (
    STEP_FIELDS,
    ProcessingStep,
    StepCreate,
    StepFilter,
    StepPage,
    StepRepository,
    StepUpdate,
    overlap_error,
    step_fields,
    step_public,
)

log = logging.getLogger(__name__)

Action = Literal["create", "update", "unchanged"]


@dataclass(frozen=True)
class StepIO:
    inputs: Sequence[str]
    outputs: Sequence[str]


class StepGraphConflict(Conflict):
    """The steps would break the graph; the message names the datasets or the cycle."""


class StepFieldInvalid(BadInput):
    """A field of a changed step is invalid once merged with the fields it keeps."""

    def __init__(self, field_name: str, detail: str) -> None:
        super().__init__(detail)
        self.field_name = field_name


def graph_problem(steps: Mapping[str, StepIO]) -> str | None:
    """Why these steps cannot form a graph, or None. Deterministic: names sort first."""
    producer: dict[str, str] = {}
    for name in sorted(steps):
        for dataset in steps[name].outputs:
            if dataset in producer:
                return (
                    f"dataset {dataset!r} would be written by both {producer[dataset]!r} and "
                    f"{name!r}; each dataset has one producing step"
                )
            producer[dataset] = name
    upstream = {
        name: sorted({producer[d] for d in io.inputs if d in producer})
        for name, io in steps.items()
    }
    cycle = _find_cycle(upstream)
    if cycle is None:
        return None
    return f"steps would depend on each other in a cycle: {' -> '.join(cycle)}"


def _find_cycle(upstream: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle as producer -> ... -> producer, found by depth-first search, or None."""
    done: set[str] = set()
    for start in sorted(upstream):
        if start in done:
            continue
        path = [start]
        pending: list[Iterator[str]] = [iter(upstream[start])]
        while path:
            nxt = next((u for u in pending[-1] if u not in done), None)
            if nxt is None:
                done.add(path.pop())
                pending.pop()
            elif nxt in path:
                cycle = [*path[path.index(nxt) :], nxt]
                return list(reversed(cycle))  # walked upstream; show producer -> consumer
            else:
                path.append(nxt)
                pending.append(iter(upstream.get(nxt, ())))
    return None


@dataclass(frozen=True)
class StepChange:
    name: str
    action: Action
    fields: list[str] = field(default_factory=list)


def plan_steps(
    existing: Sequence[ProcessingStep], wanted: Sequence[StepCreate]
) -> tuple[list[StepChange], dict[str, StepIO]]:
    """What upserting `wanted` by name would change, and the whole graph afterwards."""
    by_name = {s.name: s for s in existing}
    graph = {s.name: StepIO(s.inputs, s.outputs) for s in existing}
    changes: list[StepChange] = []
    for item in wanted:
        graph[item.name] = StepIO(item.inputs, item.outputs)
        current = by_name.get(item.name)
        if current is None:
            changes.append(StepChange(item.name, "create", list(STEP_FIELDS)))
            continue
        before, after = step_fields(current), step_fields(item)
        differing = [k for k in STEP_FIELDS if before[k] != after[k]]
        changes.append(StepChange(item.name, "update" if differing else "unchanged", differing))
    return changes, graph


class StepAdmin:
    """Provider operations on steps, over one repository and audit log (one request)."""

    def __init__(self, repo: StepRepository, audit: AuditLog, provider: Caller) -> None:
        self.repo = repo
        self.audit = audit
        self.provider = provider

    async def list(self, query: StepFilter) -> StepPage:
        found = [s for s in await self.repo.all_steps() if query.matches(s)]
        page = found[query.offset : query.offset + query.limit]
        return StepPage(items=[step_public(s) for s in page], total=len(found))

    async def get(self, name: str) -> ProcessingStep:
        found = next((s for s in await self.repo.all_steps() if s.name == name), None)
        if found is None:
            raise NotFound(f"no step named {name!r}")
        return found

    async def create(self, data: StepCreate) -> ProcessingStep:
        await self.repo.lock_graph()
        steps = await self.repo.all_steps()
        if any(s.name == data.name for s in steps):
            await self.repo.rollback()
            raise Conflict(f"a step named {data.name!r} already exists")
        (change,), graph = plan_steps(steps, [data])
        await self._require_graph(graph)
        created = await self._apply(steps, data, change)
        await self.repo.commit()
        return created

    async def update(self, name: str, data: StepUpdate) -> ProcessingStep:
        await self.repo.lock_graph()
        steps = await self.repo.all_steps()
        current = next((s for s in steps if s.name == name), None)
        if current is None:
            await self.repo.rollback()
            raise NotFound(f"no step named {name!r}")
        merged = {**step_fields(current), **data.changes()}
        problem = overlap_error(merged["inputs"], merged["outputs"])
        if problem:
            await self.repo.rollback()
            raise StepFieldInvalid("outputs" if "outputs" in data.changes() else "inputs", problem)
        wanted = StepCreate.model_validate({"name": name, **merged})
        (change,), graph = plan_steps(steps, [wanted])
        await self._require_graph(graph)
        updated = await self._apply(steps, wanted, change)
        await self.repo.commit()
        return updated

    async def upsert(self, wanted: Sequence[StepCreate]) -> list[StepChange]:
        """Create or update every step of `wanted` by name, checked as one graph, committed
        together (an output may move from one step to another within one import)."""
        names = [item.name for item in wanted]
        if len(set(names)) != len(names):
            raise BadInput("a step appears more than once")
        await self.repo.lock_graph()
        steps = await self.repo.all_steps()
        changes, graph = plan_steps(steps, wanted)
        await self._require_graph(graph)
        for item, change in zip(wanted, changes, strict=True):
            await self._apply(steps, item, change)
        await self.repo.commit()
        return changes

    async def delete(self, name: str) -> None:
        await self.repo.lock_graph()
        step = next((s for s in await self.repo.all_steps() if s.name == name), None)
        if step is None:
            await self.repo.rollback()
            raise NotFound(f"no step named {name!r}")
        self._record("step.delete", step, before=step_public(step).model_dump(mode="json"))
        await self.repo.delete_step(step)
        await self.repo.commit()
        log.info("step deleted", extra={"step": name, "provider": self.provider.name})

    async def _require_graph(self, graph: Mapping[str, StepIO]) -> None:
        problem = graph_problem(graph)
        if problem is not None:
            await self.repo.rollback()
            raise StepGraphConflict(problem)

    async def _apply(
        self, steps: Sequence[ProcessingStep], item: StepCreate, change: StepChange
    ) -> ProcessingStep:
        """Stage one planned change with its audit entry (both commit together)."""
        if change.action == "create":
            step = ProcessingStep(name=item.name, **step_fields(item))
            await self.repo.add_step(step)
            self._record("step.create", step, before=None)
            log.info("step created", extra={"step": step.name})
            return step
        step = next(s for s in steps if s.name == item.name)
        if change.action == "unchanged":
            return step
        before = step_public(step).model_dump(mode="json")
        for name in change.fields:
            setattr(step, name, getattr(item, name))
        step.updated_at = utc_now()
        self._record("step.update", step, before=before)
        log.info("step updated", extra={"step": step.name, "fields": change.fields})
        return step

    def _record(self, action: str, step: ProcessingStep, *, before: dict[str, Any] | None) -> None:
        deleted = action == "step.delete"
        self.audit.record(
            actor=self.provider.name,
            role=self.provider.role.value,
            action=action,
            target_type="step",
            target_id=str(step.id),
            before=before,
            after=None if deleted else step_public(step).model_dump(mode="json"),
        )
