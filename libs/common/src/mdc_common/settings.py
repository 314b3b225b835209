"""Settings shared by the services; each group reads its own `MDC_<GROUP>_` environment."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MDC_KAFKA_")

    bootstrap_servers: str = "127.0.0.1:57092"
    partitions: int = Field(default=3, ge=1, description="Partitions of topics a service creates.")


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MDC_DB_")

    url: SecretStr = SecretStr("postgresql+asyncpg://postgres@127.0.0.1:57032/mdc")
    pool_size: int = 5


class S3Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MDC_S3_")

    endpoint: str = "127.0.0.1:57033"
    access_key: str = "mdc-access"
    secret_key: SecretStr = SecretStr("")
    region: str = "us-east-1"
    secure: bool = False
    raw_bucket: str = "mdc-raw"
    curated_bucket: str = "mdc-curated"


class LoggingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MDC_LOG_")

    level: str = "INFO"
