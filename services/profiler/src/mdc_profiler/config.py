"""Settings of the profiler: MDC_PROFILER_* plus the shared groups."""

from __future__ import annotations

from mdc_common.settings import DatabaseSettings, KafkaSettings, LoggingSettings, S3Settings
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "profiler"
SCHEMA = "profiler"
CONSUMER_GROUP = "profiler"


class ProfilerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MDC_PROFILER_")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    s3: S3Settings = Field(default_factory=S3Settings)
    log: LoggingSettings = Field(default_factory=LoggingSettings)

    work_dir: str | None = Field(
        default=None, description="Directory of temporary files (system default if unset)."
    )
