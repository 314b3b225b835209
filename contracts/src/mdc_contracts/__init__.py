"""MDC event contracts: versioned Pydantic models, one registry of topics, exported JSON Schemas."""

from mdc_contracts.datasets import (
    ColumnProfile,
    DatasetProcessingFailed,
    DatasetProfile,
    DatasetVersionCreated,
    Histogram,
    LengthStats,
    ProcessingStage,
    ReadReport,
    StatType,
    TemporalProfile,
    ValueCount,
)
from mdc_contracts.dead_letters import DeadLetter
from mdc_contracts.envelope import Envelope, deterministic_id, utc_now
from mdc_contracts.lineage import RunEvent, RunState
from mdc_contracts.orchestration import RunRequested
from mdc_contracts.schema_changes import SchemaChange, SchemaChanged, SchemaChangeKind
from mdc_contracts.sources import (
    CheckFailure,
    CheckOutcome,
    FailureReason,
    SourceChanged,
    SourceChecked,
    SourceDefined,
)
from mdc_contracts.specs import ColumnSpec, DatasetSpec, DatasetSpecPublished
from mdc_contracts.topics import TOPIC_MODELS, Topic

__all__ = [
    "TOPIC_MODELS",
    "CheckFailure",
    "CheckOutcome",
    "ColumnProfile",
    "ColumnSpec",
    "DatasetProcessingFailed",
    "DatasetProfile",
    "DatasetSpec",
    "DatasetSpecPublished",
    "DatasetVersionCreated",
    "DeadLetter",
    "Envelope",
    "FailureReason",
    "Histogram",
    "LengthStats",
    "ProcessingStage",
    "ReadReport",
    "RunEvent",
    "RunRequested",
    "RunState",
    "SchemaChange",
    "SchemaChangeKind",
    "SchemaChanged",
    "SourceChanged",
    "SourceChecked",
    "SourceDefined",
    "StatType",
    "TemporalProfile",
    "Topic",
    "ValueCount",
    "deterministic_id",
    "utc_now",
]
