"""Field-level differences between two dataset specs (pure; used by history and drafts).

Spec columns are matched by their raw-file name, so moving a column inside `columns` is no
change (the output order comes from the file, or from `select`).
"""

from __future__ import annotations

from typing import Any, Literal

from mdc_contracts import ColumnSpec, DatasetSpec
from pydantic import BaseModel, Field

ChangeKind = Literal["added", "removed", "changed"]
_TOP_FIELDS = ("select", "null_tokens", "sheet", "description")


class SpecFieldChange(BaseModel):
    kind: ChangeKind
    path: str = Field(examples=["columns[island].rename_to", "select"])
    column: str | None = Field(default=None, description="Raw-file name of the column.")
    field: str | None = Field(default=None, description="Column field; None: the whole column.")
    before: Any = None
    after: Any = None


class SpecDiff(BaseModel):
    from_version: int | None = Field(description="None: no spec (everything is added).")
    to_version: int | None = Field(description="None: a draft, not a version.")
    changes: list[SpecFieldChange]


def diff_specs(before: DatasetSpec | None, after: DatasetSpec | None) -> list[SpecFieldChange]:
    """What changes from `before` to `after` (None is the empty spec), top-level fields first,
    then columns in the order of `after` (removed columns last)."""
    old = before or DatasetSpec()
    new = after or DatasetSpec()
    changes: list[SpecFieldChange] = []
    for name in _TOP_FIELDS:
        was, now = _plain(getattr(old, name)), _plain(getattr(new, name))
        if was != now:
            changes.append(SpecFieldChange(kind=_kind(was, now), path=name, before=was, after=now))
    old_columns = {c.name: c for c in old.columns}
    new_columns = {c.name: c for c in new.columns}
    for name, column in new_columns.items():
        previous = old_columns.get(name)
        if previous is None:
            changes.append(_whole_column("added", name, after=column))
        else:
            changes.extend(_column_changes(name, previous, column))
    for name, column in old_columns.items():
        if name not in new_columns:
            changes.append(_whole_column("removed", name, before=column))
    return changes


def _column_changes(name: str, old: ColumnSpec, new: ColumnSpec) -> list[SpecFieldChange]:
    was_fields, now_fields = old.model_dump(mode="json"), new.model_dump(mode="json")
    return [
        SpecFieldChange(
            kind="changed",
            path=f"columns[{name}].{field}",
            column=name,
            field=field,
            before=was_fields[field],
            after=now_fields[field],
        )
        for field in was_fields
        if field != "name" and was_fields[field] != now_fields[field]
    ]


def _whole_column(
    kind: ChangeKind,
    name: str,
    *,
    before: ColumnSpec | None = None,
    after: ColumnSpec | None = None,
) -> SpecFieldChange:
    return SpecFieldChange(
        kind=kind,
        path=f"columns[{name}]",
        column=name,
        before=_set_fields(before),
        after=_set_fields(after),
    )


def _set_fields(column: ColumnSpec | None) -> dict[str, Any] | None:
    # Only what the provider wrote: a new column shows as {"name", "unit"}, not 12 defaults.
    return None if column is None else column.model_dump(mode="json", exclude_defaults=True)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


def _kind(before: Any, after: Any) -> ChangeKind:
    if before in (None, []):
        return "added"
    if after in (None, []):
        return "removed"
    return "changed"
