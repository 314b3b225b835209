"""Reading the few OpenLineage facets the store understands.

Facets are free-form in the contract, so each reader is defensive: a malformed facet is reported
as a warning and ignored (the raw event is kept anyway), never a reason to lose the event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from mdc_lineage.records import EntityKey

_BIGINT_MAX = 2**63 - 1
# Versions are unique-indexed; PostgreSQL's btree rows hold ~2.7 kB.
MAX_VERSION_BYTES = 1000


@dataclass
class FacetReader:
    """Collects warnings while reading facets of one event."""

    warnings: list[str] = field(default_factory=list)

    def _warn(self, where: str, problem: str) -> None:
        self.warnings.append(f"{where}: {problem}; facet ignored")

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
        facet = output_facets.get("outputStatistics")
        if facet is None:
            return None
        if not isinstance(facet, dict):
            self._warn(f"{where}.outputStatistics", "not an object")
            return None
        rows, size = facet.get("rowCount"), facet.get("size")
        if not (_is_count(rows) or rows is None) or not (_is_count(size) or size is None):
            self._warn(f"{where}.outputStatistics", "rowCount and size must be integers >= 0")
            return None
        return rows, size


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _BIGINT_MAX
