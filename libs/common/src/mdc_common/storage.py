"""Object storage through the S3-generic minio SDK (SeaweedFS locally, MinIO or S3 elsewhere)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from minio import Minio
from minio.error import S3Error

from mdc_common.settings import S3Settings


@dataclass(frozen=True)
class S3Uri:
    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str) -> S3Uri:
        if not uri.startswith("s3://") or "/" not in uri[5:]:
            raise ValueError(f"not an s3://bucket/key URI: {uri!r}")
        bucket, key = uri[5:].split("/", 1)
        return cls(bucket, key)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


class ObjectStore:
    """Small, blocking wrapper; call it from a worker thread in async code."""

    def __init__(self, settings: S3Settings) -> None:
        self.settings = settings
        self.client = Minio(
            settings.endpoint,
            access_key=settings.access_key,
            secret_key=settings.secret_key.get_secret_value(),
            region=settings.region,
            secure=settings.secure,
        )

    def ensure_bucket(self, bucket: str) -> None:
        if not self.client.bucket_exists(bucket):
            try:
                self.client.make_bucket(bucket)
            except S3Error as err:  # created concurrently by another service
                if err.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                    raise

    def exists(self, uri: S3Uri) -> bool:
        try:
            self.client.stat_object(uri.bucket, uri.key)
        except S3Error as err:
            if err.code in {"NoSuchKey", "NoSuchObject", "NotFound"}:
                return False
            raise
        return True

    def put_bytes(self, uri: S3Uri, data: bytes, content_type: str) -> None:
        self.client.put_object(
            uri.bucket, uri.key, io.BytesIO(data), len(data), content_type=content_type
        )

    def put_stream(self, uri: S3Uri, stream: BinaryIO, size: int, content_type: str) -> None:
        self.client.put_object(uri.bucket, uri.key, stream, size, content_type=content_type)

    def put_file(self, uri: S3Uri, path: str, content_type: str) -> None:
        self.client.fput_object(uri.bucket, uri.key, path, content_type=content_type)

    def get_bytes(self, uri: S3Uri) -> bytes:
        response = self.client.get_object(uri.bucket, uri.key)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def get_file(self, uri: S3Uri, path: str) -> None:
        self.client.fget_object(uri.bucket, uri.key, path)

    def presigned_get(self, uri: S3Uri, expires: timedelta = timedelta(hours=1)) -> str:
        return self.client.presigned_get_object(uri.bucket, uri.key, expires=expires)

    def ping(self) -> None:
        self.client.bucket_exists(self.settings.raw_bucket)
