"""Dataset specs, as providers publish them: each save is a new immutable version, announced
as `DatasetSpecPublished` after the commit (the profiler then re-standardizes the latest raw
file). Issue 4 adds drafts, preview and review in front of `publish` (spec_workflow.py).

A version published through the workflow has a `SpecPublication` row that records when its
event went out: when Kafka is down at publish time the request still succeeds (the version is
committed) and `announce_pending_forever` sends the event later. The profiler ignores a spec
version it already has, so a repeat is harmless.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta
from typing import Protocol

from mdc_common.broker import EventPublisher
from mdc_common.errors import NotFound
from mdc_contracts import DatasetSpec, DatasetSpecPublished, Topic, deterministic_id, utc_now
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_catalog.config import SERVICE
from mdc_catalog.models import DatasetSpecRecord
from mdc_catalog.repository import CatalogRepository, SqlCatalogRepository
from mdc_catalog.schemas import SpecVersion
from mdc_catalog.spec_drafts import SpecDraftRepository, SpecPublication, SqlSpecDraftRepository

log = logging.getLogger(__name__)

# The request that publishes announces at once; the announcer leaves it that long first.
ANNOUNCE_SETTLE_SECONDS = 10.0


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


async def announce(
    repo: CatalogRepository,
    drafts: SpecDraftRepository,
    sink: SpecSink,
    record: DatasetSpecRecord,
    name: str,
    publication: SpecPublication,
) -> bool:
    """Send the event of a committed version and note it; False when the sink failed (the
    version stays pending for the announcer, and the provider's request still succeeds)."""
    try:
        await sink.publish(spec_event(record, name))
    # Whatever the broker raised: the version is committed, so failing the request would only
    # make the provider publish it twice; the announcer retries instead.
    except Exception:
        log.exception(
            "dataset spec published but not announced; the announcer will retry",
            extra={"dataset_id": str(record.dataset_id), "spec_version": record.version},
        )
        return False
    publication.announced_at = utc_now()
    await drafts.add_publication(publication)
    await repo.commit()
    log.info(
        "dataset spec published",
        extra={
            "dataset_id": str(record.dataset_id),
            "spec_version": record.version,
            "by": record.created_by,
        },
    )
    return True


async def announce_pending(
    repo: CatalogRepository,
    drafts: SpecDraftRepository,
    sink: SpecSink,
    settle_seconds: float = ANNOUNCE_SETTLE_SECONDS,
) -> int:
    """Send the events of versions whose announcement failed; returns how many went out."""
    sent = 0
    pending = await drafts.unannounced(utc_now() - timedelta(seconds=settle_seconds))
    for publication in pending:
        versions = {r.version: r for r in await repo.list_specs(publication.dataset_id)}
        record = versions.get(publication.version)
        name = await repo.dataset_name(publication.dataset_id)
        if record is not None and name is not None:  # else: the dataset was deleted
            await sink.publish(spec_event(record, name))
            sent += 1
        publication.announced_at = utc_now()
        await drafts.add_publication(publication)
        await repo.commit()  # one by one: a failure later does not resend these
    if sent:
        log.info("pending dataset specs announced", extra={"count": sent})
    return sent


async def announce_pending_forever(
    sessions: async_sessionmaker[AsyncSession], sink: SpecSink, interval: float
) -> None:
    """The announcer: at start, then every `interval` seconds."""
    while True:
        try:
            async with sessions() as session:
                await announce_pending(
                    SqlCatalogRepository(session), SqlSpecDraftRepository(session), sink
                )
        # A background retry loop, not a message handler: it must outlive a Kafka or DB outage.
        except Exception:
            log.exception("announcing pending dataset specs failed; will retry")
        await asyncio.sleep(interval)
