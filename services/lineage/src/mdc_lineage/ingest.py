"""RunEvent -> records: the pure half of ingestion (the store applies the records)."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC
from typing import Any

from mdc_contracts.lineage import OLDataset, RunEvent, RunState

from mdc_lineage.errors import InvalidEvent
from mdc_lineage.facets import FacetReader
from mdc_lineage.records import (
    DatasetRecord,
    DatasetVersionRecord,
    Direction,
    EdgeRecord,
    EntityKey,
    IngestRecords,
    RunRecord,
    VersionOrigin,
)

# Namespaces, names and versions are unique-indexed; PostgreSQL's btree rows hold ~2.7 kB.
MAX_KEY_BYTES = 1000
MAX_NESTING = 64


def map_run_event(event: RunEvent) -> IngestRecords:
    """Everything the event contributes to the store; raises InvalidEvent if it cannot be stored."""
    payload = event.model_dump(mode="json", by_alias=True)
    # Checked on the Python values: JSON mode would have turned NaN into null already, but the
    # facets the store reads (schema fields) come from the event itself.
    problems = [*_unstorable_values(event.model_dump(by_alias=True)), *_oversized_keys(event)]
    try:
        event.eventTime.astimezone(UTC)
    except OverflowError:
        problems.append({"field": "eventTime", "message": "eventTime is out of range"})
    if problems:
        raise InvalidEvent("the RunEvent cannot be stored: " + problems[0]["message"], problems)

    reader = FacetReader()
    job = EntityKey(event.job.namespace, event.job.name)
    parent = reader.parent(event.run.facets, "run.facets")
    run = RunRecord(
        run_id=event.run.runId,
        job=job,
        event_type=event.eventType,
        event_time=event.eventTime,
        parent_run_id=parent[0] if parent else None,
        parent_job=parent[1] if parent else None,
        error_message=reader.error_message(event.run.facets, "run.facets"),
    )

    fields_by_dataset: dict[EntityKey, list[dict[str, Any]] | None] = {}
    edges: set[EdgeRecord] = set()
    versions: dict[tuple[EntityKey, str], DatasetVersionRecord] = {}
    # Inputs first, so an output's schema (what was written) wins over an input's.
    for index, dataset in enumerate(event.inputs):
        where = f"inputs[{index}].facets"
        key = EntityKey(dataset.namespace, dataset.name)
        edges.add(EdgeRecord(job, key, Direction.INPUT))
        fields = reader.schema_fields(dataset.facets, where)
        _remember_fields(fields_by_dataset, key, fields)
        version = reader.version(dataset.facets, where)
        if version is not None:
            record = DatasetVersionRecord(key, version, VersionOrigin.FACET, False, fields=fields)
            versions.setdefault((key, version), record)
    for index, output in enumerate(event.outputs):
        where = f"outputs[{index}]"
        key = EntityKey(output.namespace, output.name)
        edges.add(EdgeRecord(job, key, Direction.OUTPUT))
        fields = reader.schema_fields(output.facets, f"{where}.facets")
        _remember_fields(fields_by_dataset, key, fields, override=True)
        stats = reader.output_statistics(output.outputFacets, f"{where}.outputFacets")
        record = _output_version(event, output, key, fields, stats, reader, where)
        if record is not None:
            # A write of a version beats a read of it in the same event.
            versions[(key, record.version)] = record

    datasets = tuple(DatasetRecord(k, f) for k, f in sorted(fields_by_dataset.items()))
    namespaces = {job.namespace, *(k.namespace for k in fields_by_dataset)}
    return IngestRecords(
        run=run,
        payload=payload,
        namespaces=tuple(sorted(namespaces)),
        datasets=datasets,
        edges=tuple(sorted(edges)),
        versions=tuple(v for _, v in sorted(versions.items())),
        warnings=tuple(reader.warnings),
    )


def _remember_fields(
    fields_by_dataset: dict[EntityKey, list[dict[str, Any]] | None],
    key: EntityKey,
    fields: list[dict[str, Any]] | None,
    *,
    override: bool = False,
) -> None:
    # Outputs override; otherwise the first schema reported for the dataset in the event counts.
    unknown_yet = fields_by_dataset.get(key) is None
    if unknown_yet or (fields is not None and override):
        fields_by_dataset[key] = fields


def _output_version(
    event: RunEvent,
    output: OLDataset,
    key: EntityKey,
    fields: list[dict[str, Any]] | None,
    stats: tuple[int | None, int | None] | None,
    reader: FacetReader,
    where: str,
) -> DatasetVersionRecord | None:
    """The version an output was written at: the producer's `version` facet, else (on COMPLETE
    only, when the data is final) a hash of its schema and statistics, so that equal content
    gives the same version and nothing new is stored for it."""
    rows, size = stats if stats else (None, None)
    version = reader.version(output.facets, f"{where}.facets")
    if version is not None:
        return DatasetVersionRecord(key, version, VersionOrigin.FACET, True, rows, size, fields)
    if event.eventType is not RunState.COMPLETE or (fields is None and stats is None):
        return None
    content = {"fields": fields, "rowCount": rows, "size": size}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return DatasetVersionRecord(
        key, f"sha256:{digest}", VersionOrigin.CONTENT, True, rows, size, fields
    )


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
    named = [("job", event.job)]
    named += [(f"inputs[{i}]", d) for i, d in enumerate(event.inputs)]
    named += [(f"outputs[{i}]", d) for i, d in enumerate(event.outputs)]
    return [
        {"field": f"{where}.{attr}", "message": f"{where}.{attr} is over {MAX_KEY_BYTES} bytes"}
        for where, entity in named
        for attr in ("namespace", "name")
        if len(getattr(entity, attr).encode()) > MAX_KEY_BYTES
    ]
