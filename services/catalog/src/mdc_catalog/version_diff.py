"""The schema diff between any two versions of a dataset, by the same rules as the drift the
profiler reports between consecutive versions (mdc_contracts.drift)."""

from __future__ import annotations

import uuid

from mdc_contracts import ColumnProfile, SchemaChange
from mdc_contracts.drift import detect_drift
from pydantic import BaseModel, Field

from mdc_catalog.schemas import ColumnPublic, VersionDetail


class VersionDiff(BaseModel):
    dataset_id: uuid.UUID
    from_version: int
    to_version: int
    breaking: bool = Field(description="At least one change would break a consumer of `from`.")
    changes: list[SchemaChange] = Field(
        description="Removed and renamed columns first, then per column of `to` in order."
    )


def as_profile(column: ColumnPublic) -> ColumnProfile:
    return ColumnProfile.model_validate(column.model_dump())


def version_diff(old: VersionDetail, new: VersionDetail) -> VersionDiff:
    """What changed from `old` to `new` (either may be the later one)."""
    changes = detect_drift(
        [as_profile(c) for c in old.columns],
        [as_profile(c) for c in new.columns],
        previous_rows=old.row_count,
        current_rows=new.row_count,
    )
    return VersionDiff(
        dataset_id=new.dataset_id,
        from_version=old.version,
        to_version=new.version,
        breaking=any(change.breaking for change in changes),
        changes=changes,
    )
