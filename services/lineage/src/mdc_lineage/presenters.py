"""JSON shapes of the read API, close to Marquez's so its clients and UI conventions carry over."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mdc_lineage.ports import (
    DatasetRunView,
    DatasetVersionView,
    DatasetView,
    JobView,
    RunDatasetView,
    RunView,
)
from mdc_lineage.records import Direction, EntityKey


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _entity(key: EntityKey | None) -> dict[str, str] | None:
    return {"namespace": key.namespace, "name": key.name} if key else None


def run_data(run: RunView) -> dict[str, Any]:
    duration_ms = None
    if run.started_at and run.ended_at:
        duration_ms = int((run.ended_at - run.started_at).total_seconds() * 1000)
    return {
        "id": str(run.run_id),
        "jobId": _entity(run.job),
        "state": run.state.value,
        "createdAt": _time(run.created_at),
        "updatedAt": _time(run.updated_at),
        "startedAt": _time(run.started_at),
        "endedAt": _time(run.ended_at),
        "durationMs": duration_ms,
        "parentRunId": str(run.parent_run_id) if run.parent_run_id else None,
        "parentJob": _entity(run.parent_job),
        "errorMessage": run.error_message,
    }


def job_data(job: JobView) -> dict[str, Any]:
    key = job.ref.key
    return {
        "id": {"namespace": key.namespace, "name": key.name},
        "type": "JOB",
        "namespace": key.namespace,
        "name": key.name,
        "createdAt": _time(job.created_at),
        "updatedAt": _time(job.updated_at),
        "latestRun": run_data(job.latest_run) if job.latest_run else None,
        "state": job.latest_run.state.value if job.latest_run else None,
    }


def dataset_data(dataset: DatasetView) -> dict[str, Any]:
    key = dataset.ref.key
    return {
        "id": {"namespace": key.namespace, "name": key.name},
        "type": "DATASET",
        "namespace": key.namespace,
        "name": key.name,
        "physicalName": key.name,
        "createdAt": _time(dataset.created_at),
        "updatedAt": _time(dataset.updated_at),
        "currentVersion": dataset.current_version,
        "currentVersionAt": _time(dataset.current_version_at),
        "fields": dataset.fields or [],
    }


def version_data(version: DatasetVersionView) -> dict[str, Any]:
    return {
        "version": version.version,
        "origin": version.origin.value,
        "createdAt": _time(version.created_at),
        "createdByRun": str(version.run_id),
        "rowCount": version.row_count,
        "byteCount": version.byte_count,
        "fields": version.fields,
    }


def dataset_version_item(dataset: EntityKey, version: DatasetVersionView) -> dict[str, Any]:
    """One entry of a dataset's version list, with Marquez's `id` of a dataset version."""
    return {
        "id": {"namespace": dataset.namespace, "name": dataset.name, "version": version.version},
        "namespace": dataset.namespace,
        "name": dataset.name,
        **version_data(version),
    }


def _statistics_facets(io: RunDatasetView) -> dict[str, Any]:
    if io.row_count is None and io.byte_count is None:
        return {}
    name = "inputStatistics" if io.direction is Direction.INPUT else "outputStatistics"
    return {name: {"rowCount": io.row_count, "size": io.byte_count}}


def run_dataset_versions(ios: list[RunDatasetView]) -> dict[str, list[dict[str, Any]]]:
    """Marquez's `inputDatasetVersions` / `outputDatasetVersions` of a run; `version` is None when
    the events did not say which version was read or written."""

    def entry(io: RunDatasetView) -> dict[str, Any]:
        key = io.dataset
        return {
            "datasetVersionId": {
                "namespace": key.namespace,
                "name": key.name,
                "version": io.version,
            },
            "facets": _statistics_facets(io),
        }

    return {
        "inputDatasetVersions": [entry(io) for io in ios if io.direction is Direction.INPUT],
        "outputDatasetVersions": [entry(io) for io in ios if io.direction is Direction.OUTPUT],
    }


def dataset_run_data(view: DatasetRunView) -> dict[str, Any]:
    """A run of a dataset: the run, and whether it read or wrote the dataset at which version."""
    return {
        **run_data(view.run),
        "direction": view.io.direction.value,
        "datasetVersion": view.io.version,
        "rowCount": view.io.row_count,
        "byteCount": view.io.byte_count,
    }
