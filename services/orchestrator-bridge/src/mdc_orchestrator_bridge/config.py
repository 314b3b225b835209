"""Settings of the orchestrator-bridge: MDC_ORCHESTRATOR_BRIDGE_*, MDC_AIRFLOW_*, MDC_STEPS_FILE."""

from __future__ import annotations

from pathlib import Path

from mdc_common.settings import KafkaSettings, LoggingSettings
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "orchestrator-bridge"
CONSUMER_GROUP = "orchestrator-bridge"


class AirflowSettings(BaseSettings):
    """How to reach Airflow's REST API (shared names, hence not under the service prefix)."""

    model_config = SettingsConfigDict(env_prefix="MDC_AIRFLOW_")

    url: str = Field(default="http://127.0.0.1:57080", description="Base URL of the api-server.")
    username: str = "admin"
    password: SecretStr = SecretStr("")
    dag_id: str = Field(default="mdc_pipeline", description="DAG whose steps the bridge triggers.")
    timeout_seconds: float = Field(default=10.0, gt=0, description="Timeout of one API call.")


class OrchestratorBridgeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MDC_ORCHESTRATOR_BRIDGE_", populate_by_name=True)

    steps_file: Path = Field(
        default=Path("deploy/steps.yaml"),
        validation_alias="MDC_STEPS_FILE",  # populate_by_name: steps_file=... works too
        description="The steps file shared with the DAG (env MDC_STEPS_FILE).",
    )

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    airflow: AirflowSettings = Field(default_factory=AirflowSettings)
    log: LoggingSettings = Field(default_factory=LoggingSettings)
