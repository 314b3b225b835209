"""MDC event contracts: versioned Pydantic models, one registry of topics, exported JSON Schemas."""

from mdc_contracts.datasets import (
    ColumnProfile,
    DatasetProcessingFailed,
    DatasetVersionCreated,
    ProcessingStage,
    StatType,
)
from mdc_contracts.dead_letters import DeadLetter
from mdc_contracts.envelope import Envelope, deterministic_id, utc_now
from mdc_contracts.lineage import RunEvent, RunState
from mdc_contracts.orchestration import RunRequested
from mdc_contracts.sources import (
    CheckFailure,
    CheckOutcome,
    FailureReason,
    SourceChanged,
    SourceChecked,
    SourceDefined,
)
from mdc_contracts.topics import TOPIC_MODELS, Topic

__all__ = [
    "TOPIC_MODELS",
    "CheckFailure",
    "CheckOutcome",
    "ColumnProfile",
    "DatasetProcessingFailed",
    "DatasetVersionCreated",
    "DeadLetter",
    "Envelope",
    "FailureReason",
    "ProcessingStage",
    "RunEvent",
    "RunRequested",
    "RunState",
    "SourceChanged",
    "SourceChecked",
    "SourceDefined",
    "StatType",
    "Topic",
    "deterministic_id",
    "utc_now",
]
