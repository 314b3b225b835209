"""The job model and the events of a job, called directly (no broker, no files)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from mdc_common.storage import S3Uri
from mdc_contracts import (
    DatasetProfile,
    DatasetSpec,
    DatasetSpecPublished,
    ProcessingStage,
    ReadReport,
    RunState,
    SourceChanged,
    Topic,
    deterministic_id,
)
from mdc_profiler.errors import UnreadableFile
from mdc_profiler.job_events import (
    completed_job_events,
    failed_lineage_event,
    lineage_event,
    processing_failed,
    version_created,
)
from mdc_profiler.jobs import (
    SOURCE_CHANGED,
    SPEC_CHANGED,
    Job,
    job_for_change,
    job_for_spec,
    parquet_key,
    parquet_metadata,
    spec_change_id,
    standardize_job,
)
from mdc_profiler.pipeline import Standardized
from mdc_profiler.ports import AssignedVersion, LatestRaw, StoredSpec

DATASET_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
SHA = "ab" * 32
DETECTED_AT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def a_change() -> SourceChanged:
    change_id = uuid.uuid4()
    return SourceChanged(
        producer="change-detector",
        correlation_id=change_id,
        change_id=change_id,
        source_id=DATASET_ID,
        source_name="palmer-penguins",
        url="https://x.org/p.csv",
        raw_uri=f"s3://mdc-raw/sha256/ab/{SHA}",
        sha256=SHA,
        size_bytes=3,
        detected_at=DETECTED_AT,
    )


def a_job() -> Job:
    return job_for_change(a_change(), spec=None)


def test_parquet_key_makes_the_dataset_name_safe_for_a_path() -> None:
    assert parquet_key("palmer-penguins", 3) == "datasets/palmer-penguins/v3.parquet"
    assert parquet_key("Palmer Penguins / 2024", 1) == "datasets/Palmer-Penguins-2024/v1.parquet"
    assert parquet_key("../", 2) == "datasets/dataset/v2.parquet"


def test_spec_change_id_is_one_id_per_dataset_and_spec_version() -> None:
    other = uuid.UUID("00000000-0000-4000-8000-000000000002")
    assert spec_change_id(DATASET_ID, 1) == spec_change_id(DATASET_ID, 1)
    assert spec_change_id(DATASET_ID, 1) != spec_change_id(DATASET_ID, 2)
    assert spec_change_id(DATASET_ID, 1) != spec_change_id(other, 1)


def test_a_change_is_a_job_at_the_change_time_under_the_current_spec() -> None:
    change = a_change()
    spec = StoredSpec(4, DatasetSpec())
    job = job_for_change(change, spec)
    assert (job.change_id, job.dataset_id, job.dataset_name) == (
        change.change_id,
        change.source_id,
        change.source_name,
    )
    assert (job.raw_uri, job.raw_sha256, job.at) == (change.raw_uri, change.sha256, DETECTED_AT)
    assert (job.reason, job.spec_version) == (SOURCE_CHANGED, 4)
    assert job.run_id == deterministic_id("standardize", change.change_id)


def test_a_spec_is_a_job_on_the_latest_raw_file() -> None:
    event = DatasetSpecPublished(
        producer="catalog",
        correlation_id=uuid.uuid4(),
        dataset_id=DATASET_ID,
        dataset_name="palmer-penguins",
        spec_version=2,
        spec=DatasetSpec(select=["species"]),
    )
    latest = LatestRaw(uuid.uuid4(), 5, "palmer-penguins", "s3://mdc-raw/x", "sha", None)
    job = job_for_spec(event, latest)
    assert job.change_id == spec_change_id(DATASET_ID, 2)
    assert (job.raw_uri, job.raw_sha256, job.at) == ("s3://mdc-raw/x", "sha", event.occurred_at)
    assert job.spec == StoredSpec(2, event.spec)
    assert (job.reason, job.correlation_id) == (SPEC_CHANGED, event.correlation_id)
    metadata = parquet_metadata(job, 6)
    assert (metadata["version"], metadata["reason"], metadata["spec_version"]) == (
        6,
        SPEC_CHANGED,
        2,
    )
    assert metadata["change_id"] == str(job.change_id)


def test_the_fail_lineage_event_is_at_the_job_time_and_names_the_column() -> None:
    job = a_job()
    err = UnreadableFile("not a number: 'x'", stage=ProcessingStage.PARSE, row=3, column="year")
    fail = failed_lineage_event(job, err)
    assert fail.eventType == RunState.FAIL
    assert fail.eventTime == job.at
    assert fail.run.runId == job.run_id
    assert fail.job.name == standardize_job(job.dataset_name)
    assert fail.run.facets["errorMessage"]["message"] == "parse: not a number: 'x' (column 'year')"
    assert failed_lineage_event(job, err) == fail  # built again on redelivery: the same event
    failed = processing_failed(job, err)
    assert (failed.occurred_at, failed.row, failed.column) == (job.at, 3, "year")
    assert failed.event_id == deterministic_id("DatasetProcessingFailed", job.change_id)


def test_a_completed_job_publishes_start_version_and_complete_in_order() -> None:
    job = a_job()
    result = Standardized(
        parquet_path=Path("unused.parquet"),
        read=ReadReport(file_format="csv", encoding="utf-8", delimiter=";"),
        row_count=4,
        columns=[],
        profile=DatasetProfile(
            row_count=4,
            column_count=0,
            duplicate_rows=0,
            stat_type_counts={},
            low_cardinality_columns=0,
            measurement_columns=0,
            datetime_columns=0,
            geo_columns=0,
        ),
    )
    assigned = AssignedVersion(3, DETECTED_AT.replace(hour=8))
    uri = S3Uri("mdc-curated", parquet_key(job.dataset_name, 3))
    created = version_created(job, assigned, uri, result)
    assert created.event_id == deterministic_id("DatasetVersionCreated", job.change_id)
    assert (created.version, created.occurred_at, created.row_count) == (3, assigned.created_at, 4)
    assert created.parquet_uri == "s3://mdc-curated/datasets/palmer-penguins/v3.parquet"
    assert (created.encoding, created.delimiter, created.reason) == ("utf-8", ";", SOURCE_CHANGED)

    start = lineage_event(job, RunState.START, at=job.at)
    complete = lineage_event(
        job, RunState.COMPLETE, at=DETECTED_AT.replace(hour=9), created=created
    )
    assert complete.outputs[0].outputFacets["outputStatistics"]["rowCount"] == 4
    events = completed_job_events(job, start, created, None, complete)
    lineage_key = standardize_job(job.dataset_name)
    assert [(e.topic, e.key) for e in events] == [
        (Topic.LINEAGE, lineage_key),
        (Topic.DATASET_VERSIONS, str(DATASET_ID)),
        (Topic.LINEAGE, lineage_key),
    ]
    assert [e.payload.get("eventType") for e in events] == ["START", None, "COMPLETE"]
