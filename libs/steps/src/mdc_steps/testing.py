"""In-memory stand-ins to test steps without a platform: object store, catalog, lineage.

platform = InMemoryPlatform()
platform.add_source("palmer-penguins", frame)
with step_run("job", datasets=platform.datasets, lineage=platform.lineage, environ={}) as run:
    ...
platform.events  # the RunEvents as the lineage service would receive them (JSON dicts)
"""

from __future__ import annotations

import io
from typing import Any

import polars as pl
from openlineage.client import OpenLineageClient
from openlineage.client.serde import Serde
from openlineage.client.transport import Transport

from mdc_steps.catalog import CatalogVersion
from mdc_steps.datasets import DatasetStore
from mdc_steps.lineage import LineageEmitter

BUCKET = "mdc-curated"


class InMemoryObjectStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.hashes: dict[str, str] = {}
        self.puts: list[str] = []  # every upload, in order

    def get(self, uri: str) -> bytes | None:
        return self.objects.get(uri)

    def stored_sha256(self, uri: str) -> str | None:
        return self.hashes.get(uri)

    def put(self, uri: str, data: bytes, sha256: str) -> None:
        self.objects[uri] = data
        self.hashes[uri] = sha256
        self.puts.append(uri)


class InMemoryCatalog:
    def __init__(self) -> None:
        self.versions: dict[str, CatalogVersion] = {}

    def latest(self, name: str) -> CatalogVersion | None:
        return self.versions.get(name)


class RecordingTransport(Transport):
    """Keeps what the stock OpenLineage client emits, as the JSON a lineage service receives."""

    kind = "recording"

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def emit(self, event: Any) -> None:
        self.events.append(Serde.to_dict(event))


class InMemoryPlatform:
    """A catalog, an object store and a recording lineage client, to inspect after a run."""

    def __init__(self) -> None:
        self.objects = InMemoryObjectStore()
        self.catalog = InMemoryCatalog()
        self.transport = RecordingTransport()
        self.datasets = DatasetStore(self.objects, self.catalog, BUCKET)
        self.lineage = LineageEmitter(OpenLineageClient(transport=self.transport))

    def add_source(self, name: str, frame: pl.DataFrame, version: int = 3) -> None:
        """A catalog dataset at `version`, as the standardizer would have stored it."""
        uri = f"s3://{BUCKET}/datasets/{name}/v{version}.parquet"
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        self.objects.objects[uri] = buffer.getvalue()
        self.catalog.versions[name] = CatalogVersion(name, version, uri)

    def stored(self, name: str) -> pl.DataFrame:
        """A dataset some step wrote."""
        data = self.objects.objects[self.datasets.derived_uri(name)]
        return pl.read_parquet(io.BytesIO(data))

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.transport.events

    def states(self) -> list[str]:
        return [str(event["eventType"]) for event in self.events]
