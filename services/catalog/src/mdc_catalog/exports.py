"""Documents for consumers, built from what the catalog stores (no I/O here).

- the data dictionary of a version (JSON, CSV, Markdown);
- a Frictionless Data Package (https://specs.frictionlessdata.io/data-package/);
- a DCAT-AP / schema.org `Dataset` in JSON-LD.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from mdc_catalog.models import Source
from mdc_catalog.schemas import ColumnPublic, DatasetDetail, VersionDetail
from mdc_catalog.tableschema import table_schema

DownloadFormat = Literal["parquet", "csv"]
MEDIA_TYPES: dict[str, str] = {
    # Registered with IANA in 2024.
    "parquet": "application/vnd.apache.parquet",
    "csv": "text/csv",
}
EXAMPLE_VALUES = 5
_DATE_STAT_TYPES = ("date", "datetime")
_LICENSE_ID = re.compile(r"^[A-Za-z0-9.+-]+$")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Links:
    """Absolute URLs of the catalog's consumer endpoints, from one base URL."""

    base: str  # without a trailing slash

    def dataset(self, dataset_id: uuid.UUID) -> str:
        return f"{self.base}/datasets/{dataset_id}"

    def download(
        self, dataset_id: uuid.UUID, fmt: DownloadFormat, version: int | None = None
    ) -> str:
        """A version's file, or with no version the latest one's (a stable link)."""
        where = "" if version is None else f"/versions/{version}"
        return f"{self.dataset(dataset_id)}{where}/download?format={fmt}"


def download_filename(dataset_name: str, version: int, fmt: DownloadFormat) -> str:
    safe = _UNSAFE_FILENAME.sub("_", dataset_name).strip("._") or "dataset"
    return f"{safe}-v{version}.{fmt}"


# --- data dictionary ---------------------------------------------------------------------------

DICTIONARY_FIELDS = (
    "name",
    "source_name",
    "position",
    "dtype",
    "stat_type",
    "unit",
    "description",
    "pii",
    "categories",
    "null_count",
    "distinct_count",
    "examples",
)


def example_values(column: ColumnPublic, limit: int = EXAMPLE_VALUES) -> list[str]:
    """The most frequent values if profiled, else the range, never a null."""
    if column.top_values:
        found = [v.value for v in column.top_values if v.value is not None]
        return found[:limit]
    return [v for v in dict.fromkeys((column.min, column.max)) if v is not None]


def dictionary_entry(column: ColumnPublic) -> dict[str, Any]:
    return {
        "name": column.name,
        "source_name": column.source_name or column.name,
        "position": column.position,
        "dtype": column.dtype,
        "stat_type": column.stat_type,
        "unit": column.unit,
        "description": column.description,
        "pii": column.pii,
        "categories": column.categories,
        "null_count": column.null_count,
        "distinct_count": column.distinct_count,
        "examples": example_values(column),
    }


def dictionary_json(name: str, version: VersionDetail) -> dict[str, Any]:
    return {
        "dataset_id": str(version.dataset_id),
        "dataset_name": name,
        "version": version.version,
        "row_count": version.row_count,
        "fields": [dictionary_entry(c) for c in sorted(version.columns, key=_position)],
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " | ".join(str(v) for v in value)
    return str(value)


def dictionary_csv(version: VersionDetail) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DICTIONARY_FIELDS)
    for column in sorted(version.columns, key=_position):
        entry = dictionary_entry(column)
        writer.writerow([_cell(entry[field]) for field in DICTIONARY_FIELDS])
    return out.getvalue()


def _markdown_cell(value: Any) -> str:
    text = _cell(value).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.split())  # a newline would end the table row


def dictionary_markdown(name: str, version: VersionDetail) -> str:
    lines = [
        f"# {_markdown_cell(name)}, version {version.version}",
        "",
        f"{version.row_count} rows, {len(version.columns)} columns.",
        "",
        "| " + " | ".join(DICTIONARY_FIELDS) + " |",
        "|" + "---|" * len(DICTIONARY_FIELDS),
    ]
    for column in sorted(version.columns, key=_position):
        entry = dictionary_entry(column)
        lines.append("| " + " | ".join(_markdown_cell(entry[f]) for f in DICTIONARY_FIELDS) + " |")
    return "\n".join(lines) + "\n"


def _position(column: ColumnPublic) -> int:
    return column.position


# --- Frictionless Data Package -----------------------------------------------------------------


def _license(text: str) -> dict[str, str]:
    if text.startswith(("http://", "https://")):
        return {"path": text, "title": text}
    if _LICENSE_ID.match(text):
        return {"name": text}  # an Open Definition / SPDX identifier such as CC-BY-4.0
    return {"name": text, "title": text}


def _package_name(name: str) -> str:
    # The spec: lower case alphanumerics and . _ - only.
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-") or "dataset"


def data_package(
    dataset: DatasetDetail, version: VersionDetail, source: Source | None, links: Links
) -> dict[str, Any]:
    """A tabular Data Package whose one resource is the version's Parquet file."""
    package: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": _package_name(dataset.name),
        "id": str(dataset.id),
        "title": dataset.title or dataset.name,
        "version": str(version.version),
        "created": version.created_at.isoformat(),
        "homepage": links.dataset(dataset.id),
    }
    if dataset.description:
        package["description"] = dataset.description
    if source is not None:
        if source.tags:
            package["keywords"] = list(source.tags)
        if source.license:
            package["licenses"] = [_license(source.license)]
        origin: dict[str, str] = {"title": source.publisher or source.title or source.name}
        origin["path"] = source.url
        package["sources"] = [origin]
        if source.publisher:
            package["contributors"] = [{"title": source.publisher, "role": "publisher"}]
    resource: dict[str, Any] = {
        "name": _package_name(dataset.name),
        "path": links.download(dataset.id, "parquet", version.version),
        "profile": "tabular-data-resource",
        "format": "parquet",
        "mediatype": MEDIA_TYPES["parquet"],
        "schema": table_schema(version),
        # The hash of the raw file the Parquet file was made from (the Parquet file's own
        # size and hash are not recorded by the catalog).
        "x-mdc-raw-sha256": version.raw_sha256,
        "x-mdc-row-count": version.row_count,
    }
    package["resources"] = [resource]
    return package


# --- DCAT-AP / schema.org JSON-LD --------------------------------------------------------------

JSONLD_CONTEXT: dict[str, str] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _datetime(value: datetime) -> dict[str, str]:
    return {"@value": value.isoformat(), "@type": "xsd:dateTime"}


def temporal_coverage(columns: list[ColumnPublic]) -> tuple[str, str] | None:
    """Earliest and latest value over the date and datetime columns, ISO 8601."""
    starts: list[str] = []
    ends: list[str] = []
    for column in columns:
        if column.stat_type not in _DATE_STAT_TYPES:
            continue
        low = column.temporal.min if column.temporal else column.min
        high = column.temporal.max if column.temporal else column.max
        if low and high:
            starts.append(low)
            ends.append(high)
    if not starts:
        return None
    return min(starts), max(ends)  # ISO 8601 text sorts like time


def _distribution(dataset_id: uuid.UUID, fmt: DownloadFormat, links: Links) -> dict[str, Any]:
    latest = links.download(dataset_id, fmt)
    media = MEDIA_TYPES[fmt]
    return {
        "@type": ["dcat:Distribution", "schema:DataDownload"],
        "dct:title": f"{fmt.upper()} file of the latest version",
        "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{media}"},
        "dct:format": fmt.upper(),
        "dcat:accessURL": {"@id": latest},
        "dcat:downloadURL": {"@id": latest},
        "schema:encodingFormat": media,
        "schema:contentUrl": latest,
    }


def _variable(column: ColumnPublic) -> dict[str, Any]:
    variable: dict[str, Any] = {
        "@type": "schema:PropertyValue",
        "schema:name": column.name,
        "mdc:statType": column.stat_type,
        "mdc:storageType": column.dtype,
    }
    if column.description:
        variable["schema:description"] = column.description
    if column.unit:
        variable["schema:unitText"] = column.unit
    return variable


def json_ld(dataset: DatasetDetail, source: Source | None, links: Links) -> dict[str, Any]:
    title = dataset.title or dataset.name
    record: dict[str, Any] = {
        # mdc: the catalog's own terms (statistical and storage type of a column).
        "@context": {**JSONLD_CONTEXT, "mdc": f"{links.base}/ns/mdc#"},
        "@id": links.dataset(dataset.id),
        "@type": ["dcat:Dataset", "schema:Dataset"],
        "dct:identifier": str(dataset.id),
        "dct:title": title,
        "schema:name": title,
        "dct:issued": _datetime(dataset.created_at),
        "dct:modified": _datetime(dataset.updated_at),
        "dcat:version": str(dataset.version),
        "dcat:distribution": [
            _distribution(dataset.id, "parquet", links),
            _distribution(dataset.id, "csv", links),
        ],
        "schema:size": {
            "@type": "schema:QuantitativeValue",
            "schema:value": dataset.row_count,
            "schema:unitText": "rows",
        },
        "schema:variableMeasured": [_variable(c) for c in sorted(dataset.columns, key=_position)],
    }
    if dataset.description:
        record["dct:description"] = dataset.description
        record["schema:description"] = dataset.description
    coverage = temporal_coverage(dataset.columns)
    if coverage is not None:
        start, end = coverage
        record["dct:temporal"] = {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": start,
            "dcat:endDate": end,
        }
        record["schema:temporalCoverage"] = f"{start}/{end}"
    if source is not None:
        _add_source_facts(record, source)
    return record


def _add_source_facts(record: dict[str, Any], source: Source) -> None:
    if source.publisher:
        record["dct:publisher"] = {
            "@type": ["foaf:Agent", "schema:Organization"],
            "foaf:name": source.publisher,
            "schema:name": source.publisher,
        }
    if source.license:
        is_url = source.license.startswith(("http://", "https://"))
        record["dct:license"] = {"@id": source.license} if is_url else source.license
        record["schema:license"] = source.license
    if source.tags:
        record["dcat:keyword"] = list(source.tags)
        record["schema:keywords"] = list(source.tags)
    record["dct:source"] = {"@id": source.url}
    record["schema:isBasedOn"] = source.url
