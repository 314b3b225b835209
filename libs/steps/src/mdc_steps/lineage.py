"""OpenLineage run events of a step, built with and sent by the stock openlineage-python client.

Names match what the MDC services emit, so the graph connects: jobs and datasets are in the
`mdc` namespace, datasets by their name (as mdc_common.lineage does for standardized datasets).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.generated import (
    column_lineage_dataset,
    dataset_version_dataset,
    error_message_run,
    job_type_job,
    output_statistics_output_dataset,
    parent_run,
    schema_dataset,
)
from openlineage.client.generated.base import DatasetFacet, RunFacet
from openlineage.client.transport.http import HttpConfig, HttpTransport
from openlineage.client.uuid import generate_new_uuid, generate_static_uuid

from mdc_steps.columns import DIRECT, FieldOrigin

# The same namespaces as mdc_common.lineage (not imported: this library stands alone).
JOB_NAMESPACE = "mdc"
DATASET_NAMESPACE = "mdc"
PRODUCER = "https://github.com/mdc-platform/mdc/tree/main/libs/steps"
LINEAGE_ENDPOINT = "api/v1/lineage"  # the lineage service's POST endpoint (Marquez's path)
LINEAGE_TIMEOUT_SECONDS = 10.0
# Set by the DAG from Airflow's OpenLineage macros, as dbt-ol reads them: "namespace/job/run_id".
PARENT_ID_VARIABLE = "OPENLINEAGE_PARENT_ID"
ROOT_PARENT_ID_VARIABLE = "OPENLINEAGE_ROOT_PARENT_ID"
_STOCK_CONFIG_VARIABLES = ("OPENLINEAGE_URL", "OPENLINEAGE_CONFIG")


@dataclass(frozen=True)
class RunRef:
    """A run of a job: what a parent (or root) run facet points at."""

    namespace: str
    job: str
    run_id: str

    @property
    def parent_id(self) -> str:
        return f"{self.namespace}/{self.job}/{self.run_id}"


@dataclass(frozen=True)
class ParentRun:
    parent: RunRef
    root: RunRef | None = None


@dataclass(frozen=True)
class InputRecord:
    """A dataset a run read, at the version it read."""

    name: str
    version: str
    schema: pl.Schema


@dataclass(frozen=True)
class OutputRecord:
    """A dataset a run wrote: its content version, statistics and column lineage."""

    name: str
    version: str
    schema: pl.Schema
    row_count: int
    size: int
    columns: Mapping[str, Sequence[FieldOrigin]]


def parse_run_ref(value: str) -> RunRef | None:
    """ "namespace/job/run_id" (Airflow's lineage_parent_id macro); None if not that shape."""
    namespace, _, rest = value.strip().partition("/")
    job, _, run_id = rest.rpartition("/")
    if not namespace or not job or not run_id:
        return None
    try:
        uuid.UUID(run_id)
    except ValueError:
        return None
    return RunRef(namespace, job, run_id)


def parent_from_environment(environ: Mapping[str, str]) -> ParentRun | None:
    """The run that started this one (an Airflow task), if the environment names it."""
    value = environ.get(PARENT_ID_VARIABLE, "")
    if not value:
        return None
    parent = parse_run_ref(value)
    if parent is None:
        warn(f"{PARENT_ID_VARIABLE}={value!r} is not 'namespace/job/run-uuid'; no parent run")
        return None
    root_value = environ.get(ROOT_PARENT_ID_VARIABLE, "")
    root = parse_run_ref(root_value) if root_value else None
    if root_value and root is None:
        warn(f"{ROOT_PARENT_ID_VARIABLE}={root_value!r} is not 'namespace/job/run-uuid'; ignored")
    return ParentRun(parent, root)


def uuid7_instant(value: uuid.UUID) -> datetime | None:
    """The time a UUIDv7 was made (its first 48 bits are Unix milliseconds)."""
    if value.version != 7:
        return None
    return datetime.fromtimestamp((value.int >> 80) / 1000, UTC)


def run_id_for(job: str, parent: ParentRun | None) -> uuid.UUID:
    """A new UUIDv7; under a parent, derived from it: a repeated task try gets the same run id,
    so its re-sent events are duplicates rather than a second run. (A new Airflow try has a new
    parent run id, hence a new run.)"""
    if parent is None:
        return generate_new_uuid()
    parent_uuid = uuid.UUID(parent.parent.run_id)
    instant = uuid7_instant(parent_uuid) or datetime(1970, 1, 1, tzinfo=UTC)
    return generate_static_uuid(instant, f"{parent.parent.parent_id}|{job}".encode())


def child_environment(job: str, run_id: uuid.UUID, parent: ParentRun | None) -> dict[str, str]:
    """Variables that make runs started by a wrapped command children of this run."""
    this = RunRef(JOB_NAMESPACE, job, str(run_id))
    root = (parent.root or parent.parent) if parent else this
    return {PARENT_ID_VARIABLE: this.parent_id, ROOT_PARENT_ID_VARIABLE: root.parent_id}


def schema_facet(schema: pl.Schema) -> schema_dataset.SchemaDatasetFacet:
    fields = [
        schema_dataset.SchemaDatasetFacetFields(name=name, type=str(dtype), ordinal_position=i)
        for i, (name, dtype) in enumerate(schema.items(), start=1)
    ]
    return schema_dataset.SchemaDatasetFacet(fields=fields, producer=PRODUCER)


def version_facet(version: str) -> dataset_version_dataset.DatasetVersionDatasetFacet:
    return dataset_version_dataset.DatasetVersionDatasetFacet(
        datasetVersion=version, producer=PRODUCER
    )


def column_lineage_facet(
    columns: Mapping[str, Sequence[FieldOrigin]],
) -> column_lineage_dataset.ColumnLineageDatasetFacet:
    """Spec 1-2-0: each output field -> its input fields, each with its transformation."""
    fields = {
        out_column: column_lineage_dataset.Fields(
            inputFields=[
                column_lineage_dataset.InputField(
                    namespace=DATASET_NAMESPACE,
                    name=origin.dataset,
                    field=origin.column,
                    transformations=[
                        column_lineage_dataset.Transformation(
                            type=DIRECT,
                            subtype=origin.subtype.value,
                            description=origin.description,
                        )
                    ],
                )
                for origin in origins
            ]
        )
        for out_column, origins in columns.items()
    }
    return column_lineage_dataset.ColumnLineageDatasetFacet(fields=fields, producer=PRODUCER)


def input_dataset(record: InputRecord) -> InputDataset:
    facets: dict[str, DatasetFacet] = {
        "schema": schema_facet(record.schema),
        "version": version_facet(record.version),
    }
    return InputDataset(namespace=DATASET_NAMESPACE, name=record.name, facets=facets)


def output_dataset(record: OutputRecord) -> OutputDataset:
    facets: dict[str, DatasetFacet] = {
        "schema": schema_facet(record.schema),
        "version": version_facet(record.version),
    }
    if record.columns:
        facets["columnLineage"] = column_lineage_facet(record.columns)
    statistics = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
        rowCount=record.row_count, size=record.size, producer=PRODUCER
    )
    return OutputDataset(
        namespace=DATASET_NAMESPACE,
        name=record.name,
        facets=facets,
        outputFacets={"outputStatistics": statistics},
    )


def parent_facet(parent: ParentRun) -> parent_run.ParentRunFacet:
    root = None
    if parent.root is not None:
        root = parent_run.Root(
            run=parent_run.RootRun(runId=parent.root.run_id),
            job=parent_run.RootJob(namespace=parent.root.namespace, name=parent.root.job),
        )
    return parent_run.ParentRunFacet(
        run=parent_run.Run(runId=parent.parent.run_id),
        job=parent_run.Job(namespace=parent.parent.namespace, name=parent.parent.job),
        root=root,
        producer=PRODUCER,
    )


@dataclass(frozen=True)
class ErrorReport:
    message: str
    language: str = "python"
    stack_trace: str | None = None


def error_facet(error: ErrorReport) -> error_message_run.ErrorMessageRunFacet:
    return error_message_run.ErrorMessageRunFacet(
        message=error.message,
        programmingLanguage=error.language,
        stackTrace=error.stack_trace,
        producer=PRODUCER,
    )


def job_facets() -> dict[str, job_type_job.JobTypeJobFacet]:
    return {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="MDC", jobType="STEP", producer=PRODUCER
        )
    }


def run_event(
    state: RunState,
    *,
    job: str,
    run_id: uuid.UUID,
    parent: ParentRun | None,
    inputs: Sequence[InputRecord] = (),
    outputs: Sequence[OutputRecord] = (),
    error: ErrorReport | None = None,
    at: datetime | None = None,
) -> RunEvent:
    run_facets: dict[str, RunFacet] = {}
    if parent is not None:
        run_facets["parent"] = parent_facet(parent)
    if error is not None:
        run_facets["errorMessage"] = error_facet(error)
    return RunEvent(
        eventType=state,
        eventTime=(at or datetime.now(UTC)).isoformat(),
        run=Run(runId=str(run_id), facets=run_facets),
        job=Job(namespace=JOB_NAMESPACE, name=job, facets=dict(job_facets())),
        inputs=[input_dataset(r) for r in inputs],
        outputs=[output_dataset(r) for r in outputs],
        producer=PRODUCER,
    )


def warn(message: str) -> None:
    print(f"mdc-steps: {message}", file=sys.stderr)


class LineageEmitter:
    """Sends run events with an OpenLineage client. Lineage is a record of the work, not part of
    it: a lineage service that cannot be reached is reported, and the step goes on."""

    def __init__(self, client: OpenLineageClient | None) -> None:
        self.client = client

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> LineageEmitter:
        return cls(lineage_client(os.environ if environ is None else environ))

    def emit(self, event: RunEvent) -> None:
        if self.client is None:
            return
        try:
            self.client.emit(event)
        except Exception as err:  # any transport failure; the step's own work matters more
            state = event.eventType.value if event.eventType else "run"
            warn(f"could not send the {state} event of {event.job.name}: {err}")

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


def lineage_client(environ: Mapping[str, str]) -> OpenLineageClient | None:
    """MDC_LINEAGE_URL (the lineage service) first; else the stock client's own configuration
    (OPENLINEAGE_URL, OPENLINEAGE__TRANSPORT__*, openlineage.yml); else no lineage."""
    url = environ.get("MDC_LINEAGE_URL", "")
    if url:
        # The endpoint is joined to the URL as a relative path: keep any path prefix of the URL.
        base = url if url.endswith("/") else f"{url}/"
        config = HttpConfig(url=base, endpoint=LINEAGE_ENDPOINT, timeout=LINEAGE_TIMEOUT_SECONDS)
        return OpenLineageClient(transport=HttpTransport(config))
    stock = any(environ.get(v) for v in _STOCK_CONFIG_VARIABLES) or any(
        k.startswith("OPENLINEAGE__TRANSPORT") for k in environ
    )
    if stock:
        return OpenLineageClient()
    warn("MDC_LINEAGE_URL is not set: this run is not recorded in lineage")
    return None
