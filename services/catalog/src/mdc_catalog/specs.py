"""Dataset specs, as providers publish them: each save is a new immutable version, announced
as `DatasetSpecPublished` after the commit (the profiler then re-standardizes the latest raw
file). Issue 4 adds drafts, preview and review in front of `publish`.
"""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

from mdc_common.broker import EventPublisher
from mdc_common.errors import NotFound
from mdc_contracts import DatasetSpec, DatasetSpecPublished, Topic, deterministic_id

from mdc_catalog.config import SERVICE
from mdc_catalog.models import DatasetSpecRecord
from mdc_catalog.repository import CatalogRepository
from mdc_catalog.schemas import SpecVersion

log = logging.getLogger(__name__)


class SpecSink(Protocol):
    """Where published specs go (the specs topic, or a list in tests)."""

    async def publish(self, event: DatasetSpecPublished) -> None: ...


class KafkaSpecSink:
    def __init__(self, publisher: EventPublisher) -> None:
        self.publisher = publisher

    async def publish(self, event: DatasetSpecPublished) -> None:
        # Keyed by dataset: spec versions of one dataset stay in order on one partition.
        await self.publisher.publish(Topic.DATASET_SPECS, event, key=str(event.dataset_id))


def spec_version(record: DatasetSpecRecord) -> SpecVersion:
    return SpecVersion.model_validate(record, from_attributes=True)


def spec_event(record: DatasetSpecRecord, dataset_name: str) -> DatasetSpecPublished:
    event_id = deterministic_id("dataset-spec", record.dataset_id, record.version)
    return DatasetSpecPublished(
        event_id=event_id,
        correlation_id=event_id,
        producer=SERVICE,
        occurred_at=record.created_at,
        dataset_id=record.dataset_id,
        dataset_name=dataset_name,
        spec_version=record.version,
        spec=DatasetSpec.model_validate(record.spec),
        published_by=record.created_by,
    )


async def stage_spec(
    repo: CatalogRepository, dataset_id: uuid.UUID, spec: DatasetSpec, created_by: str | None
) -> tuple[DatasetSpecRecord, str]:
    """Stage the next spec version (not committed) and return it with the dataset's name."""
    name = await repo.dataset_name(dataset_id)
    if name is None:
        raise NotFound(f"no dataset or source with id {dataset_id}")
    record = await repo.add_spec(
        DatasetSpecRecord(
            dataset_id=dataset_id,
            version=0,
            spec=spec.model_dump(mode="json"),
            created_by=created_by,
        )
    )
    return record, name


async def commit_and_announce(
    repo: CatalogRepository, sink: SpecSink, record: DatasetSpecRecord, name: str
) -> SpecVersion:
    await repo.commit()
    # After the commit: the profiler must never apply a spec version the catalog lacks.
    await sink.publish(spec_event(record, name))
    log.info(
        "dataset spec published",
        extra={
            "dataset_id": str(record.dataset_id),
            "spec_version": record.version,
            "by": record.created_by,
        },
    )
    return spec_version(record)


async def publish_spec(
    repo: CatalogRepository,
    sink: SpecSink,
    dataset_id: uuid.UUID,
    spec: DatasetSpec,
    created_by: str | None,
) -> SpecVersion:
    record, name = await stage_spec(repo, dataset_id, spec, created_by)
    return await commit_and_announce(repo, sink, record, name)


async def list_spec_versions(repo: CatalogRepository, dataset_id: uuid.UUID) -> list[SpecVersion]:
    return [spec_version(r) for r in await repo.list_specs(dataset_id)]
