"""Catalog settings: `MDC_CATALOG_*`, plus the shared kafka/db/logging groups."""

from __future__ import annotations

from typing import Annotated, Any

from mdc_common.settings import DatabaseSettings, KafkaSettings, LoggingSettings
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SERVICE = "catalog"
SCHEMA = "catalog"
CONSUMER_GROUP = "catalog"


class CatalogSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MDC_CATALOG_")

    # NoDecode: the env var is a plain comma-separated list, not JSON.
    provider_api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        repr=False,
        description="API keys that may call /admin endpoints (comma-separated in the env).",
    )
    min_check_interval_seconds: int = Field(
        default=5,
        ge=1,
        description="Shortest check interval a provider may ask for (protects publishers).",
    )
    republish_interval_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How often definitions whose publish failed are published again.",
    )

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

    @field_validator("provider_api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [key.strip() for key in value.split(",") if key.strip()]
        if isinstance(value, list):
            return [str(key).strip() for key in value if str(key).strip()]
        return value
