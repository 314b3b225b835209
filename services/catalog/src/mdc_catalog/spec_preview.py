""" "This is the schema you would get": a spec applied to a version's stored columns (pure).

It mirrors the profiler's rules (mdc_profiler/spec.py) without the data: spec columns are keyed
by raw-file name (a stored column's `source_name`, else its name); a spec column the file lacks
is ignored; `select` names outputs; a lossy cast or a value outside the categories fails the
processing. Errors are what the profiler would refuse, and spec entries that certainly do
nothing (an unknown column, an output name used as a key); warnings are what cannot be known
for sure. Values are checked against what the profile kept (top values, min, max), so a preview
without errors can still fail on a rare value; a warning says when the sample was partial.

The stored columns are those of the latest version, made with an earlier spec (`made_with`):
raw columns that spec's `select` dropped are invisible, so with such a `select` an unknown name
is only a warning; a type that spec fixed is inferred again once no longer fixed (a warning).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from mdc_contracts import ColumnSpec, DatasetSpec, StatType
from pydantic import BaseModel, Field

from mdc_catalog.schemas import ColumnPublic

_TRUE = {"true", "t", "yes", "y", "1", "oui", "o", "vrai", "ja", "si", "sí"}
_FALSE = {"false", "f", "no", "n", "0", "non", "faux", "nein"}
# Polars' own text-to-number rules: ASCII digits, no surrounding spaces, no separators.
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_FLOAT = re.compile(
    r"^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|nan|inf|infinity)$", re.IGNORECASE
)
_INT64 = (-(2**63), 2**63 - 1)
_DTYPE_NAMES = {
    "string": "String",
    "int64": "Int64",
    "float64": "Float64",
    "boolean": "Boolean",
    "date": "Date",
    "datetime": "Datetime(time_unit='us', time_zone=None)",
    "time": "Time",
    "categorical": "Categorical",
}
_TEXTUAL = ("String", "Categorical", "Enum", "Utf8")
SAMPLE = 5


class PreviewIssue(BaseModel):
    level: Literal["error", "warning"]
    code: str = Field(examples=["unknown_column", "select_missing", "values_outside_categories"])
    column: str | None = Field(default=None, description="Raw-file (spec) or output name.")
    message: str


class PreviewColumn(BaseModel):
    name: str = Field(description="Output name.")
    source_name: str = Field(description="Name in the raw file.")
    dtype: str
    dtype_overridden: bool
    stat_type: str
    stat_type_overridden: bool
    categories: list[str] | None = None
    ordered: bool = False
    null_tokens: list[str] = Field(
        default_factory=list, description="Values read as missing (the spec's and the column's)."
    )
    unit: str | None = None
    description: str | None = None
    pii: bool = False


class SpecPreview(BaseModel):
    against_version: int = Field(description="The dataset version whose columns were used.")
    made_with_spec_version: int | None = Field(
        default=None, description="The spec version that dataset version was made with."
    )
    columns: list[PreviewColumn]
    errors: list[PreviewIssue]
    warnings: list[PreviewIssue]

    @property
    def ok(self) -> bool:
        return not self.errors


def preview_spec(
    spec: DatasetSpec,
    columns: list[ColumnPublic],
    version: int,
    *,
    made_with: DatasetSpec | None = None,
    made_with_version: int | None = None,
) -> SpecPreview:
    """`spec` applied to the stored `columns` of dataset version `version`, which the spec
    `made_with` (version `made_with_version`; None: no spec) produced."""
    issues: list[PreviewIssue] = []
    by_raw = {c.source_name or c.name: c for c in columns}
    by_output = {c.name: c for c in columns}
    present = {c.name: c for c in spec.columns if c.name in by_raw}
    # Raw columns dropped by the earlier spec's `select` exist but cannot be seen here.
    hidden = made_with is not None and made_with.select is not None
    for column in spec.columns:
        if column.name not in by_raw:
            issues.append(_unknown(column, by_raw, by_output, hidden))
    effective = []
    for stored in sorted(columns, key=lambda c: c.position):
        raw = stored.source_name or stored.name
        override = present.get(raw)
        effective.append(_effective(spec, stored, raw, override))
        if override is not None:
            issues.extend(_value_issues(spec, override, stored))
        issues.extend(_reinferred(raw, override, made_with, made_with_version, stored))
    issues.extend(_duplicate_outputs(effective))
    issues.extend(_format_changes(spec, made_with))
    effective = _select(spec, effective, issues, hidden)
    return SpecPreview(
        against_version=version,
        made_with_spec_version=made_with_version,
        columns=effective,
        errors=[i for i in issues if i.level == "error"],
        warnings=[i for i in issues if i.level == "warning"],
    )


def _unknown(
    column: ColumnSpec,
    by_raw: dict[str, ColumnPublic],
    by_output: dict[str, ColumnPublic],
    hidden: bool,
) -> PreviewIssue:
    stored = by_output.get(column.name)
    if stored is not None and stored.source_name and stored.source_name != column.name:
        return PreviewIssue(
            level="error",
            code="output_name_used",
            column=column.name,
            message=f"{column.name!r} is the output name of raw column {stored.source_name!r}; "
            f"spec columns are keyed by their raw-file name, so this entry would be ignored: "
            f"name it {stored.source_name!r}",
        )
    if hidden:
        return PreviewIssue(
            level="warning",
            code="column_not_visible",
            column=column.name,
            message=f"spec column {column.name!r} is not among the latest version's columns; it "
            "may be a raw column the `select` of the earlier spec dropped (not visible here), "
            "otherwise its settings are ignored",
        )
    return PreviewIssue(
        level="error",
        code="unknown_column",
        column=column.name,
        message=f"spec column {column.name!r} is not in the latest version; its settings "
        f"would be ignored (raw columns: {_show(by_raw, limit=None)})",
    )


def _effective(
    spec: DatasetSpec, stored: ColumnPublic, raw: str, column: ColumnSpec | None
) -> PreviewColumn:
    inferred = str(stored.inferred_stat_type or stored.stat_type)
    if column is None:
        return PreviewColumn(
            name=raw,  # the new spec replaces the old one: an old rename no longer applies
            source_name=raw,
            dtype=stored.dtype,
            dtype_overridden=False,
            stat_type=inferred,
            stat_type_overridden=False,
            null_tokens=list(spec.null_tokens),
        )
    dtype, categories = _target(column, stored)
    stat_type = column.stat_type or (StatType.ORDINAL if column.ordered else None)
    return PreviewColumn(
        name=column.rename_to or raw,
        source_name=raw,
        dtype=dtype or stored.dtype,
        dtype_overridden=dtype is not None,
        stat_type=str(stat_type or inferred),
        stat_type_overridden=stat_type is not None,
        categories=categories,
        ordered=column.ordered,
        null_tokens=list(dict.fromkeys([*spec.null_tokens, *(column.null_tokens or [])])),
        unit=column.unit,
        description=column.description,
        pii=column.pii,
    )


def _target(column: ColumnSpec, stored: ColumnPublic) -> tuple[str | None, list[str] | None]:
    """The storage type the spec asks for (None: unchanged), and the category levels."""
    if column.categories is not None and (column.ordered or column.dtype == "enum"):
        return f"Enum(categories={column.categories!r})", column.categories
    if column.dtype is None:
        return ("Categorical", column.categories) if column.categories is not None else (None, None)
    if column.dtype == "enum":
        # The profiler takes the observed values, sorted; known only when the profile has all.
        observed = _complete_values(stored)
        if observed is None:
            return "Enum(categories=<observed values>)", None
        levels = sorted(observed)
        return f"Enum(categories={levels!r})", levels
    return _DTYPE_NAMES[column.dtype], column.categories


def _complete_values(stored: ColumnPublic) -> set[str] | None:
    top = stored.top_values or []
    values = {v.value for v in top if v.value is not None}
    return values if top and len(values) >= stored.distinct_count else None


def _observed(spec: DatasetSpec, column: ColumnSpec, stored: ColumnPublic) -> list[str]:
    """Observed non-missing values: top values, then min and max, without null tokens."""
    tokens = {*spec.null_tokens, *(column.null_tokens or [])}
    found = [v.value for v in stored.top_values or [] if v.value is not None]
    found += [v for v in (stored.min, stored.max) if v is not None]
    return list(dict.fromkeys(v for v in found if v not in tokens))


def _value_issues(
    spec: DatasetSpec, column: ColumnSpec, stored: ColumnPublic
) -> list[PreviewIssue]:
    issues: list[PreviewIssue] = []
    observed = _observed(spec, column, stored)
    if column.categories is not None:
        outside = [v for v in observed if v not in column.categories]
        if outside:
            issues.append(
                PreviewIssue(
                    level="error",
                    code="values_outside_categories",
                    column=column.name,
                    message=f"column {column.name!r} has values outside its categories: "
                    f"{_show(outside)}; processing would fail",
                )
            )
        elif _complete_values(stored) is None:
            issues.append(
                PreviewIssue(
                    level="warning",
                    code="categories_partly_checked",
                    column=column.name,
                    message=f"only the most frequent values of {column.name!r} were checked "
                    f"against its categories ({stored.distinct_count} distinct values)",
                )
            )
    # Typed columns are cast by polars, which loses nothing but non-boolean values.
    checked = stored.dtype.startswith(_TEXTUAL) or column.dtype == "boolean"
    if column.dtype is not None and stored.dtype != _DTYPE_NAMES.get(column.dtype) and checked:
        bad = [v for v in observed if not _castable(v, column)]
        if bad:
            temporal = column.dtype in ("date", "datetime", "time")
            issues.append(
                PreviewIssue(
                    # Python's strptime is close to, not the same as, polars' formats.
                    level="warning" if temporal else "error",
                    code="impossible_cast",
                    column=column.name,
                    message=f"column {column.name!r} ({stored.dtype}) cannot be read as "
                    f"{column.dtype}: e.g. {_show(bad)}",
                )
            )
    return issues


def _reinferred(
    raw: str,
    column: ColumnSpec | None,
    made_with: DatasetSpec | None,
    made_with_version: int | None,
    stored: ColumnPublic,
) -> list[PreviewIssue]:
    """A warning when the earlier spec fixed the column's type and this one no longer does."""
    before = next((c for c in made_with.columns if c.name == raw), None) if made_with else None
    if before is None or not _fixes_dtype(before) or (column is not None and _fixes_dtype(column)):
        return []
    return [
        PreviewIssue(
            level="warning",
            code="dtype_reinferred",
            column=raw,
            message=f"spec version {made_with_version} sets the type of {raw!r}; without that "
            f"override it is inferred again from the file (shown: the current {stored.dtype})",
        )
    ]


def _fixes_dtype(column: ColumnSpec) -> bool:
    return column.dtype is not None or column.categories is not None


def _castable(value: str, column: ColumnSpec) -> bool:
    match column.dtype:
        case "int64":
            return bool(_INTEGER.match(value)) and _INT64[0] <= int(value) <= _INT64[1]
        case "float64":
            return bool(_FLOAT.match(value))
        case "boolean":
            return value.strip().lower() in _TRUE | _FALSE
        case "date" | "datetime" | "time" if column.date_format:
            try:
                datetime.strptime(value, column.date_format)
            except ValueError:
                return False
            return True
        case "date" | "datetime" | "time":
            return any(ch.isdigit() for ch in value)
    return True  # string, categorical, enum: any text is readable (levels are checked apart)


def _duplicate_outputs(columns: list[PreviewColumn]) -> list[PreviewIssue]:
    seen: dict[str, str] = {}
    issues = []
    for column in columns:
        other = seen.setdefault(column.name, column.source_name)
        if other != column.source_name:
            issues.append(
                PreviewIssue(
                    level="error",
                    code="duplicate_output",
                    column=column.name,
                    message=f"raw columns {other!r} and {column.source_name!r} would both "
                    f"be named {column.name!r}",
                )
            )
    return issues


def _select(
    spec: DatasetSpec, columns: list[PreviewColumn], issues: list[PreviewIssue], hidden: bool
) -> list[PreviewColumn]:
    if spec.select is None:
        return columns
    by_output = {c.name: c for c in columns}
    raw_names = {c.source_name for c in columns}
    # Outputs of spec columns the file lacks are skipped, as the profiler does.
    gone = {c.rename_to or c.name for c in spec.columns if c.name not in raw_names}
    chosen = []
    for name in spec.select:
        if name in by_output:
            chosen.append(by_output[name])
        elif hidden:  # first: a spec column not seen here may still be in the file
            issues.append(
                _select_issue(
                    "warning",
                    "select_not_visible",
                    name,
                    "keeps it only if it is a raw column the earlier spec's `select` "
                    "dropped (not visible here)",
                )
            )
        elif name in gone:
            issues.append(_select_issue("warning", "select_skipped", name, "is skipped"))
        else:
            issues.append(_select_issue("error", "select_missing", name, "would fail"))
    return chosen


def _select_issue(
    level: Literal["error", "warning"], code: str, name: str, what: str
) -> PreviewIssue:
    return PreviewIssue(
        level=level,
        code=code,
        column=name,
        message=f"`select` names {name!r}, which no column would be called; processing {what}",
    )


def _show(values: Iterable[str], limit: int | None = SAMPLE) -> str:
    return ", ".join(repr(v) for v in list(values)[:limit])


FORMAT_OPTIONS = ("encoding", "delimiter", "header_row", "sheet")


def _format_changes(spec: DatasetSpec, made_with: DatasetSpec | None) -> list[PreviewIssue]:
    """Format options change how the raw file is read: the columns shown here, taken from the
    stored version, cannot reflect them (the next version will)."""
    changed = [
        name
        for name in FORMAT_OPTIONS
        if getattr(spec, name) != (getattr(made_with, name) if made_with else None)
    ]
    if not changed:
        return []
    return [
        PreviewIssue(
            level="warning",
            code="format_changed",
            message=f"{', '.join(changed)} change how the raw file is read: the columns shown "
            "are those of the stored version; the version this spec makes will show the effect",
        )
    ]
