"""Events about orchestration: a targeted Airflow run requested by the orchestrator-bridge."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from mdc_contracts.envelope import Envelope


class RunRequested(Envelope):
    """The bridge asked Airflow to run only the steps a dataset change reaches."""

    event_type: Literal["RunRequested"] = "RunRequested"
    dag_id: str = Field(examples=["mdc_pipeline"])
    dag_run_id: str
    dataset_name: str
    dataset_version: int = Field(ge=1)
    steps: list[str] = Field(description="Steps to run, in dependency order.")
    reason: str = Field(examples=["palmer-penguins v3 changed; reaches penguins_clean"])
    already_requested: bool = Field(
        default=False, description="True when Airflow already had this run (re-delivery)."
    )
    source_id: uuid.UUID | None = None
