"""Datasets by name: catalog sources and step outputs, as Parquet in the object store.

A catalog dataset is read from the Parquet of its latest version; its version is the catalog's
version number (what the standardizer reports to lineage). A dataset written by a step lives at
`s3://<curated bucket>/derived/<name>.parquet`; its version is the sha256 of the Parquet bytes,
so identical data always has the identical version, whichever run or language wrote it.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from mdc_steps import settings
from mdc_steps.catalog import Catalog, HttpCatalog
from mdc_steps.errors import DatasetConflict, DatasetUnavailable, InputNotReady
from mdc_steps.storage import ObjectStore, S3ObjectStore

DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
CONTENT_VERSION_PREFIX = "sha256:"


@dataclass(frozen=True)
class LoadedDataset:
    name: str
    uri: str
    version: str
    frame: pl.DataFrame
    from_catalog: bool


@dataclass(frozen=True)
class SavedDataset:
    name: str
    uri: str
    version: str
    size: int
    uploaded: bool  # False: the stored object already had these exact bytes


def check_dataset_name(name: str) -> str:
    if not DATASET_NAME.match(name):
        raise DatasetUnavailable(
            f"not a valid dataset name: {name!r} (letters, digits, '_', '-', '.'; "
            "starting with a letter or digit)"
        )
    return name


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    """The frame as Parquet. Options are pinned: the same data must give the same bytes."""
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=True)
    return buffer.getvalue()


def content_version(sha256_hex: str) -> str:
    return f"{CONTENT_VERSION_PREFIX}{sha256_hex}"


def read_parquet(data: bytes, where: str) -> pl.DataFrame:
    try:
        return pl.read_parquet(io.BytesIO(data))
    except (OSError, pl.exceptions.PolarsError) as err:
        raise DatasetUnavailable(f"cannot read the Parquet of {where}: {err}") from err


class DatasetStore:
    def __init__(self, objects: ObjectStore, catalog: Catalog, bucket: str) -> None:
        self.objects = objects
        self.catalog = catalog
        self.bucket = bucket

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> DatasetStore:
        return cls(
            S3ObjectStore.from_environment(environ),
            HttpCatalog(settings.catalog_url(environ)),
            settings.curated_bucket(environ),
        )

    def derived_uri(self, name: str) -> str:
        return f"s3://{self.bucket}/derived/{check_dataset_name(name)}.parquet"

    def load(self, name: str) -> LoadedDataset:
        """The dataset's current data: the catalog's latest version, else a step's output."""
        check_dataset_name(name)
        source = self.catalog.latest(name)
        if source is not None:
            data = self.objects.get(source.parquet_uri)
            if data is None:
                raise DatasetUnavailable(
                    f"catalog dataset {name!r} v{source.version}: {source.parquet_uri} is missing"
                )
            frame = read_parquet(data, f"{name!r} ({source.parquet_uri})")
            return LoadedDataset(name, source.parquet_uri, str(source.version), frame, True)
        uri = self.derived_uri(name)
        data = self.objects.get(uri)
        if data is None:
            raise InputNotReady(
                f"dataset {name!r} is not available: not in the catalog, and no step has "
                f"written it yet ({uri})"
            )
        version = content_version(hashlib.sha256(data).hexdigest())
        return LoadedDataset(name, uri, version, read_parquet(data, f"{name!r} ({uri})"), False)

    def save(self, name: str, frame: pl.DataFrame) -> SavedDataset:
        """Write a step's output; bytes equal to the stored object's are not uploaded again."""
        uri = self.derived_uri(name)
        if self.catalog.latest(name) is not None:
            raise DatasetConflict(
                f"{name!r} is a catalog dataset (a source); a step cannot overwrite it. "
                "Give the step's output its own name."
            )
        data = parquet_bytes(frame)
        digest = hashlib.sha256(data).hexdigest()
        unchanged = self.objects.stored_sha256(uri) == digest
        if not unchanged:
            self.objects.put(uri, data, digest)
        return SavedDataset(name, uri, content_version(digest), len(data), not unchanged)
