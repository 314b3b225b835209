"""Recording what the other services report: new dataset versions, checks, processing failures.

Each `record_*` is one transaction and is idempotent: a re-delivered event changes nothing,
and an event older than what is stored (out-of-order delivery) is ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from mdc_contracts import (
    CheckOutcome,
    DatasetProcessingFailed,
    DatasetVersionCreated,
    FailureReason,
    SchemaChanged,
    SourceChecked,
    StatType,
)

from mdc_catalog.health_view import FailureKind
from mdc_catalog.metrics import CatalogMetrics
from mdc_catalog.models import (
    Dataset,
    DatasetColumn,
    DatasetVersion,
    DatasetVersionProfile,
    SchemaChangeRecord,
    Source,
    SourceFailureRecord,
)
from mdc_catalog.repository import CatalogRepository
from mdc_catalog.schemas import SourceError

log = logging.getLogger(__name__)

PROCESSING_REASON = "processing"


# --- pure status transitions (no I/O) ------------------------------------------------------


def apply_check(source: Source, event: SourceChecked) -> bool:
    """Update a source's check status; False when the event is older than the stored one."""
    if source.last_checked_at is not None and event.checked_at < source.last_checked_at:
        return False
    source.last_checked_at = event.checked_at
    source.last_outcome = event.outcome.value
    if event.outcome is CheckOutcome.CHANGED:
        source.last_changed_at = event.checked_at
    if event.outcome is CheckOutcome.FAILED:
        failure = event.failure
        source.check_error = _error_json(
            SourceError(
                reason=(failure.reason if failure else FailureReason.OTHER).value,
                message=failure.message if failure else "check failed without detail",
                http_status=failure.http_status if failure else None,
                at=event.checked_at,
            )
        )
        source.consecutive_failures = max(event.consecutive_failures, 1)
    else:
        source.check_error = None
        source.consecutive_failures = 0
    return True


def apply_version(source: Source, event: DatasetVersionCreated) -> bool:
    """Record a successful processing; the latest version only moves forward."""
    if source.latest_version is not None and event.version < source.latest_version:
        return False
    source.dataset_id = event.dataset_id
    source.latest_version = event.version
    source.last_processed_at = event.created_at
    error = source.processing_error
    # A failure that happened after this version was made still stands.
    if error is not None and SourceError.model_validate(error).at <= event.created_at:
        source.processing_error = None
    return True


def apply_processing_failure(source: Source, event: DatasetProcessingFailed) -> bool:
    """Record why the source's file could not be processed; False when a later success exists."""
    if source.last_processed_at is not None and event.occurred_at < source.last_processed_at:
        return False
    current = source.processing_error
    if current is not None and SourceError.model_validate(current).at > event.occurred_at:
        return False
    source.processing_error = _error_json(
        SourceError(
            reason=PROCESSING_REASON,
            message=event.reason,
            at=event.occurred_at,
            stage=event.stage.value,
            row=event.row,
            column=event.column,
        )
    )
    return True


def _error_json(error: SourceError) -> dict[str, Any]:
    return error.model_dump(mode="json")  # JSONB: timestamps as ISO strings


# --- rows from events ----------------------------------------------------------------------


def version_rows(
    event: DatasetVersionCreated,
) -> tuple[Dataset, DatasetVersion, list[DatasetColumn]]:
    columns = [
        DatasetColumn.model_validate(
            {
                **column.model_dump(mode="json"),
                "dataset_id": event.dataset_id,
                "version": event.version,
            }
        )
        for column in event.columns
    ]
    dataset = Dataset(
        id=event.dataset_id,
        name=event.dataset_name,
        source_id=event.source_id,
        latest_version=event.version,
        row_count=event.row_count,
        column_count=len(columns),
        parquet_uri=event.parquet_uri,
        raw_sha256=event.raw_sha256,
        encoding=event.encoding,
        delimiter=event.delimiter,
        updated_at=event.created_at,
    )
    version = DatasetVersion(
        dataset_id=event.dataset_id,
        version=event.version,
        source_id=event.source_id,
        change_id=event.change_id,
        event_id=event.event_id,
        row_count=event.row_count,
        column_count=len(columns),
        raw_sha256=event.raw_sha256,
        parquet_uri=event.parquet_uri,
        encoding=event.encoding,
        delimiter=event.delimiter,
        created_at=event.created_at,
    )
    return dataset, version, columns


def profile_row(event: DatasetVersionCreated) -> DatasetVersionProfile:
    profile = event.profile
    return DatasetVersionProfile(
        dataset_id=event.dataset_id,
        version=event.version,
        reason=event.reason,
        spec_version=event.spec_version,
        columns=[c.model_dump(mode="json") for c in event.columns],
        profile=profile.model_dump(mode="json") if profile else None,
        read=event.read.model_dump(mode="json") if event.read else None,
        binary_columns=profile.stat_type_counts.get(StatType.BINARY.value, 0) if profile else None,
        low_cardinality_columns=profile.low_cardinality_columns if profile else None,
        datetime_columns=profile.datetime_columns if profile else None,
        measurement_columns=profile.measurement_columns if profile else None,
        duplicate_rows=profile.duplicate_rows if profile else None,
    )


def schema_change_row(event: SchemaChanged) -> SchemaChangeRecord:
    return SchemaChangeRecord(
        event_id=event.event_id,
        dataset_id=event.dataset_id,
        from_version=event.from_version,
        to_version=event.to_version,
        breaking=event.breaking,
        changes=[c.model_dump(mode="json") for c in event.changes],
        occurred_at=event.occurred_at,
    )


def failure_row(event: SourceChecked | DatasetProcessingFailed) -> SourceFailureRecord | None:
    """The history row of a failed download or processing; None for a check that did not fail."""
    if isinstance(event, DatasetProcessingFailed):
        return SourceFailureRecord(
            event_id=event.event_id,
            source_id=event.source_id,
            kind=FailureKind.PROCESSING.value,
            reason=PROCESSING_REASON,
            stage=event.stage.value,
            message=event.reason,
            row=event.row,
            column_name=event.column,
            change_id=event.change_id,
            occurred_at=event.occurred_at,
        )
    if event.outcome is not CheckOutcome.FAILED:
        return None
    failure = event.failure
    return SourceFailureRecord(
        event_id=event.event_id,
        source_id=event.source_id,
        kind=FailureKind.DOWNLOAD.value,
        reason=(failure.reason if failure else FailureReason.OTHER).value,
        message=failure.message if failure else "check failed without detail",
        http_status=failure.http_status if failure else None,
        consecutive_failures=max(event.consecutive_failures, 1),
        occurred_at=event.checked_at,
    )


# --- transactions --------------------------------------------------------------------------


async def record_dataset_version(
    repo: CatalogRepository, event: DatasetVersionCreated, metrics: CatalogMetrics | None = None
) -> bool:
    """Store a new dataset version; True when it was new, False for a re-delivery."""
    dataset, version, columns = version_rows(event)
    await repo.upsert_dataset(dataset)  # first: the version references the dataset
    is_new = await repo.add_version(version, columns)
    await repo.add_version_profile(profile_row(event))
    await repo.refresh_dataset_facts(event.dataset_id)  # search facts of the latest version
    source = await repo.get_source(event.source_id, for_update=True)
    if source is None:
        log.info(
            "dataset version of a source the catalog does not know",
            extra={"source_id": str(event.source_id), "dataset": event.dataset_name},
        )
    else:
        apply_version(source, event)
    await repo.commit()
    if metrics is not None:
        metrics.dataset_versions.labels("new" if is_new else "duplicate").inc()
    log.info(
        "dataset version recorded" if is_new else "dataset version already recorded",
        extra={"dataset_id": str(event.dataset_id), "version": event.version},
    )
    return is_new


async def record_schema_change(repo: CatalogRepository, event: SchemaChanged) -> bool:
    """Store drift between two versions; True when new, False for a re-delivery."""
    is_new = await repo.add_schema_change(schema_change_row(event))
    await repo.commit()
    log.info(
        "schema change recorded" if is_new else "schema change already recorded",
        extra={
            "dataset_id": str(event.dataset_id),
            "to_version": event.to_version,
            "breaking": event.breaking,
        },
    )
    return is_new


async def record_check(
    repo: CatalogRepository, event: SourceChecked, metrics: CatalogMetrics | None = None
) -> bool:
    return await _update_source(repo, event, apply_check, metrics)


async def record_processing_failure(
    repo: CatalogRepository, event: DatasetProcessingFailed, metrics: CatalogMetrics | None = None
) -> bool:
    return await _update_source(repo, event, apply_processing_failure, metrics)


async def _update_source(
    repo: CatalogRepository,
    event: SourceChecked | DatasetProcessingFailed,
    apply: Callable[[Source, Any], bool],
    metrics: CatalogMetrics | None,
) -> bool:
    source = await repo.get_source(event.source_id, for_update=True)
    if source is None:
        # Not an error: e.g. a check of a source defined in another deployment.
        log.info(
            "event for an unknown source ignored",
            extra={"source_id": str(event.source_id), "event_type": event.event_type},
        )
        _ignored(metrics, event.event_type, "unknown_source")
        return False
    # History first: a failure delivered late is still a failure, even if the source's
    # current status has moved past it; the event id makes a re-delivery a no-op.
    if (failure := failure_row(event)) is not None:
        await repo.add_source_failure(failure)
    if not apply(source, event):
        await repo.commit()  # releases the row lock; nothing changed
        log.info(
            "out-of-order event ignored",
            extra={"source_id": str(event.source_id), "event_type": event.event_type},
        )
        _ignored(metrics, event.event_type, "out_of_order")
        return False
    await repo.commit()
    return True


def _ignored(metrics: CatalogMetrics | None, event_type: str, reason: str) -> None:
    if metrics is not None:
        metrics.events_ignored.labels(event_type, reason).inc()
