"""Source datasets: the catalog knows the Parquet of each dataset's latest version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx

from mdc_steps.errors import DatasetUnavailable

CATALOG_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class CatalogVersion:
    name: str
    version: int
    parquet_uri: str


class Catalog(Protocol):
    def latest(self, name: str) -> CatalogVersion | None:
        """The latest version of catalog dataset `name`; None if the catalog has no such dataset."""
        ...


class HttpCatalog:
    """The catalog service's `GET /datasets?name=NAME`."""

    def __init__(self, base_url: str, timeout: float = CATALOG_TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def latest(self, name: str) -> CatalogVersion | None:
        try:
            response = httpx.get(
                f"{self.base_url}/datasets", params={"name": name}, timeout=self.timeout
            )
            response.raise_for_status()
            items = response.json().get("items", [])
        except (httpx.HTTPError, ValueError) as err:
            raise DatasetUnavailable(f"catalog lookup of {name!r} failed: {err}") from err
        # The name filter may match more than the exact name: keep the exact one only.
        exact = [item for item in items if item.get("name") == name]
        if not exact:
            return None
        item = exact[0]
        if not item.get("parquet_uri") or item.get("version") is None:
            raise DatasetUnavailable(f"catalog dataset {name!r} has no Parquet version yet")
        return CatalogVersion(name, int(item["version"]), str(item["parquet_uri"]))
