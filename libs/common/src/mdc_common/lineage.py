"""OpenLineage run events for the services' own work (download, standardize).

Dataset naming: `mdc` namespace for standardized datasets (by dataset name), `mdc-raw` for the
raw zone of a source, and the publisher's `scheme://host` for the source URL itself.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from mdc_contracts.lineage import (
    MDC_PRODUCER_URL,
    OLDataset,
    OLInputDataset,
    OLJob,
    OLOutputDataset,
    OLRun,
    RunEvent,
    RunState,
)

JOB_NAMESPACE = "mdc"
DATASET_NAMESPACE = "mdc"
RAW_NAMESPACE = "mdc-raw"


def source_dataset(url: str) -> OLDataset:
    parts = urlsplit(url)
    return OLDataset(namespace=f"{parts.scheme}://{parts.netloc}", name=parts.path or "/")


def raw_dataset(name: str, sha256: str | None = None) -> OLDataset:
    facets = {"version": _version_facet(sha256)} if sha256 else {}
    return OLDataset(namespace=RAW_NAMESPACE, name=name, facets=facets)


def curated_dataset(
    name: str, version: str | None = None, fields: list[tuple[str, str]] | None = None
) -> OLDataset:
    facets: dict[str, Any] = {}
    if version:
        facets["version"] = _version_facet(version)
    if fields is not None:
        facets["schema"] = {
            "_producer": MDC_PRODUCER_URL,
            "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json",
            "fields": [{"name": n, "type": t} for n, t in fields],
        }
    return OLDataset(namespace=DATASET_NAMESPACE, name=name, facets=facets)


def _version_facet(version: str) -> dict[str, Any]:
    return {
        "_producer": MDC_PRODUCER_URL,
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json",
        "datasetVersion": version,
    }


def run_event(
    state: RunState,
    *,
    job_name: str,
    run_id: uuid.UUID,
    inputs: list[OLDataset] = (),  # type: ignore[assignment]
    outputs: list[OLDataset] = (),  # type: ignore[assignment]
    event_time: datetime | None = None,
    error_message: str | None = None,
    row_count: int | None = None,
) -> RunEvent:
    run_facets: dict[str, Any] = {}
    if error_message:
        run_facets["errorMessage"] = {
            "_producer": MDC_PRODUCER_URL,
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json",
            "message": error_message,
            "programmingLanguage": "python",
        }
    output_facets: dict[str, Any] = {}
    if row_count is not None:
        output_facets["outputStatistics"] = {
            "_producer": MDC_PRODUCER_URL,
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json",
            "rowCount": row_count,
        }
    return RunEvent(
        eventType=state,
        eventTime=event_time or datetime.now(UTC),
        run=OLRun(runId=run_id, facets=run_facets),
        job=OLJob(namespace=JOB_NAMESPACE, name=job_name),
        inputs=[OLInputDataset(**d.model_dump()) for d in inputs],
        outputs=[OLOutputDataset(**d.model_dump(), outputFacets=output_facets) for d in outputs],
        producer=MDC_PRODUCER_URL,
    )
