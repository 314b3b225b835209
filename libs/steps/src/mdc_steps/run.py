"""A step's run: read and write datasets by name, recorded as one OpenLineage run.

    with step_run("penguins_by_species") as run:
        penguins = run.read("palmer-penguins")
        run.write("penguins-species-summary", summarize(penguins),
                  columns={"penguins": aggregation("palmer-penguins.species")})

START is sent on entry; COMPLETE on success with every input (schema, version read) and output
(schema, statistics, content version, column lineage); FAIL with an errorMessage on an
exception; ABORT when an input is not ready yet (the step is skipped, not failed).
"""

from __future__ import annotations

import os
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import polars as pl
from openlineage.client.event_v2 import RunState

from mdc_steps.columns import ColumnMapping, FieldOrigin, column_origins
from mdc_steps.datasets import DatasetStore
from mdc_steps.errors import InputNotReady
from mdc_steps.lineage import (
    ErrorReport,
    InputRecord,
    LineageEmitter,
    OutputRecord,
    ParentRun,
    parent_from_environment,
    run_event,
    run_id_for,
)

SKIP_EXIT_CODE = 99  # the DAG's skip_on_exit_code: Airflow marks the task skipped


@dataclass(frozen=True)
class WrittenDataset:
    """What `StepRun.write` did: where, which content version, and whether it uploaded."""

    name: str
    uri: str
    version: str
    row_count: int
    size: int
    uploaded: bool
    columns: Mapping[str, list[FieldOrigin]]


class StepRun:
    """One run of a job. Use `step_run()`, which sends START and the final event."""

    def __init__(
        self,
        job: str,
        *,
        datasets: DatasetStore,
        lineage: LineageEmitter,
        parent: ParentRun | None = None,
        run_id: uuid.UUID | None = None,
    ) -> None:
        if not job.strip():
            raise ValueError("a step's job name must not be empty")
        self.job = job
        self.datasets = datasets
        self.lineage = lineage
        self.parent = parent
        self.run_id = run_id or run_id_for(job, parent)
        self.inputs: dict[str, InputRecord] = {}
        self.outputs: dict[str, OutputRecord] = {}

    def read(self, name: str) -> pl.DataFrame:
        """The dataset's current data; recorded as an input at the version read."""
        loaded = self.datasets.load(name)
        # A dataset read twice counts once, at the version read first.
        self.inputs.setdefault(name, InputRecord(name, loaded.version, loaded.frame.schema))
        note(f"read {name} {loaded.version} ({loaded.frame.height} rows) from {loaded.uri}")
        return loaded.frame

    def write(
        self, name: str, frame: pl.DataFrame, columns: ColumnMapping | None = None
    ) -> WrittenDataset:
        """Write `frame` as dataset `name`. `columns` maps output columns to the input columns
        ("dataset.column") they come from; columns passed through unchanged are found alone."""
        input_schemas = {n: record.schema for n, record in self.inputs.items()}
        origins = column_origins(frame.schema, input_schemas, columns)
        saved = self.datasets.save(name, frame)
        self.outputs[name] = OutputRecord(
            name, saved.version, frame.schema, frame.height, saved.size, origins
        )
        what = "uploaded" if saved.uploaded else "unchanged, upload skipped"
        note(f"wrote {name} {saved.version} ({frame.height} rows) to {saved.uri}: {what}")
        return WrittenDataset(
            name, saved.uri, saved.version, frame.height, saved.size, saved.uploaded, origins
        )

    def start(self) -> None:
        self._emit(RunState.START)

    def complete(self) -> None:
        self._emit(RunState.COMPLETE)

    def fail(self, error: ErrorReport) -> None:
        self._emit(RunState.FAIL, error)

    def abort(self, reason: str) -> None:
        self._emit(RunState.ABORT, ErrorReport(reason))

    def _emit(self, state: RunState, error: ErrorReport | None = None) -> None:
        event = run_event(
            state,
            job=self.job,
            run_id=self.run_id,
            parent=self.parent,
            inputs=list(self.inputs.values()),
            outputs=list(self.outputs.values()),
            error=error,
        )
        self.lineage.emit(event)


def note(message: str) -> None:
    print(message, file=sys.stderr)


def python_error(err: BaseException) -> ErrorReport:
    """The exception as an errorMessage; errors that carry their own report (a failed command)
    give that one."""
    report = getattr(err, "report", None)
    if isinstance(report, ErrorReport):
        return report
    stack = "".join(traceback.format_exception(err))
    return ErrorReport(f"{type(err).__name__}: {err}", "python", stack)


@contextmanager
def step_run(
    job: str,
    *,
    datasets: DatasetStore | None = None,
    lineage: LineageEmitter | None = None,
    environ: Mapping[str, str] | None = None,
) -> Iterator[StepRun]:
    """A recorded run of `job`. Datasets, lineage and the parent run come from the environment
    (MDC_*, MDC_LINEAGE_URL, OPENLINEAGE_PARENT_ID) unless given."""
    env = os.environ if environ is None else environ
    owns_lineage = lineage is None
    emitter = LineageEmitter.from_environment(env) if lineage is None else lineage
    run = StepRun(
        job,
        datasets=DatasetStore.from_environment(env) if datasets is None else datasets,
        lineage=emitter,
        parent=parent_from_environment(env),
    )
    try:
        run.start()
        try:
            yield run
        except InputNotReady as err:
            run.abort(f"input not ready: {err}")
            raise
        except Exception as err:
            run.fail(python_error(err))
            raise
        except BaseException as err:  # interrupted (Ctrl-C, SystemExit): not a failure
            run.abort(f"interrupted: {type(err).__name__}")
            raise
        run.complete()
    finally:
        if owns_lineage:
            emitter.close()


def run_step_script(main: Callable[[], None]) -> None:
    """Run a step script's main; an input not produced yet exits with SKIP_EXIT_CODE."""
    try:
        main()
    except InputNotReady as err:
        note(f"skipping: {err}")
        sys.exit(SKIP_EXIT_CODE)
