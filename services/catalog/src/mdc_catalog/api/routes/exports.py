"""Consumer exports: download a version (Parquet or CSV), its data dictionary, a Data Package
and a DCAT-AP / schema.org JSON-LD record of a dataset."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path as FilePath
from typing import Annotated, Any, BinaryIO, Literal, Protocol
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from mdc_common.errors import DependencyFailed, NotFound
from mdc_common.settings import S3Settings
from mdc_common.storage import ObjectStore, S3Uri
from minio.error import S3Error
from pydantic import BaseModel, Field
from urllib3.exceptions import HTTPError as ConnectionFailed

from mdc_catalog.api.deps import RepositoryDep
from mdc_catalog.api.routes.datasets import CONSUMER_ACCESS_ERRORS
from mdc_catalog.config import CatalogSettings
from mdc_catalog.exports import (
    MEDIA_TYPES,
    DownloadFormat,
    Links,
    data_package,
    dictionary_csv,
    dictionary_json,
    dictionary_markdown,
    download_filename,
    json_ld,
)
from mdc_catalog.models import Source
from mdc_catalog.parquet_stream import (
    MissingColumns,
    UnsupportedColumns,
    file_chunks,
    open_export,
)
from mdc_catalog.repository import CatalogRepository
from mdc_catalog.schemas import INT4_MAX, DatasetDetail, VersionDetail

log = logging.getLogger(__name__)
# Guarded by consumer_access where app.py includes it; these are its answers.
router = APIRouter(
    prefix="/datasets", tags=["datasets (consumers)"], responses=CONSUMER_ACCESS_ERRORS
)
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such dataset or version."}}
_MISSING_KEYS = {"NoSuchKey", "NoSuchObject", "NotFound"}
_CSV = f"{MEDIA_TYPES['csv']}; charset=utf-8"


class ParquetFiles(Protocol):
    """What the exports need of the object store (mdc_common.storage.ObjectStore has it)."""

    def get_file(self, uri: S3Uri, path: str) -> None: ...

    def presigned_get(self, uri: S3Uri, expires: timedelta = ...) -> str: ...


class LazyObjectStore:
    """The object store, made on first use: a catalog without S3 credentials still starts,
    and only the requests that need a file answer 503."""

    def __init__(self, settings: S3Settings) -> None:
        self._settings = settings
        self._store: ObjectStore | None = None

    def _get(self) -> ObjectStore:
        if self._store is None:
            try:
                self._store = ObjectStore(self._settings)
            except ValueError as err:  # e.g. no MDC_S3_SECRET_KEY
                raise DependencyFailed(f"the object store is not configured: {err}") from err
        return self._store

    def get_file(self, uri: S3Uri, path: str) -> None:
        self._get().get_file(uri, path)

    def presigned_get(self, uri: S3Uri, expires: timedelta = timedelta(hours=1)) -> str:
        return self._get().presigned_get(uri, expires)


def get_parquet_files(request: Request) -> ParquetFiles:
    files: ParquetFiles | None = getattr(request.app.state, "object_store", None)
    if files is None:
        settings: CatalogSettings = request.app.state.settings
        files = request.app.state.object_store = LazyObjectStore(settings.s3)
    return files


def get_links(request: Request) -> Links:
    settings: CatalogSettings = request.app.state.settings
    return Links(settings.public_base_url or str(request.base_url).rstrip("/"))


FilesDep = Annotated[ParquetFiles, Depends(get_parquet_files)]
LinksDep = Annotated[Links, Depends(get_links)]
VersionNumber = Annotated[int, Path(ge=1, le=INT4_MAX)]
FormatQuery = Annotated[DownloadFormat, Query(alias="format")]
ColumnsQuery = Annotated[
    str | None,
    Query(
        max_length=20_000,
        description="Comma-separated column names, in the order wanted; all if left out.",
        examples=["species,bill_length_mm"],
    ),
]


class DownloadUrl(BaseModel):
    url: str = Field(description="Presigned GET URL of the stored Parquet file.")
    format: Literal["parquet"] = "parquet"
    expires_in_seconds: int
    expires_at: datetime


async def _version(repo: CatalogRepository, dataset_id: uuid.UUID, version: int) -> VersionDetail:
    found = await repo.get_version(dataset_id, version)
    if found is None:
        raise NotFound(f"dataset {dataset_id} has no version {version}")
    return found


async def _latest(
    repo: CatalogRepository, dataset_id: uuid.UUID
) -> tuple[DatasetDetail, Source | None]:
    dataset = await repo.get_dataset(dataset_id)
    if dataset is None:
        raise NotFound(f"no dataset with id {dataset_id}")
    source = await repo.get_source(dataset.source_id) if dataset.source_id else None
    return dataset, source


def _columns_error(message: str, value: str | None) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("query", "columns"), "msg": message, "input": value}]
    )


def _selected_columns(raw: str | None, version: VersionDetail) -> list[str] | None:
    if raw is None:
        return None
    names = list(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
    if not names:
        return None
    known = {c.name for c in version.columns}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise _columns_error(
            f"unknown column {', '.join(map(repr, unknown))}; "
            f"version {version.version} has: {', '.join(c.name for c in version.columns)}",
            raw,
        )
    return names


def _parquet_uri(version: VersionDetail) -> S3Uri:
    try:
        return S3Uri.parse(version.parquet_uri)
    except ValueError as err:
        raise DependencyFailed(f"version {version.version} has no readable file URI") from err


def _fetch(files: ParquetFiles, uri: S3Uri, version: VersionDetail) -> BinaryIO:
    """Download to a temporary file and open it; the name is removed at once (the open handle
    keeps the data), so nothing is left behind however the response ends."""
    folder = tempfile.mkdtemp(prefix="mdc-export-")
    path = FilePath(folder) / "data.parquet"
    try:
        files.get_file(uri, str(path))
        return path.open("rb")
    except FileNotFoundError as err:
        raise NotFound(f"the file of version {version.version} is not in the store") from err
    except S3Error as err:
        if err.code in _MISSING_KEYS:
            raise NotFound(f"the file of version {version.version} is not in the store") from err
        log.exception("object store read failed", extra={"uri": str(uri)})
        raise DependencyFailed("the object store could not be read; try again later") from err
    except ConnectionFailed as err:
        log.exception("object store unreachable", extra={"uri": str(uri)})
        raise DependencyFailed("the object store is unreachable; try again later") from err
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@router.get(
    "/{dataset_id}/versions/{version}/download",
    summary="Download a version as Parquet or CSV, optionally a subset of its columns",
    response_class=StreamingResponse,
    responses={
        **_NOT_FOUND,
        200: {"content": {MEDIA_TYPES["parquet"]: {}, "text/csv": {}}},
    },
)
async def download_version(
    dataset_id: uuid.UUID,
    version: VersionNumber,
    repo: RepositoryDep,
    files: FilesDep,
    fmt: FormatQuery = "parquet",
    columns: ColumnsQuery = None,
) -> Response:
    found = await _version(repo, dataset_id, version)
    selected = _selected_columns(columns, found)
    name = await repo.dataset_name(dataset_id) or str(dataset_id)
    handle = await run_in_threadpool(_fetch, files, _parquet_uri(found), found)
    headers = {
        "Content-Disposition": f'attachment; filename="{download_filename(name, version, fmt)}"'
    }
    if fmt == "parquet" and selected is None:
        # The stored file, byte for byte.
        headers["Content-Length"] = str(os.fstat(handle.fileno()).st_size)
        return StreamingResponse(
            file_chunks(handle), media_type=MEDIA_TYPES["parquet"], headers=headers
        )
    try:
        chunks = await run_in_threadpool(open_export, handle, fmt, selected)
    except (MissingColumns, UnsupportedColumns) as err:
        raise _columns_error(str(err), columns) from err
    media_type = _CSV if fmt == "csv" else MEDIA_TYPES["parquet"]
    return StreamingResponse(chunks, media_type=media_type, headers=headers)


@router.get(
    "/{dataset_id}/versions/{version}/download-url",
    summary="A presigned URL of a version's stored Parquet file",
    responses=_NOT_FOUND,
)
async def download_url(
    dataset_id: uuid.UUID,
    version: VersionNumber,
    repo: RepositoryDep,
    files: FilesDep,
    fmt: Annotated[Literal["parquet"], Query(alias="format")] = "parquet",
    expires_in: Annotated[int, Query(ge=60, le=7 * 24 * 3600, description="Seconds.")] = 3600,
) -> DownloadUrl:
    found = await _version(repo, dataset_id, version)
    lifetime = timedelta(seconds=expires_in)
    url = await run_in_threadpool(files.presigned_get, _parquet_uri(found), lifetime)
    return DownloadUrl(
        url=url,
        format=fmt,
        expires_in_seconds=expires_in,
        expires_at=datetime.now(UTC) + lifetime,
    )


@router.get(
    "/{dataset_id}/download",
    summary="Download the latest version (redirects to that version's download)",
    status_code=307,
    response_class=RedirectResponse,
    responses=_NOT_FOUND,
)
async def download_latest(
    dataset_id: uuid.UUID,
    repo: RepositoryDep,
    links: LinksDep,
    fmt: FormatQuery = "parquet",
    columns: ColumnsQuery = None,
) -> RedirectResponse:
    dataset = await repo.get_dataset(dataset_id)
    if dataset is None:
        raise NotFound(f"no dataset with id {dataset_id}")
    target = links.download(dataset_id, fmt, dataset.version)
    if columns:
        target += f"&columns={quote(columns, safe=',')}"
    return RedirectResponse(target, status_code=307)


@router.get(
    "/{dataset_id}/versions/{version}/dictionary",
    summary="A version's data dictionary as JSON, CSV or Markdown",
    responses={**_NOT_FOUND, 200: {"content": {"text/csv": {}, "text/markdown": {}}}},
)
async def get_dictionary(
    dataset_id: uuid.UUID,
    version: VersionNumber,
    repo: RepositoryDep,
    fmt: Annotated[Literal["json", "csv", "markdown"], Query(alias="format")] = "json",
) -> Response:
    found = await _version(repo, dataset_id, version)
    name = await repo.dataset_name(dataset_id) or str(dataset_id)
    if fmt == "json":
        return JSONResponse(dictionary_json(name, found))
    stem = download_filename(name, version, "csv").removesuffix(".csv")
    if fmt == "csv":
        return Response(
            dictionary_csv(found),
            media_type=_CSV,
            headers={"Content-Disposition": f'attachment; filename="{stem}-dictionary.csv"'},
        )
    return Response(dictionary_markdown(name, found), media_type="text/markdown; charset=utf-8")


@router.get(
    "/{dataset_id}/datapackage.json",
    summary="A Frictionless Data Package of the latest version",
    responses=_NOT_FOUND,
)
async def get_data_package(
    dataset_id: uuid.UUID, repo: RepositoryDep, links: LinksDep
) -> dict[str, Any]:
    dataset, source = await _latest(repo, dataset_id)
    version = await _version(repo, dataset_id, dataset.version)
    return data_package(dataset, version, source, links)


@router.get(
    "/{dataset_id}/jsonld",
    summary="A DCAT-AP / schema.org Dataset record in JSON-LD",
    response_class=JSONResponse,
    responses={**_NOT_FOUND, 200: {"content": {"application/ld+json": {}}}},
)
async def get_json_ld(dataset_id: uuid.UUID, repo: RepositoryDep, links: LinksDep) -> Response:
    dataset, source = await _latest(repo, dataset_id)
    return JSONResponse(json_ld(dataset, source, links), media_type="application/ld+json")
