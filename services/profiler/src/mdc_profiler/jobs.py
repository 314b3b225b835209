"""What the profiler works on: one raw file to standardize (a Job), and the ids and names
derived from it, so that a redelivered job lands on the same version, object and lineage job."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mdc_contracts import DatasetSpecPublished, SourceChanged, deterministic_id

from mdc_profiler.ports import LatestRaw, StoredSpec

# Why a version was made (DatasetVersionCreated.reason).
SOURCE_CHANGED, SPEC_CHANGED = "source_changed", "spec_changed"


def standardize_job(dataset_name: str) -> str:
    """The OpenLineage job name of standardizing one dataset."""
    return f"profiler.standardize.{dataset_name}"


def parquet_key(dataset_name: str, version: int) -> str:
    """The curated-zone object key of a version (the name made safe for a path)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", dataset_name).strip("-.") or "dataset"
    return f"datasets/{safe}/v{version}.parquet"


def spec_change_id(dataset_id: uuid.UUID, spec_version: int) -> uuid.UUID:
    """The pseudo change of a re-standardization: one version per (dataset, spec version)."""
    return deterministic_id("spec", dataset_id, spec_version)


@dataclass(frozen=True)
class Job:
    """One raw file to standardize: a source change, or the latest raw file under a new spec."""

    change_id: uuid.UUID
    dataset_id: uuid.UUID
    dataset_name: str
    raw_uri: str
    raw_sha256: str
    correlation_id: uuid.UUID
    at: datetime  # when the change (or spec) happened: replays repeat the same event times
    spec: StoredSpec | None
    reason: str = SOURCE_CHANGED

    @property
    def spec_version(self) -> int | None:
        return self.spec.version if self.spec else None

    @property
    def run_id(self) -> uuid.UUID:
        """The lineage run of this job: the same on every delivery of the change."""
        return deterministic_id("standardize", self.change_id)


def job_for_change(change: SourceChanged, spec: StoredSpec | None) -> Job:
    """A changed source file, standardized under the dataset's current spec (if any)."""
    return Job(
        change_id=change.change_id,
        dataset_id=change.source_id,
        dataset_name=change.source_name,
        raw_uri=change.raw_uri,
        raw_sha256=change.sha256,
        correlation_id=change.correlation_id,
        at=change.detected_at,
        spec=spec,
    )


def job_for_spec(event: DatasetSpecPublished, latest: LatestRaw) -> Job:
    """The dataset's latest raw file again, under the newly published spec."""
    return Job(
        change_id=spec_change_id(event.dataset_id, event.spec_version),
        dataset_id=event.dataset_id,
        dataset_name=latest.dataset_name,
        raw_uri=latest.raw_uri,
        raw_sha256=latest.raw_sha256,
        correlation_id=event.correlation_id,
        at=event.occurred_at,
        spec=StoredSpec(event.spec_version, event.spec),
        reason=SPEC_CHANGED,
    )


def parquet_metadata(job: Job, version: int) -> dict[str, Any]:
    """What the Parquet footer records about where the version came from."""
    return {
        "dataset": job.dataset_name,
        "dataset_id": str(job.dataset_id),
        "version": version,
        "change_id": str(job.change_id),
        "raw_sha256": job.raw_sha256,
        "reason": job.reason,
        "spec_version": job.spec_version,
    }
