"""The one registry of Kafka topic names and the event model each carries."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from mdc_contracts.datasets import DatasetProcessingFailed, DatasetVersionCreated
from mdc_contracts.dead_letters import DeadLetter
from mdc_contracts.lineage import RunEvent
from mdc_contracts.orchestration import RunRequested
from mdc_contracts.schema_changes import SchemaChanged
from mdc_contracts.sources import SourceChanged, SourceChecked, SourceDefined
from mdc_contracts.specs import DatasetSpecPublished


class Topic(StrEnum):
    SOURCE_DEFINITIONS = "mdc.source.definitions.v1"
    SOURCE_CHECKS = "mdc.source.checks.v1"
    SOURCE_CHANGES = "mdc.source.changes.v1"
    DATASET_VERSIONS = "mdc.dataset.versions.v1"
    DATASET_FAILURES = "mdc.dataset.failures.v1"
    DATASET_SPECS = "mdc.dataset.specs.v1"
    SCHEMA_CHANGES = "mdc.dataset.schema-changes.v1"
    LINEAGE = "mdc.lineage.openlineage.v1"
    RUN_REQUESTS = "mdc.orchestration.run-requests.v1"
    DEAD_LETTERS = "mdc.dead-letters.v1"


TOPIC_MODELS: dict[Topic, type[BaseModel]] = {
    Topic.SOURCE_DEFINITIONS: SourceDefined,
    Topic.SOURCE_CHECKS: SourceChecked,
    Topic.SOURCE_CHANGES: SourceChanged,
    Topic.DATASET_VERSIONS: DatasetVersionCreated,
    Topic.DATASET_FAILURES: DatasetProcessingFailed,
    Topic.DATASET_SPECS: DatasetSpecPublished,
    Topic.SCHEMA_CHANGES: SchemaChanged,
    Topic.LINEAGE: RunEvent,
    Topic.RUN_REQUESTS: RunRequested,
    Topic.DEAD_LETTERS: DeadLetter,
}
