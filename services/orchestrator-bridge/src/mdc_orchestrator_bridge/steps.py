"""The processing steps of deploy/steps.yaml as a graph: which steps a dataset change reaches.

A step depends on the steps producing its inputs. The DAG `mdc_pipeline` is built from the same
file with the same rules (deploy/airflow/dags/mdc_pipeline.py), so both agree on what a run means.
"""

from __future__ import annotations

import heapq
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

# Step names are Airflow task ids.
STEP_NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"


class StepsFileError(ValueError):
    """The steps file cannot be used; the message says where and why."""


class Step(BaseModel):
    """One processing step of a downstream layer, as written in the steps file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=STEP_NAME_PATTERN, max_length=200, examples=["field_report"])
    layer: str = Field(default="", examples=["report"])
    language: str = Field(default="", examples=["python"])
    command: str = Field(min_length=1, examples=['"$MDC_PYTHON" deploy/steps/field_report.py'])
    inputs: list[str] = Field(description="Datasets the step reads.")
    outputs: list[str] = Field(description="Datasets the step writes.")
    owner: str = ""
    description: str = ""


@dataclass(frozen=True)
class StepGraph:
    """Validated steps, in dependency order (ties keep the order of the file)."""

    steps: tuple[Step, ...]
    _by_name: dict[str, Step] = field(init=False, repr=False, compare=False)
    _producer: dict[str, str] = field(init=False, repr=False, compare=False)
    _readers: dict[str, list[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {s.name: s for s in self.steps})
        object.__setattr__(self, "_producer", {o: s.name for s in self.steps for o in s.outputs})
        readers: dict[str, list[str]] = {}
        for step in self.steps:
            for dataset in step.inputs:
                readers.setdefault(dataset, []).append(step.name)
        object.__setattr__(self, "_readers", readers)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.steps]

    def step(self, name: str) -> Step:
        return self._by_name[name]

    def depends_on(self, name: str) -> list[str]:
        """Steps producing the inputs of `name`."""
        step = self._by_name[name]
        return sorted({self._producer[d] for d in step.inputs if d in self._producer})

    def source_datasets(self) -> list[str]:
        """Datasets read by some step and produced by none: they come from the catalog."""
        return sorted(d for d in self._readers if d not in self._producer)

    def downstream_steps(self, dataset: str) -> list[str]:
        """Every step reachable from `dataset` through inputs and outputs, in dependency order."""
        reached: set[str] = set()
        pending = [dataset]
        while pending:
            for name in self._readers.get(pending.pop(), []):
                if name not in reached:
                    reached.add(name)
                    pending.extend(self._by_name[name].outputs)
        return [name for name in self.names if name in reached]


def build_graph(steps: Iterable[Step], origin: str = "steps") -> StepGraph:
    """Check names, producers and cycles; return the steps in dependency order."""
    ordered_input = list(steps)
    names = [s.name for s in ordered_input]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise StepsFileError(f"{origin}: duplicate step names: {', '.join(duplicates)}")
    producer: dict[str, str] = {}
    for step in ordered_input:
        for output in step.outputs:
            if output in producer:
                raise StepsFileError(
                    f"{origin}: dataset {output!r} is produced by both {producer[output]!r} "
                    f"and {step.name!r}; each dataset has one producing step"
                )
            producer[output] = step.name
    return StepGraph(tuple(_dependency_order(ordered_input, producer, origin)))


def _dependency_order(steps: list[Step], producer: dict[str, str], origin: str) -> list[Step]:
    """Kahn's algorithm; among ready steps the earliest in the file goes first."""
    position = {s.name: i for i, s in enumerate(steps)}
    upstream = {s.name: {producer[d] for d in s.inputs if d in producer} for s in steps}
    downstream: dict[str, set[str]] = {s.name: set() for s in steps}
    for name, ups in upstream.items():
        for up in ups:
            downstream[up].add(name)
    waiting = {name: len(ups) for name, ups in upstream.items()}
    ready = [(position[n], n) for n, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    ordered: list[Step] = []
    while ready:
        _, name = heapq.heappop(ready)
        ordered.append(steps[position[name]])
        for child in downstream[name]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, (position[child], child))
    if len(ordered) < len(steps):
        cycle = _find_cycle({n for n, count in waiting.items() if count > 0}, upstream)
        raise StepsFileError(
            f"{origin}: steps depend on each other in a cycle: {' -> '.join(cycle)}"
        )
    return ordered


def _find_cycle(stuck: set[str], upstream: dict[str, set[str]]) -> list[str]:
    """A cycle among the steps Kahn's algorithm could not order (each has a stuck upstream)."""
    path: list[str] = []
    node = min(stuck)
    while node not in path:
        path.append(node)
        node = min(u for u in upstream[node] if u in stuck)
    cycle = [*path[path.index(node) :], node]
    return list(reversed(cycle))  # producer -> consumer reads naturally


def parse_steps(document: Any, origin: str) -> StepGraph:
    if document is None:
        document = []
    if not isinstance(document, list):
        raise StepsFileError(f"{origin}: expected a list of steps, got {type(document).__name__}")
    steps: list[Step] = []
    for position, entry in enumerate(document, start=1):
        label = entry.get("name", "unnamed") if isinstance(entry, dict) else "not a mapping"
        try:
            steps.append(Step.model_validate(entry))
        except ValidationError as err:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'step'}: {e['msg']}" for e in err.errors()
            )
            raise StepsFileError(f"{origin}: step #{position} ({label}): {problems}") from err
    return build_graph(steps, origin)


def load_steps_file(path: Path) -> StepGraph:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise StepsFileError(f"cannot read steps file {path}: {err.strerror or err}") from err
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise StepsFileError(f"{path}: not valid YAML: {err}") from err
    return parse_steps(document, str(path))


class StepGraphSource:
    """The graph of the steps file, reloaded when the file changes.

    The DAG re-reads the file on every parse, so the bridge follows edits without a restart. An
    edit that breaks the file keeps the last good graph and is reported by `error` (and /healthz).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.error: str | None = None
        self._stamp = self._file_stamp()
        self._graph = load_steps_file(path)  # a bad file at start-up stops the service

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def current(self) -> StepGraph:
        stamp = self._file_stamp()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._graph = load_steps_file(self.path)
                self.error = None
                log.info("steps file reloaded", extra={"steps": self._graph.names})
            except StepsFileError as err:
                self.error = str(err)
                log.error(
                    "steps file invalid; keeping the previous steps", extra={"error": str(err)}
                )
        return self._graph
