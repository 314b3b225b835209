"""Processing-step wrappers: datasets by name, runs recorded as OpenLineage events.

Python steps use `step_run`; other languages use the `mdc-step` command (see mdc_steps.cli).
"""

from mdc_steps.columns import ColumnSource, Subtype, aggregation, identity, transformation
from mdc_steps.datasets import DatasetStore
from mdc_steps.errors import (
    ColumnMappingError,
    DatasetConflict,
    DatasetUnavailable,
    InputNotReady,
    LocalFileError,
    StepError,
)
from mdc_steps.lineage import LineageEmitter
from mdc_steps.run import SKIP_EXIT_CODE, StepRun, WrittenDataset, run_step_script, step_run

__all__ = [
    "SKIP_EXIT_CODE",
    "ColumnMappingError",
    "ColumnSource",
    "DatasetConflict",
    "DatasetStore",
    "DatasetUnavailable",
    "InputNotReady",
    "LineageEmitter",
    "LocalFileError",
    "StepError",
    "StepRun",
    "Subtype",
    "WrittenDataset",
    "aggregation",
    "identity",
    "run_step_script",
    "step_run",
    "transformation",
]
