"""Read and write datasets from step scripts: source datasets via the catalog, derived ones by name.

Source datasets (registered in the catalog) are read from the Parquet of their latest version,
found with `GET $MDC_CATALOG_URL/datasets?name=<name>`. Datasets written by steps live at
`s3://<curated bucket>/derived/<name>.parquet`. Connection details come from the MDC_* environment
Airflow passes to every task. (To be replaced by a lineage-emitting wrapper library.)

Step scripts end with `run_step(main)`: an input that no step has produced yet (the first run
after a fresh start) exits with code 99, which the DAG reports as "skipped", not "failed".
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable

import httpx
import polars as pl
from minio import Minio
from minio.error import S3Error

CATALOG_TIMEOUT_SECONDS = 10.0
SKIP_EXIT_CODE = 99  # BashOperator's skip_on_exit_code
_DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class DatasetUnavailable(RuntimeError):
    """A dataset a step needs cannot be located or read."""


class InputNotReady(DatasetUnavailable):
    """A derived input has never been written: its producing step has not run yet."""


def _env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise DatasetUnavailable(f"environment variable {name} is not set")
    return value


def storage_options() -> dict[str, str]:
    """polars/object_store options for the platform's S3 store."""
    endpoint = _env("MDC_S3_ENDPOINT")
    if "://" not in endpoint:
        secure = os.environ.get("MDC_S3_SECURE", "false").lower() in ("1", "true", "yes")
        endpoint = f"{'https' if secure else 'http'}://{endpoint}"
    return {
        "aws_endpoint_url": endpoint,
        "aws_access_key_id": _env("MDC_S3_ACCESS_KEY"),
        "aws_secret_access_key": _env("MDC_S3_SECRET_KEY"),
        "aws_region": os.environ.get("MDC_S3_REGION") or "us-east-1",
        "aws_allow_http": "true" if endpoint.startswith("http://") else "false",
    }


def _derived_exists(uri: str) -> bool:
    options = storage_options()
    endpoint = options["aws_endpoint_url"]
    client = Minio(
        endpoint.split("://", 1)[1],
        access_key=options["aws_access_key_id"],
        secret_key=options["aws_secret_access_key"],
        region=options["aws_region"],
        secure=endpoint.startswith("https://"),
    )
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    try:
        client.stat_object(bucket, key)
    except S3Error as err:
        if err.code in ("NoSuchKey", "NoSuchBucket"):
            return False
        raise DatasetUnavailable(f"cannot check {uri}: {err}") from err
    return True


def derived_uri(name: str) -> str:
    if not _DATASET_NAME.match(name):
        raise DatasetUnavailable(f"not a valid dataset name: {name!r}")
    bucket = os.environ.get("MDC_S3_CURATED_BUCKET") or "mdc-curated"
    return f"s3://{bucket}/derived/{name}.parquet"


def catalog_parquet_uri(name: str) -> str | None:
    """The Parquet URI of the latest version of catalog dataset `name`; None if not there."""
    url = _env("MDC_CATALOG_URL").rstrip("/") + "/datasets"
    try:
        response = httpx.get(url, params={"name": name}, timeout=CATALOG_TIMEOUT_SECONDS)
        response.raise_for_status()
    except httpx.HTTPError as err:
        raise DatasetUnavailable(f"catalog lookup of {name!r} failed: {err}") from err
    items = [item for item in response.json().get("items", []) if item.get("name", name) == name]
    if not items:
        return None
    uri = items[0].get("parquet_uri")
    if not uri:
        raise DatasetUnavailable(f"catalog dataset {name!r} has no Parquet version yet")
    return str(uri)


def read_dataset(name: str) -> pl.DataFrame:
    """The dataset as a DataFrame: the catalog's latest version, else the derived Parquet."""
    uri = catalog_parquet_uri(name)
    if uri is None:
        uri = derived_uri(name)
        if not _derived_exists(uri):
            raise InputNotReady(f"{name!r} has not been produced yet ({uri})")
    print(f"reading {name} from {uri}", file=sys.stderr)
    try:
        return pl.read_parquet(uri, storage_options=storage_options())
    except (OSError, pl.exceptions.PolarsError) as err:
        raise DatasetUnavailable(f"cannot read {name!r} from {uri}: {err}") from err


def write_dataset(name: str, frame: pl.DataFrame) -> str:
    """Write a derived dataset (replacing the previous one) and return its URI."""
    uri = derived_uri(name)
    frame.write_parquet(uri, storage_options=storage_options())
    print(f"wrote {name}: {frame.height} rows, {frame.width} columns to {uri}", file=sys.stderr)
    return uri


def run_step(main: Callable[[], None]) -> None:
    """Run a step's main; an input not produced yet skips the step instead of failing it."""
    try:
        main()
    except InputNotReady as err:
        print(f"skipping: {err}", file=sys.stderr)
        sys.exit(SKIP_EXIT_CODE)
