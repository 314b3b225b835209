"""Settings of the lineage service: env prefix `MDC_LINEAGE_`, shared groups with their own."""

from __future__ import annotations

from mdc_common.settings import DatabaseSettings, KafkaSettings, LoggingSettings
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_NAME = "lineage"
DB_SCHEMA = "lineage"
CONSUMER_GROUP = "lineage"


class LineageSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MDC_LINEAGE_")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    log: LoggingSettings = Field(default_factory=LoggingSettings)

    max_event_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="Largest RunEvent accepted over HTTP, after gzip decoding.",
    )
    graph_max_nodes: int = Field(
        default=5000,
        ge=1,
        le=20_000,  # node ids travel as bind parameters; PostgreSQL allows 32767 per query
        description="Lineage graphs stop growing at this many nodes.",
    )
    graph_index: bool = Field(
        default=True,
        description="Answer lineage reads from an in-memory graph kept in sync through "
        "PostgreSQL notifications (off: lineage walks the database, one query per level).",
    )
