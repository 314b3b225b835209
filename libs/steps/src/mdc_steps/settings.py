"""Connection details from the MDC_* environment that Airflow passes to every task."""

from __future__ import annotations

import re
from collections.abc import Mapping

from mdc_steps.errors import DatasetUnavailable

DEFAULT_CURATED_BUCKET = "mdc-curated"
DEFAULT_REGION = "us-east-1"
_TRUE = ("1", "true", "yes")


def required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "")
    if not value:
        raise DatasetUnavailable(f"environment variable {name} is not set")
    return value


def s3_endpoint(environ: Mapping[str, str]) -> tuple[str, bool]:
    """(host:port, secure) of the object store; MDC_S3_ENDPOINT may carry a scheme."""
    endpoint = required(environ, "MDC_S3_ENDPOINT")
    if "://" in endpoint:
        scheme, host = endpoint.split("://", 1)
        return host.rstrip("/"), scheme == "https"
    return endpoint, environ.get("MDC_S3_SECURE", "false").lower() in _TRUE


def s3_region(environ: Mapping[str, str]) -> str:
    return environ.get("MDC_S3_REGION") or DEFAULT_REGION


def curated_bucket(environ: Mapping[str, str]) -> str:
    return environ.get("MDC_S3_CURATED_BUCKET") or DEFAULT_CURATED_BUCKET


def catalog_url(environ: Mapping[str, str]) -> str:
    return required(environ, "MDC_CATALOG_URL").rstrip("/")


def environment_name(prefix: str, dataset: str) -> str:
    """MDC_INPUT_PALMER_PENGUINS for ("MDC_INPUT", "palmer-penguins"): a shell-safe name."""
    return f"{prefix}_{re.sub(r'[^A-Za-z0-9]', '_', dataset).upper()}"
