"""Read-only API for providers and technicians: the step graph and what a change would run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from mdc_orchestrator_bridge.config import OrchestratorBridgeSettings
from mdc_orchestrator_bridge.steps import Step, StepGraphSource


def get_step_graphs(request: Request) -> StepGraphSource:
    graphs: StepGraphSource = request.app.state.step_graphs
    return graphs


def get_settings(request: Request) -> OrchestratorBridgeSettings:
    settings: OrchestratorBridgeSettings = request.app.state.settings
    return settings


StepGraphsDep = Annotated[StepGraphSource, Depends(get_step_graphs)]
SettingsDep = Annotated[OrchestratorBridgeSettings, Depends(get_settings)]


class StepView(Step):
    depends_on: list[str] = Field(description="Steps producing this step's inputs.")


class StepGraphView(BaseModel):
    steps_file: str
    dag_id: str
    steps: list[StepView] = Field(description="In dependency order: a step after its inputs.")
    source_datasets: list[str] = Field(
        description="Datasets read by steps and produced by none: their changes trigger runs."
    )
    error: str | None = Field(
        default=None,
        description="Why the current file is invalid; the steps shown are the last good ones.",
    )


class DownstreamView(BaseModel):
    dataset: str
    dag_id: str
    steps: list[str] = Field(description="Steps a change of the dataset runs, in order.")
    triggers_run: bool


router = APIRouter(tags=["steps"])


@router.get("/steps", summary="The processing steps and how they depend on each other")
async def list_steps(graphs: StepGraphsDep, settings: SettingsDep) -> StepGraphView:
    graph = graphs.current()
    return StepGraphView(
        steps_file=str(graphs.path),
        dag_id=settings.airflow.dag_id,
        steps=[
            StepView(**graph.step(name).model_dump(), depends_on=graph.depends_on(name))
            for name in graph.names
        ],
        source_datasets=graph.source_datasets(),
        error=graphs.error,
    )


@router.get("/steps/downstream", summary="The steps a change of a dataset would run")
async def downstream(
    graphs: StepGraphsDep,
    settings: SettingsDep,
    dataset: Annotated[str, Query(min_length=1, description="Dataset name.")],
) -> DownstreamView:
    steps = graphs.current().downstream_steps(dataset)
    return DownstreamView(
        dataset=dataset, dag_id=settings.airflow.dag_id, steps=steps, triggers_run=bool(steps)
    )
