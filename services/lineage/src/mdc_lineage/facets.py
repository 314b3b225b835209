"""Reading the few OpenLineage facets the store understands.

Facets are free-form in the contract, so each reader is defensive: a malformed facet is reported
as a warning and ignored (the raw event is kept anyway), never a reason to lose the event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from mdc_lineage.records import ColumnEdgeRecord, EntityKey

_BIGINT_MAX = 2**63 - 1
# Versions are unique-indexed; PostgreSQL's btree rows hold ~2.7 kB.
MAX_VERSION_BYTES = 1000
# Dataset names and field names of column lineage are unique-indexed too (two fields per row).
MAX_NAME_BYTES = 1000

DIRECT, INDIRECT = "DIRECT", "INDIRECT"
# ColumnLineageDatasetFacet 1-2-0: each subtype belongs to one type.
SUBTYPE_TYPES = {
    **dict.fromkeys(("IDENTITY", "TRANSFORMATION", "AGGREGATION"), DIRECT),
    **dict.fromkeys(("JOIN", "GROUP_BY", "FILTER", "SORT", "WINDOW", "CONDITIONAL"), INDIRECT),
}
# Pre-1-2-0 field-level `transformationType` values that are neither a type nor a subtype.
_LEGACY_TYPES = {"MASKED": (DIRECT, "TRANSFORMATION")}


class Transformation(NamedTuple):
    type: str | None
    subtype: str | None
    description: str | None


_UNKNOWN = Transformation(None, None, None)


@dataclass
class FacetReader:
    """Collects warnings while reading facets of one event."""

    warnings: list[str] = field(default_factory=list)

    def _warn(self, where: str, problem: str, ignored: str = "facet") -> None:
        self.warnings.append(f"{where}: {problem}; {ignored} ignored")

    def parent(self, facets: dict[str, Any], where: str) -> tuple[uuid.UUID, EntityKey] | None:
        facet = facets.get("parent")
        if facet is None:
            return None
        try:
            run_id = uuid.UUID(str(facet["run"]["runId"]))
            job = facet["job"]
            key = EntityKey(str(job["namespace"]), str(job["name"]))
        except (KeyError, TypeError, ValueError) as err:
            self._warn(f"{where}.parent", f"needs run.runId (UUID) and job.namespace/name ({err})")
            return None
        return run_id, key

    def error_message(self, facets: dict[str, Any], where: str) -> str | None:
        facet = facets.get("errorMessage")
        if facet is None:
            return None
        message = facet.get("message") if isinstance(facet, dict) else None
        if not isinstance(message, str):
            self._warn(f"{where}.errorMessage", "message is not a string")
            return None
        return message

    def schema_fields(self, facets: dict[str, Any], where: str) -> list[dict[str, Any]] | None:
        facet = facets.get("schema")
        if facet is None:
            return None
        fields = facet.get("fields") if isinstance(facet, dict) else None
        if not isinstance(fields, list) or not all(
            isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields
        ):
            self._warn(f"{where}.schema", "fields must be a list of objects with a name")
            return None
        return fields

    def version(self, facets: dict[str, Any], where: str) -> str | None:
        facet = facets.get("version")
        if facet is None:
            return None
        version = facet.get("datasetVersion") if isinstance(facet, dict) else None
        if not isinstance(version, str | int) or isinstance(version, bool) or version == "":
            self._warn(f"{where}.version", "datasetVersion must be a non-empty string")
            return None
        if len(str(version).encode()) > MAX_VERSION_BYTES:
            self._warn(f"{where}.version", f"datasetVersion is over {MAX_VERSION_BYTES} bytes")
            return None
        return str(version)

    def output_statistics(
        self, output_facets: dict[str, Any], where: str
    ) -> tuple[int | None, int | None] | None:
        """(rowCount, size in bytes) of the `outputStatistics` output facet."""
        return self._statistics(output_facets, "outputStatistics", where)

    def input_statistics(
        self, input_facets: dict[str, Any], where: str
    ) -> tuple[int | None, int | None] | None:
        """(rowCount, size in bytes) of the `inputStatistics` input facet (what a run read)."""
        return self._statistics(input_facets, "inputStatistics", where)

    def _statistics(
        self, facets: dict[str, Any], name: str, where: str
    ) -> tuple[int | None, int | None] | None:
        facet = facets.get(name)
        if facet is None:
            return None
        if not isinstance(facet, dict):
            self._warn(f"{where}.{name}", "not an object")
            return None
        rows, size = facet.get("rowCount"), facet.get("size")
        if not (_is_count(rows) or rows is None) or not (_is_count(size) or size is None):
            self._warn(f"{where}.{name}", "rowCount and size must be integers >= 0")
            return None
        return rows, size

    def column_lineage(
        self, facets: dict[str, Any], output: EntityKey, where: str
    ) -> list[ColumnEdgeRecord]:
        """The column edges of the `columnLineage` facet of output `output`: one per (output
        field, input field), plus one per input field of the dataset-level list (output field
        ''). A malformed entry is skipped with a warning; the rest of the facet still counts."""
        facet = facets.get("columnLineage")
        if facet is None:
            return []
        where = f"{where}.columnLineage"
        fields = facet.get("fields", {}) if isinstance(facet, dict) else None
        whole = facet.get("dataset") if isinstance(facet, dict) else None
        if not isinstance(fields, dict) or not isinstance(whole, list | None):
            self._warn(where, "fields must be an object and dataset a list")
            return []
        edges: list[ColumnEdgeRecord | None] = []
        for output_field, spec in fields.items():
            here = f"{where}.fields.{output_field}"
            if not _is_name(output_field):
                self._warn(here, f"a field name must have 1 to {MAX_NAME_BYTES} bytes", "entry")
                continue
            inputs = spec.get("inputFields") if isinstance(spec, dict) else None
            if not isinstance(inputs, list):
                self._warn(here, "inputFields must be a list", "entry")
                continue
            legacy = legacy_transformation(spec)
            for index, item in enumerate(inputs):
                at = f"{here}.inputFields[{index}]"
                edges.append(self._column_edge(item, at, output, output_field, legacy))
        for index, item in enumerate(whole or []):
            at = f"{where}.dataset[{index}]"
            edges.append(self._column_edge(item, at, output, "", _UNKNOWN))
        return [e for e in edges if e is not None]

    def _column_edge(
        self,
        item: object,
        where: str,
        output: EntityKey,
        output_field: str,
        fallback: Transformation,
    ) -> ColumnEdgeRecord | None:
        """One input field of the facet as a column edge; None (and a warning) if malformed."""
        if not isinstance(item, dict) or not all(
            _is_name(item.get(k)) for k in ("namespace", "name", "field")
        ):
            problem = f"namespace, name and field must be strings of 1 to {MAX_NAME_BYTES} bytes"
            self._warn(where, problem, "entry")
            return None
        chosen = self._transformation(item.get("transformations"), where) or fallback
        return ColumnEdgeRecord(
            input=EntityKey(item["namespace"], item["name"]),
            input_field=item["field"],
            output=output,
            output_field=output_field,
            transformation_type=chosen.type,
            transformation_subtype=chosen.subtype,
            description=chosen.description or fallback.description,
        )

    def _transformation(self, listed: object, where: str) -> Transformation | None:
        """The strongest of an input field's transformations (DIRECT before INDIRECT, else the
        first listed): one row holds one per edge, and a value-carrying dependency is the one an
        impact question needs. None when the list is absent or empty."""
        if listed is None:
            return None
        if not isinstance(listed, list):
            self._warn(f"{where}.transformations", "not a list", "list")
            return None
        found = []
        for index, entry in enumerate(listed):
            parsed = _transformation(entry)
            if parsed is None:
                at = f"{where}.transformations[{index}]"
                self._warn(at, "type, subtype and description must be strings", "entry")
            else:
                found.append(parsed)
        return min(found, key=transformation_rank) if found else None


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _BIGINT_MAX


def _is_name(value: object) -> bool:
    """1 to MAX_NAME_BYTES, no control characters (names become graph node ids)."""
    return (
        isinstance(value, str)
        and 0 < len(value.encode()) <= MAX_NAME_BYTES
        and not any(ord(char) < 0x20 or char == "\x7f" for char in value)
    )


def _text(value: object) -> str | None:
    """A non-blank string, stripped; None for anything else."""
    return (value.strip() or None) if isinstance(value, str) else None


def _transformation(entry: object) -> Transformation | None:
    if not isinstance(entry, dict):
        return None
    values = [entry.get(k) for k in ("type", "subtype", "description")]
    if not all(isinstance(v, str | None) for v in values):
        return None
    kind, subtype, description = (_text(v) for v in values)
    kind, subtype = (kind.upper() if kind else None), (subtype.upper() if subtype else None)
    # The spec requires `type`; a subtype alone still says which one.
    return Transformation(kind or SUBTYPE_TYPES.get(subtype or ""), subtype, description)


def legacy_transformation(spec: dict[str, Any]) -> Transformation:
    """The field-level `transformationType` / `transformationDescription` of facets before 1-2-0
    (deprecated since, still sent): IDENTITY -> DIRECT/IDENTITY, MASKED -> DIRECT/TRANSFORMATION,
    a 1-2-0 type or subtype as such; any other value is kept as the subtype, type unknown."""
    description = _text(spec.get("transformationDescription"))
    given = _text(spec.get("transformationType"))
    if given is None:
        return Transformation(None, None, description)
    value = given.upper()
    if value in _LEGACY_TYPES:
        return Transformation(*_LEGACY_TYPES[value], description)
    if value in (DIRECT, INDIRECT):
        return Transformation(value, None, description)
    if value in SUBTYPE_TYPES:
        return Transformation(SUBTYPE_TYPES[value], value, description)
    return Transformation(None, given, description)


def transformation_rank(transformation: Transformation | ColumnEdgeRecord) -> int:
    """DIRECT first, then INDIRECT, then unknown: the lower, the stronger the dependency."""
    kind = (
        transformation.transformation_type
        if isinstance(transformation, ColumnEdgeRecord)
        else transformation.type
    )
    return {DIRECT: 0, INDIRECT: 1}.get(kind or "", 2)
