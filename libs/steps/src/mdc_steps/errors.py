"""What can go wrong in a step, as exceptions whose message tells the user what to do."""

from __future__ import annotations


class StepError(Exception):
    """Base of the errors this library raises on purpose."""


class DatasetUnavailable(StepError):
    """A dataset cannot be located, read or written (storage, catalog or configuration)."""


class InputNotReady(DatasetUnavailable):
    """An input has never been written: its producing step has not run yet.

    Step scripts exit with SKIP_EXIT_CODE for it, which Airflow reports as skipped."""


class DatasetConflict(StepError):
    """A step tried to write a dataset it may not write (e.g. a catalog source dataset)."""


class ColumnMappingError(StepError):
    """A column mapping names an output column, input dataset or input column that does not
    exist, or is not written as `out_col=DATASET.column`."""


class LocalFileError(StepError):
    """A local file cannot be read or written in the requested format."""
