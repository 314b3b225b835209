"""Graph reads: Marquez's column lineage, impact, and exports of the graph."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from mdc_lineage.exports import MEDIA_TYPES, ExportFormat
from mdc_lineage.graph import Direction as WalkDirection
from mdc_lineage.graph_service import GraphService

DEFAULT_DEPTH = 20
MAX_DEPTH = 100
NODE_ID = "dataset:NAMESPACE:NAME or job:NAMESPACE:NAME"

Depth = Annotated[int, Query(ge=1, le=MAX_DEPTH, description="Edges to walk from the node.")]


def create_graph_router(graph: GraphService) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["lineage graph"])

    @router.get(
        "/column-lineage",
        summary="Column lineage of a column or of every column of a dataset (Marquez's shape)",
    )
    async def get_column_lineage(
        node_id: Annotated[
            str,
            Query(
                alias="nodeId",
                description="datasetField:NAMESPACE:NAME:FIELD, or dataset:NAMESPACE:NAME for "
                "all of its columns",
            ),
        ],
        depth: Depth = DEFAULT_DEPTH,
        with_downstream: Annotated[
            bool,
            Query(alias="withDownstream", description="Also the columns derived from it."),
        ] = False,
    ) -> dict[str, Any]:
        return await graph.column_lineage(node_id, depth, with_downstream)

    @router.get(
        "/impact",
        summary="What a change of a dataset (or of some of its columns) reaches downstream",
        description="Every affected job and dataset, nearest first, with the path from the "
        "changed dataset and the reason. With `column`, column lineage narrows the answer; a "
        "job that reports no column lineage is assumed to use every column.",
    )
    async def get_impact(
        node_id: Annotated[str, Query(alias="nodeId", description="dataset:NAMESPACE:NAME")],
        column: Annotated[
            list[str] | None, Query(description="A changed column (repeat for several).")
        ] = None,
        depth: Depth = DEFAULT_DEPTH,
    ) -> dict[str, Any]:
        return await graph.impact(node_id, column, depth)

    @router.get(
        "/export",
        summary="The lineage graph as GraphML, Mermaid or JSON: whole, or around a node",
        response_class=Response,
        responses={
            200: {"content": {media: {} for media in MEDIA_TYPES.values()}},
        },
    )
    async def export(
        export_format: Annotated[ExportFormat, Query(alias="format")] = ExportFormat.GRAPHML,
        node_id: Annotated[
            str | None, Query(alias="nodeId", description=f"{NODE_ID}; absent: all")
        ] = None,
        depth: Depth = DEFAULT_DEPTH,
        columns: Annotated[bool, Query(description="Column nodes and edges too.")] = False,
        direction: Annotated[
            WalkDirection, Query(description="With nodeId: upstream, downstream or both.")
        ] = WalkDirection.BOTH,
    ) -> Response:
        body = await graph.export(export_format, node_id, depth, columns, direction)
        extension = {"graphml": "graphml", "mermaid": "mmd", "json": "json"}[export_format]
        return Response(
            body,
            media_type=MEDIA_TYPES[export_format],
            headers={"Content-Disposition": f'inline; filename="lineage.{extension}"'},
        )

    return router
