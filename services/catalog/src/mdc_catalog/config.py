"""Catalog settings: `MDC_CATALOG_*`, plus the shared kafka/db/logging groups."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mdc_common.settings import DatabaseSettings, KafkaSettings, LoggingSettings, S3Settings
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
    admin_api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        repr=False,
        description="Admin API keys (comma-separated in the env): every endpoint, including "
        "issuing and revoking keys. Bootstraps a deployment before any key is issued.",
    )
    consumer_access: Literal["public", "key"] = Field(
        default="public",
        description="`public`: anyone may read /datasets; `key`: any valid API key is needed.",
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
    public_base_url: str | None = Field(
        default=None,
        examples=["https://data.example.org/catalog"],
        description="Base of the links in exports (download URLs, Data Package, JSON-LD); "
        "unset: the URL the request came in on.",
    )
    stale_grace_factor: float = Field(
        default=1.5,
        ge=1.0,
        le=100.0,
        description="A source is stale when its last change is older than its cadence times "
        "this factor (1.5: a daily source is stale after 36 hours without a change).",
    )
    spec_review: Literal["none", "required"] = Field(
        default="none",
        description="`required`: a spec draft is published only once a provider other than "
        "its authors approves it; `none`: submitting a draft publishes it.",
    )
    search_index: bool = Field(
        default=True,
        description="Answer searches from an in-memory index of the datasets' facts, kept in "
        "sync through PostgreSQL notifications (off: every search runs in SQL).",
    )

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    s3: S3Settings = Field(default_factory=S3Settings)  # Parquet files served by the exports
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

    @field_validator("provider_api_keys", "admin_api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [key.strip() for key in value.split(",") if key.strip()]
        if isinstance(value, list):
            return [str(key).strip() for key in value if str(key).strip()]
        return value

    @field_validator("public_base_url")
    @classmethod
    def _http_base(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://data.example.org/catalog")
        return value
