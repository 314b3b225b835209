"""Marquez-compatible HTTP API: ingest at POST /api/v1/lineage, and the lineage read endpoints."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from mdc_common.http import error_body

from mdc_lineage.api.payload import PayloadTooLarge, read_run_event
from mdc_lineage.errors import InvalidEvent
from mdc_lineage.graph import Direction as WalkDirection
from mdc_lineage.service import Door, LineageService

DEFAULT_DEPTH = 20
MAX_DEPTH = 100


def invalid_event_response(err: InvalidEvent) -> JSONResponse:
    return JSONResponse(error_body("invalid_event", err.detail, fields=err.fields), status_code=400)


def create_router(service: LineageService, max_event_bytes: int) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["lineage"])

    @router.post(
        "/lineage",
        status_code=201,
        summary="Ingest one OpenLineage RunEvent (Marquez-compatible)",
        responses={400: {"description": "Not a valid RunEvent"}, 413: {"description": "Too big"}},
    )
    async def post_lineage(request: Request) -> JSONResponse:
        try:
            event = await read_run_event(request, max_event_bytes)
        except InvalidEvent as err:
            service.reject(Door.HTTP, err.reason)
            return invalid_event_response(err)
        except PayloadTooLarge as err:
            service.reject(Door.HTTP, "too_large")
            return JSONResponse(error_body("payload_too_large", str(err)), status_code=413)
        try:
            outcome = await service.ingest(event, Door.HTTP)
        except InvalidEvent as err:  # already counted by the service
            return invalid_event_response(err)
        return JSONResponse(
            {
                "runId": str(outcome.run_id),
                "eventType": outcome.event_type.value,
                "duplicate": not outcome.stored,
                "warnings": outcome.warnings,
            },
            status_code=201,
        )

    @router.get("/lineage", summary="Lineage graph around a dataset or job (Marquez's shape)")
    async def get_lineage(
        node_id: Annotated[
            str, Query(alias="nodeId", description="dataset:NAMESPACE:NAME or job:NAMESPACE:NAME")
        ],
        depth: Annotated[
            int, Query(ge=0, le=MAX_DEPTH, description="Hops (edges) from the node, each way")
        ] = DEFAULT_DEPTH,
        direction: Annotated[
            WalkDirection,
            Query(description="upstream (what it comes from), downstream, or both (Marquez)"),
        ] = WalkDirection.BOTH,
    ) -> dict[str, Any]:
        return await service.lineage(node_id, depth, direction)

    @router.get(
        "/namespaces/{namespace:path}/jobs/{job:path}/runs",
        summary="Runs of a job, latest first (URL-encode '/' in namespace and name as %2F)",
    )
    async def job_runs(
        request: Request,
        namespace: str,
        job: str,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        namespace, job = _encoded_names(request, "jobs", ("runs",)) or (namespace, job)
        return await service.job_runs(namespace, job, limit, offset)

    # Before the dataset route, whose {dataset:path} would swallow these suffixes.
    @router.get(
        "/namespaces/{namespace:path}/datasets/{dataset:path}/runs",
        summary="Runs that read or wrote a dataset, latest first (URL-encode '/' as %2F)",
    )
    async def dataset_runs(
        request: Request,
        namespace: str,
        dataset: str,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        names, suffixed = _dataset_suffix(request, namespace, dataset, "runs")
        if not suffixed:
            return await service.dataset(*names, limit)
        return await service.dataset_runs(*names, limit, offset)

    @router.get(
        "/namespaces/{namespace:path}/datasets/{dataset:path}/versions",
        summary="Versions of a dataset, latest first (URL-encode '/' as %2F)",
    )
    async def dataset_versions(
        request: Request,
        namespace: str,
        dataset: str,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        names, suffixed = _dataset_suffix(request, namespace, dataset, "versions")
        if not suffixed:
            return await service.dataset(*names, limit)
        return await service.dataset_versions(*names, limit, offset)

    @router.get(
        "/namespaces/{namespace:path}/datasets/{dataset:path}",
        summary="A dataset with its versions, latest first (URL-encode '/' as %2F)",
    )
    async def dataset(
        request: Request,
        namespace: str,
        dataset: str,
        limit: Annotated[int, Query(ge=1, le=1000, description="Versions to list")] = 100,
    ) -> dict[str, Any]:
        namespace, dataset = _encoded_names(request, "datasets", ()) or (namespace, dataset)
        return await service.dataset(namespace, dataset, limit)

    return router


def _encoded_names(request: Request, kind: str, tail: tuple[str, ...]) -> tuple[str, str] | None:
    """(namespace, name) read from the path as sent, before %2F was decoded.

    Namespaces such as `s3://bucket` contain '/', so clients percent-encode them (as Marquez
    expects); the decoded path alone cannot tell those slashes from the separators. Returns None
    when the raw path is not split as expected (then the router's own match is used)."""
    raw = request.scope.get("raw_path")
    if not isinstance(raw, bytes):
        return None
    parts = raw.split(b"?", 1)[0].split(b"/")
    expected = [b"", b"api", b"v1", b"namespaces", None, kind.encode(), None]
    expected += [t.encode() for t in tail]
    if len(parts) != len(expected) or any(
        want is not None and part != want for part, want in zip(parts, expected, strict=True)
    ):
        return None
    return _decode(parts[4]), _decode(parts[6])


def _dataset_suffix(
    request: Request, namespace: str, dataset: str, suffix: str
) -> tuple[tuple[str, str], bool]:
    """(namespace, name) of a `.../datasets/{name}/{suffix}` request, and whether `/{suffix}` is
    really a suffix. The route matches the decoded path, so a dataset whose name ends in
    `/runs`, sent encoded (`x%2Fruns`), lands here too: the raw path tells, and then the request
    is for that dataset itself. Sent unencoded (`x/runs`), the suffix wins."""
    suffixed = _encoded_names(request, "datasets", (suffix,))
    if suffixed is not None:
        return suffixed, True
    whole = _encoded_names(request, "datasets", ())
    if whole is not None:
        return whole, False
    return (namespace, dataset), True


def _decode(segment: bytes) -> str:
    return unquote_to_bytes(segment).decode("utf-8", errors="replace")
