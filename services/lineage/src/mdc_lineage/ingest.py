"""RunEvent -> records: the pure half of ingestion (the store applies the records)."""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import UTC
from typing import Any

from mdc_contracts.lineage import OLDataset, OLJob, RunEvent, RunState

from mdc_lineage.errors import InvalidEvent
from mdc_lineage.facets import FacetReader, transformation_rank
from mdc_lineage.records import (
    ColumnEdgeRecord,
    DatasetRecord,
    DatasetVersionRecord,
    Direction,
    EdgeRecord,
    EntityKey,
    IngestRecords,
    RunDatasetRecord,
    RunRecord,
    VersionOrigin,
)

# Namespaces, names and versions are unique-indexed; PostgreSQL's btree rows hold ~2.7 kB.
MAX_KEY_BYTES = 1000
MAX_NESTING = 64


def map_run_event(event: RunEvent) -> IngestRecords:
    """Everything the event contributes to the store; raises InvalidEvent if it cannot be stored."""
    _refuse_unstorable(event)
    # Facets are read from the JSON form, so whatever is stored is plain JSON.
    payload = event.model_dump(mode="json", by_alias=True)
    reader = FacetReader()
    job = EntityKey(event.job.namespace, event.job.name)
    parent = reader.parent(payload["run"]["facets"], "run.facets")
    run = RunRecord(
        run_id=event.run.runId,
        job=job,
        event_type=event.eventType,
        event_time=event.eventTime,
        parent_run_id=parent[0] if parent else None,
        parent_job=parent[1] if parent else None,
        error_message=reader.error_message(payload["run"]["facets"], "run.facets"),
    )
    datasets = _DatasetCollector(job, reader)
    # Inputs first, so that an output's schema (what was written) wins over an input's.
    for index, dataset in enumerate(payload["inputs"]):
        datasets.add_input(dataset, f"inputs[{index}]")
    for index, dataset in enumerate(payload["outputs"]):
        datasets.add_output(dataset, f"outputs[{index}]", event.eventType)
    return IngestRecords(
        run=run,
        payload=payload,
        namespaces=tuple(sorted({job.namespace, *(k.namespace for k in datasets.fields)})),
        datasets=tuple(DatasetRecord(k, f) for k, f in sorted(datasets.fields.items())),
        edges=tuple(sorted(datasets.edges)),
        versions=tuple(v for _, v in sorted(datasets.versions.items())),
        column_edges=tuple(e for _, e in sorted(datasets.column_edges.items())),
        run_datasets=tuple(r for _, r in sorted(datasets.run_datasets.items())),
        warnings=tuple(reader.warnings),
    )


class _DatasetCollector:
    """The datasets of one event, each once, with its edges, schema, versions, column edges and
    what the run read and wrote."""

    def __init__(self, job: EntityKey, reader: FacetReader) -> None:
        self.job = job
        self.reader = reader
        self.fields: dict[EntityKey, list[dict[str, Any]] | None] = {}
        self.edges: set[EdgeRecord] = set()
        self.versions: dict[tuple[EntityKey, str], DatasetVersionRecord] = {}
        self.column_edges: dict[tuple[EntityKey, str, EntityKey, str], ColumnEdgeRecord] = {}
        self.run_datasets: dict[tuple[EntityKey, Direction], RunDatasetRecord] = {}

    def _add(
        self, dataset: dict[str, Any], where: str, direction: Direction
    ) -> tuple[EntityKey, list[dict[str, Any]] | None]:
        key = EntityKey(dataset["namespace"], dataset["name"])
        self.edges.add(EdgeRecord(self.job, key, direction))
        fields = self.reader.schema_fields(dataset["facets"], f"{where}.facets")
        # The first schema reported in the event counts, unless an output reports one.
        if self.fields.get(key) is None or (fields is not None and direction is Direction.OUTPUT):
            self.fields[key] = fields
        return key, fields

    def add_input(self, dataset: dict[str, Any], where: str) -> None:
        key, fields = self._add(dataset, where, Direction.INPUT)
        version = self.reader.version(dataset["facets"], f"{where}.facets")
        stats = self.reader.input_statistics(dataset["inputFacets"], f"{where}.inputFacets")
        self._add_run_dataset(RunDatasetRecord(key, Direction.INPUT, version, *(stats or ())))
        if version is not None:
            record = DatasetVersionRecord(key, version, VersionOrigin.FACET, False, fields=fields)
            self.versions.setdefault((key, version), record)

    def add_output(self, dataset: dict[str, Any], where: str, event_type: RunState) -> None:
        """The version an output was written at: the producer's `version` facet, else (on
        COMPLETE only, when the data is final) a hash of its schema and statistics, so that
        equal content gives the same version and nothing new is stored for it. The run's
        statistics are kept for the run whether or not they make a version."""
        key, fields = self._add(dataset, where, Direction.OUTPUT)
        for edge in self.reader.column_lineage(dataset["facets"], key, f"{where}.facets"):
            self._add_column_edge(edge)
        stats = self.reader.output_statistics(dataset["outputFacets"], f"{where}.outputFacets")
        version = self._output_version(key, dataset, where, event_type, fields, stats)
        rows, size = stats if stats else (None, None)
        self._add_run_dataset(RunDatasetRecord(key, Direction.OUTPUT, version, rows, size))

    def _output_version(
        self,
        key: EntityKey,
        dataset: dict[str, Any],
        where: str,
        event_type: RunState,
        fields: list[dict[str, Any]] | None,
        stats: tuple[int | None, int | None] | None,
    ) -> str | None:
        version = self.reader.version(dataset["facets"], f"{where}.facets")
        origin = VersionOrigin.FACET
        rows, size = stats if stats else (None, None)
        if version is None:
            if event_type is not RunState.COMPLETE or (fields is None and stats is None):
                return None
            content = {"fields": fields, "rowCount": rows, "size": size}
            digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
            version, origin = f"sha256:{digest}", VersionOrigin.CONTENT
        # A write of a version beats a read of it in the same event.
        self.versions[(key, version)] = DatasetVersionRecord(
            key, version, origin, True, rows, size, fields
        )
        return version

    def _add_column_edge(self, edge: ColumnEdgeRecord) -> None:
        """Input datasets the facet names exist as datasets even when the event does not list
        them as inputs. A pair reported twice keeps its stronger transformation."""
        self.fields.setdefault(edge.input, None)
        known = self.column_edges.get(edge.key)
        if known is None or transformation_rank(edge) < transformation_rank(known):
            self.column_edges[edge.key] = edge

    def _add_run_dataset(self, record: RunDatasetRecord) -> None:
        """A dataset listed twice on the same side: the first value reported of each kind."""
        known = self.run_datasets.get(record.key)
        if known is not None:
            record = RunDatasetRecord(
                record.dataset,
                record.direction,
                known.version if known.version is not None else record.version,
                known.row_count if known.row_count is not None else record.row_count,
                known.byte_count if known.byte_count is not None else record.byte_count,
            )
        self.run_datasets[record.key] = record


def _refuse_unstorable(event: RunEvent) -> None:
    # On the Python values: JSON mode would already have turned NaN into null.
    problems = [*_unstorable_values(event.model_dump(by_alias=True)), *_oversized_keys(event)]
    try:
        event.eventTime.astimezone(UTC)
    except OverflowError:
        problems.append({"field": "eventTime", "message": "eventTime is out of range"})
    if problems:
        raise InvalidEvent("the RunEvent cannot be stored: " + problems[0]["message"], problems)


def _unstorable_values(payload: dict[str, Any]) -> list[dict[str, str]]:
    """Values PostgreSQL's jsonb and text reject (NUL characters, NaN, infinities), and nesting
    deep enough to exhaust a recursive JSON encoder. Iterative, for the same reason."""
    problems: list[dict[str, str]] = []
    stack: list[tuple[object, str, int]] = [(payload, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_NESTING:
            problems.append({"field": path, "message": f"{path} is nested over {MAX_NESTING} deep"})
        elif isinstance(value, str) and "\x00" in value:
            problems.append({"field": path, "message": f"{path} contains a NUL character"})
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append({"field": path, "message": f"{path} is {value}, not a JSON number"})
        elif isinstance(value, dict):
            for key, child in value.items():
                child_path = f"{path}.{key}" if path else str(key)
                if "\x00" in str(key):
                    problems.append({"field": child_path, "message": "a key contains a NUL"})
                stack.append((child, child_path, depth + 1))
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value))
    return sorted(problems, key=lambda p: p["field"])


def _oversized_keys(event: RunEvent) -> list[dict[str, str]]:
    """Namespaces and names too long, or holding control characters: they are node ids of
    the graph, and its GraphML export must stay well-formed XML."""
    named: list[tuple[str, OLJob | OLDataset]] = [("job", event.job)]
    named += [(f"inputs[{i}]", d) for i, d in enumerate(event.inputs)]
    named += [(f"outputs[{i}]", d) for i, d in enumerate(event.outputs)]
    problems = []
    for where, entity in named:
        for attr in ("namespace", "name"):
            value: str = getattr(entity, attr)
            if len(value.encode()) > MAX_KEY_BYTES:
                message = f"{where}.{attr} is over {MAX_KEY_BYTES} bytes"
            elif has_control_characters(value):
                message = f"{where}.{attr} contains a control character"
            else:
                continue
            problems.append({"field": f"{where}.{attr}", "message": message})
    return problems


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def has_control_characters(value: str) -> bool:
    return _CONTROL.search(value) is not None
