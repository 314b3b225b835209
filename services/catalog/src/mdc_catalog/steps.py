"""Processing steps of the downstream layers (join, enhance, featurize...): their table, API
models and storage.

A step is what deploy/steps.yaml describes for the orchestrator-bridge and the Airflow DAG: a
name (the Airflow task id), a layer, a language, a bash command, the datasets it reads and
writes, an owner and a description; the catalog adds an `active` flag and timestamps.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Protocol

from mdc_common.errors import Conflict
from mdc_contracts import utc_now
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy import DateTime, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field as SqlField
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_catalog.models import SOURCE_NAME_PATTERN, CatalogTable, LongText, ShortText
from mdc_catalog.schemas import INT4_MAX

# Step names are Airflow task ids; the source-name pattern is a subset of what Airflow accepts.
STEP_NAME_PATTERN = SOURCE_NAME_PATTERN
LAYER_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"
# Dataset names: source names, plus what downstream steps name their outputs.
DATASET_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
MAX_DATASETS_PER_STEP = 200
MAX_PAGE_SIZE = 500

StepName = Annotated[str, StringConstraints(pattern=STEP_NAME_PATTERN)]
LayerName = Annotated[str, StringConstraints(pattern=LAYER_PATTERN)]
DatasetName = Annotated[str, StringConstraints(pattern=DATASET_NAME_PATTERN)]
Command = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
StepLanguage = Literal["python", "r", "sas", "bash", "sql"]
DatasetNames = Annotated[list[DatasetName], Field(max_length=MAX_DATASETS_PER_STEP)]

# Fields a provider sets, in the order they are shown and compared.
STEP_FIELDS = (
    "layer",
    "language",
    "command",
    "inputs",
    "outputs",
    "owner",
    "description",
    "active",
)


class ProcessingStep(CatalogTable, table=True):
    __tablename__ = "processing_step"
    __table_args__ = (UniqueConstraint("name", name="processing_step_name_key"),)

    id: uuid.UUID = SqlField(default_factory=uuid.uuid4, primary_key=True)
    name: str
    layer: str
    language: str
    command: str
    inputs: list[str] = SqlField(default_factory=list, sa_type=JSONB)
    outputs: list[str] = SqlField(default_factory=list, sa_type=JSONB)
    owner: str = ""
    description: str = ""
    active: bool = True
    created_at: datetime = SqlField(default_factory=utc_now, sa_type=DateTime(timezone=True))
    updated_at: datetime = SqlField(default_factory=utc_now, sa_type=DateTime(timezone=True))


def _sorted_unique(names: list[str] | None) -> list[str] | None:
    # Order carries no meaning (a step reads all its inputs); sorted, so exports are stable.
    if names is None:
        return None
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"listed more than once: {', '.join(repeated)}")
    return sorted(names)


def overlap_error(inputs: list[str], outputs: list[str]) -> str | None:
    both = sorted(set(inputs) & set(outputs))
    if both:
        return f"a step cannot read and write the same dataset: {', '.join(both)}"
    return None


class StepCreate(BaseModel):
    """Body of POST /admin/steps; also one entry of `steps:` in an imported YAML document."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "penguins_by_species",
                    "layer": "aggregate",
                    "language": "python",
                    "command": '"$MDC_PYTHON" deploy/steps/penguins_by_species.py',
                    "inputs": ["palmer-penguins"],
                    "outputs": ["penguins-species-summary"],
                    "owner": "ecology-team",
                    "description": "Per species and island, counts and mean measurements.",
                }
            ]
        },
    )

    name: StepName = Field(examples=["penguins_by_species"])
    layer: LayerName = Field(examples=["aggregate"])
    language: StepLanguage = Field(examples=["python"])
    command: Command = Field(
        description="Bash command or script path, run by Airflow from the repository root.",
        examples=['"$MDC_PYTHON" deploy/steps/penguins_by_species.py'],
    )
    inputs: DatasetNames = Field(description="Datasets the step reads.")
    outputs: DatasetNames = Field(description="Datasets the step writes.")
    owner: ShortText = ""
    description: LongText = ""
    active: bool = Field(default=True, description="false: the step is not run.")

    _lists = field_validator("inputs", "outputs")(_sorted_unique)

    @field_validator("outputs")
    @classmethod
    def _not_an_input(cls, outputs: list[str], info: Any) -> list[str]:
        problem = overlap_error(info.data.get("inputs") or [], outputs)
        if problem:
            raise ValueError(problem)
        return outputs


class StepUpdate(BaseModel):
    """Body of PATCH /admin/steps/{name}: only the fields sent change (the name never does)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"owner": "biodiversity-team"}, {"active": False}]},
    )

    layer: LayerName | None = None
    language: StepLanguage | None = None
    command: Command | None = None
    inputs: DatasetNames | None = None
    outputs: DatasetNames | None = None
    owner: ShortText | None = None
    description: LongText | None = None
    active: bool | None = None

    _lists = field_validator("inputs", "outputs")(_sorted_unique)

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class StepPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    layer: str
    language: str
    command: str
    inputs: list[str]
    outputs: list[str]
    owner: str
    description: str
    active: bool
    created_at: datetime
    updated_at: datetime


class StepPage(BaseModel):
    items: list[StepPublic] = Field(description="By name.")
    total: int


class StepFilter(BaseModel):
    """Query parameters of GET /admin/steps; every one narrows the result."""

    model_config = ConfigDict(extra="forbid")

    layer: str | None = Field(default=None, max_length=64)
    owner: str | None = Field(default=None, max_length=300)
    input: str | None = Field(default=None, max_length=128, description="Steps reading it.")
    output: str | None = Field(default=None, max_length=128, description="Steps writing it.")
    active: bool | None = None
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0, le=INT4_MAX)

    def matches(self, step: ProcessingStep) -> bool:
        return (
            (self.layer is None or step.layer == self.layer)
            and (self.owner is None or step.owner == self.owner)
            and (self.input is None or self.input in step.inputs)
            and (self.output is None or self.output in step.outputs)
            and (self.active is None or step.active == self.active)
        )


def step_public(step: ProcessingStep) -> StepPublic:
    return StepPublic.model_validate(step)


def step_fields(step: ProcessingStep | StepCreate) -> dict[str, Any]:
    return {name: getattr(step, name) for name in STEP_FIELDS}


class StepRepository(Protocol):
    """Storage of steps. Steps are few (hundreds): the domain filters and checks the graph
    over all of them, so storage stays trivial and the rules are tested without a database."""

    async def lock_graph(self) -> None:
        """Serialize writers of the step graph until the end of the transaction."""

    async def all_steps(self) -> list[ProcessingStep]:
        """Every step, by name; changes to the returned objects are saved on commit."""
        ...

    async def add_step(self, step: ProcessingStep) -> None:
        """Stage a new step; raises Conflict when its name is taken."""

    async def delete_step(self, step: ProcessingStep) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class SqlStepRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_graph(self) -> None:
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('catalog.processing_step'))")
        )

    async def all_steps(self) -> list[ProcessingStep]:
        rows = await self.session.exec(select(ProcessingStep).order_by(col(ProcessingStep.name)))
        return list(rows.all())

    async def add_step(self, step: ProcessingStep) -> None:
        self.session.add(step)
        try:
            await self.session.flush()
        except IntegrityError as err:
            await self.session.rollback()
            if "processing_step_name_key" in str(err.orig):
                raise Conflict(f"a step named {step.name!r} already exists") from err
            raise

    async def delete_step(self, step: ProcessingStep) -> None:
        await self.session.delete(step)

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
