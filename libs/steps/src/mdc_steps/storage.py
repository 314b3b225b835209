"""The object store holding datasets as Parquet: whole objects by s3:// URI.

Objects this library writes carry the sha256 of their bytes as metadata, so a re-run that
produces identical data is recognised without downloading the stored object.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Protocol

import urllib3
from minio import Minio
from minio.error import S3Error

from mdc_steps import settings
from mdc_steps.errors import DatasetUnavailable

SHA256_METADATA = "mdc-sha256"  # stored as x-amz-meta-mdc-sha256
_MISSING = ("NoSuchKey", "NoSuchObject")


class ObjectStore(Protocol):
    def get(self, uri: str) -> bytes | None:
        """The object's bytes; None when there is no such object."""
        ...

    def stored_sha256(self, uri: str) -> str | None:
        """The sha256 recorded when the object was written; None if missing or not recorded."""
        ...

    def put(self, uri: str, data: bytes, sha256: str) -> None: ...


def split_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of `s3://bucket/key`."""
    if not uri.startswith("s3://"):
        raise DatasetUnavailable(f"not an s3:// URI: {uri!r}")
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not bucket or not key:
        raise DatasetUnavailable(f"not an s3://bucket/key URI: {uri!r}")
    return bucket, key


class S3ObjectStore:
    """ObjectStore on MinIO / any S3 API."""

    def __init__(self, client: Minio) -> None:
        self.client = client

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> S3ObjectStore:
        endpoint, secure = settings.s3_endpoint(environ)
        client = Minio(
            endpoint,
            access_key=settings.required(environ, "MDC_S3_ACCESS_KEY"),
            secret_key=settings.required(environ, "MDC_S3_SECRET_KEY"),
            region=settings.s3_region(environ),
            secure=secure,
        )
        return cls(client)

    def get(self, uri: str) -> bytes | None:
        bucket, key = split_s3_uri(uri)
        try:
            response = self.client.get_object(bucket, key)
        except S3Error as err:
            if err.code in _MISSING:
                return None
            raise DatasetUnavailable(f"cannot read {uri}: {err}") from err
        except (urllib3.exceptions.HTTPError, OSError) as err:
            raise DatasetUnavailable(f"cannot read {uri}: {err}") from err
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def stored_sha256(self, uri: str) -> str | None:
        bucket, key = split_s3_uri(uri)
        try:
            found = self.client.stat_object(bucket, key)
        except S3Error as err:
            if err.code in _MISSING:
                return None
            raise DatasetUnavailable(f"cannot check {uri}: {err}") from err
        except (urllib3.exceptions.HTTPError, OSError) as err:
            raise DatasetUnavailable(f"cannot check {uri}: {err}") from err
        value = (found.metadata or {}).get(f"x-amz-meta-{SHA256_METADATA}")
        return str(value) if value else None

    def put(self, uri: str, data: bytes, sha256: str) -> None:
        bucket, key = split_s3_uri(uri)
        try:
            self.client.put_object(
                bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type="application/vnd.apache.parquet",
                metadata={SHA256_METADATA: sha256},
            )
        except (S3Error, urllib3.exceptions.HTTPError, OSError) as err:
            raise DatasetUnavailable(f"cannot write {uri}: {err}") from err
