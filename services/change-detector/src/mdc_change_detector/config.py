"""Settings of the change-detector: MDC_CHANGE_DETECTOR_* plus the shared groups."""

from __future__ import annotations

from mdc_common.settings import DatabaseSettings, KafkaSettings, LoggingSettings, S3Settings
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "change-detector"
SCHEMA = "change_detector"
CONSUMER_GROUP = "change-detector"


class ChangeDetectorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MDC_CHANGE_DETECTOR_")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    s3: S3Settings = Field(default_factory=S3Settings)
    log: LoggingSettings = Field(default_factory=LoggingSettings)

    min_interval_seconds: int = Field(
        default=5, ge=1, description="Floor of every source's check interval."
    )
    default_interval_seconds: int | None = Field(
        default=None,
        ge=1,
        description="When set, replaces every source's own interval (demos, tests).",
    )
    timeout_seconds: float = Field(
        default=30.0, gt=0, description="Connect/read timeout of one HTTP operation."
    )
    max_check_seconds: float = Field(
        default=600.0, gt=0, description="Hard limit of one whole check (a slow trickle)."
    )
    max_bytes: int = Field(default=512 * 1024 * 1024, ge=1, description="Largest accepted file.")
    max_concurrent_checks: int = Field(default=8, ge=1)
    scheduler_tick_seconds: float = Field(default=1.0, gt=0)
    outbox_tick_seconds: float = Field(default=0.5, gt=0)
    run_scheduler: bool = Field(
        default=True, description="False leaves checks to POST /sources/{id}/check only."
    )
    download_dir: str | None = Field(
        default=None, description="Directory of temporary downloads (system default if unset)."
    )
    user_agent: str = "mdc-change-detector/0.1 (+https://github.com/mdc-platform/mdc)"

    @property
    def lease_seconds(self) -> float:
        """How long a claimed source is reserved for its checker; past it, another may retry."""
        return self.max_check_seconds + 60.0

    def effective_interval(self, defined_seconds: int) -> int:
        return max(self.min_interval_seconds, self.default_interval_seconds or defined_seconds)
