"""In-memory stand-in for the step repository: changes become visible only on commit."""

from __future__ import annotations

import uuid

from mdc_catalog.steps import ProcessingStep
from mdc_common.errors import Conflict


def _copy(step: ProcessingStep) -> ProcessingStep:
    return ProcessingStep.model_validate(step.model_dump())


class FakeStepRepository:
    """Implements StepRepository. `all_steps` hands out tracked copies, as a session would."""

    def __init__(self) -> None:
        self.steps: dict[uuid.UUID, ProcessingStep] = {}
        self._tracked: dict[uuid.UUID, ProcessingStep] = {}
        self._deleted: set[uuid.UUID] = set()
        self.commits = 0
        self.locks = 0

    async def lock_graph(self) -> None:
        self.locks += 1

    async def all_steps(self) -> list[ProcessingStep]:
        for step_id, step in self.steps.items():
            if step_id not in self._tracked:
                self._tracked[step_id] = _copy(step)
        visible = [s for i, s in self._tracked.items() if i not in self._deleted]
        return sorted(visible, key=lambda s: s.name)

    async def add_step(self, step: ProcessingStep) -> None:
        if any(s.name == step.name for s in await self.all_steps()):
            raise Conflict(f"a step named {step.name!r} already exists")
        self._tracked[step.id] = step

    async def delete_step(self, step: ProcessingStep) -> None:
        self._deleted.add(step.id)

    async def commit(self) -> None:
        for step_id, step in self._tracked.items():
            self.steps[step_id] = _copy(step)
        for step_id in self._deleted:
            self.steps.pop(step_id, None)
        self._tracked.clear()
        self._deleted.clear()
        self.commits += 1

    async def rollback(self) -> None:
        self._tracked.clear()
        self._deleted.clear()
