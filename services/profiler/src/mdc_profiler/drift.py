"""The SchemaChanged event of a new version: its drift from the previous version."""

from __future__ import annotations

from mdc_contracts import DatasetVersionCreated, SchemaChanged, deterministic_id
from mdc_contracts.drift import detect_drift

from mdc_profiler.ports import VersionProfile

__all__ = ["detect_drift", "drift_event"]


def drift_event(
    created: DatasetVersionCreated, previous: VersionProfile, *, producer: str
) -> SchemaChanged | None:
    """The SchemaChanged of a new version, or None when nothing changed. Its id derives from
    the version's change, so a replay publishes the very same event."""
    changes = detect_drift(
        previous.columns,
        created.columns,
        previous_rows=previous.row_count,
        current_rows=created.row_count,
    )
    if not changes:
        return None
    return SchemaChanged(
        event_id=deterministic_id("SchemaChanged", created.change_id),
        occurred_at=created.created_at,
        producer=producer,
        correlation_id=created.correlation_id,
        dataset_id=created.dataset_id,
        dataset_name=created.dataset_name,
        from_version=previous.version,
        to_version=created.version,
        breaking=any(c.breaking for c in changes),
        changes=changes,
    )
