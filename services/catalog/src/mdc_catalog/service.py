"""Sources, as providers manage them: create, change, pause, delete, and announce definitions.

Every change of a definition increments its revision and is published as `SourceDefined`
after the commit. A publish that fails leaves `published_revision < revision`, and the source
is published again by `republish_definitions` (periodically, and all of them at start-up).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from mdc_common.broker import EventPublisher
from mdc_common.errors import Conflict, NotFound
from mdc_contracts import SourceDefined, Topic, deterministic_id, utc_now

from mdc_catalog.audit import AuditLog
from mdc_catalog.config import SERVICE
from mdc_catalog.facts import SOURCE_SEARCH_FIELDS
from mdc_catalog.metrics import CatalogMetrics
from mdc_catalog.models import Source
from mdc_catalog.repository import CatalogRepository, RepositoryScope
from mdc_catalog.schemas import (
    SourceCreate,
    SourceError,
    SourceFilter,
    SourcePage,
    SourcePublic,
    SourceUpdate,
)

log = logging.getLogger(__name__)

# A change is published by its own request right after the commit; the periodic republish
# leaves it that long, so the two rarely send the same revision twice.
PENDING_SETTLE_SECONDS = 10.0


class DefinitionSink(Protocol):
    """Where source definitions go (the definitions topic, or a list in tests)."""

    async def publish(self, event: SourceDefined) -> None: ...


class KafkaDefinitionSink:
    def __init__(self, publisher: EventPublisher) -> None:
        self.publisher = publisher

    async def publish(self, event: SourceDefined) -> None:
        # Keyed by source, so all revisions of one source stay in order on one partition.
        await self.publisher.publish(Topic.SOURCE_DEFINITIONS, event, key=str(event.source_id))


def definition_event(source: Source) -> SourceDefined:
    """The definition event of a source's current revision; same revision, same event id."""
    event_id = deterministic_id("source-defined", source.id, source.revision)
    return SourceDefined(
        event_id=event_id,
        correlation_id=event_id,
        producer=SERVICE,
        occurred_at=source.updated_at,
        source_id=source.id,
        name=source.name,
        url=source.url,
        check_interval_seconds=source.check_interval_seconds,
        active=source.active,
        revision=source.revision,
        check_requested_at=source.check_requested_at,
    )


def last_error(source: Source) -> SourceError | None:
    """The most recent outstanding error, of checking or of processing."""
    errors = [
        SourceError.model_validate(error)
        for error in (source.check_error, source.processing_error)
        if error is not None
    ]
    return max(errors, key=lambda error: error.at, default=None)


def source_public(source: Source) -> SourcePublic:
    return SourcePublic.model_validate(
        {
            **source.model_dump(exclude={"check_error", "processing_error"}),
            "last_error": last_error(source),
        }
    )


@dataclass(frozen=True)
class AuditTrail:
    """Where a source change is recorded, and by whom (the API key's name and role)."""

    log: AuditLog
    actor: str
    role: str | None


def source_snapshot(source: Source) -> dict[str, Any]:
    """A source as the audit log keeps it (the API's view, JSON-ready)."""
    return source_public(source).model_dump(mode="json")


class SourceAdmin:
    """Provider operations on sources, over one repository (one request).

    With an `AuditTrail`, every change stages its entry before the commit that carries the
    change; without one (the YAML import, which records its own entries) nothing is recorded.
    """

    def __init__(
        self,
        repo: CatalogRepository,
        sink: DefinitionSink,
        metrics: CatalogMetrics | None = None,
        trail: AuditTrail | None = None,
    ) -> None:
        self.repo = repo
        self.sink = sink
        self.metrics = metrics
        self.trail = trail

    def audited(self, trail: AuditTrail) -> SourceAdmin:
        """The same operations, each change recorded in `trail`."""
        return SourceAdmin(self.repo, self.sink, self.metrics, trail)

    async def create(self, data: SourceCreate) -> Source:
        existing = await self.repo.get_source_by_name(data.name)
        if existing is not None:
            hint = " (deleted; choose another name)" if existing.deleted_at else ""
            raise Conflict(f"a source named {data.name!r} already exists{hint}: {existing.id}")
        source = Source.model_validate(data.model_dump())
        await self.repo.add_source(source)  # Conflict if created concurrently
        self._record("source.create", source, before=None)
        await self.repo.commit()
        log.info("source created", extra={"source_id": str(source.id), "source": source.name})
        await self.announce(source)
        return source

    async def get(self, source_id: uuid.UUID) -> Source:
        source = await self.repo.get_source(source_id)
        if source is None:
            raise NotFound(f"no source with id {source_id}")
        return source

    async def list(self, query: SourceFilter) -> SourcePage:
        sources, total = await self.repo.list_sources(query)
        return SourcePage(items=[source_public(s) for s in sources], total=total)

    async def update(
        self, source_id: uuid.UUID, data: SourceUpdate, *, action: str = "source.update"
    ) -> Source:
        """Change the fields sent; `action` names the change in the audit log (pause...)."""
        source = await self._locked(source_id)
        if source.deleted_at is not None:
            await self.repo.rollback()
            raise Conflict(f"source {source_id} was deleted at {source.deleted_at.isoformat()}")
        changes = {k: v for k, v in data.changes().items() if getattr(source, k) != v}
        if not changes:
            # Nothing changes: no new revision, no event. Commit (not rollback) releases the
            # row lock without expiring the loaded source.
            await self.repo.commit()
            return source
        before = source_snapshot(source)
        for field, value in changes.items():
            setattr(source, field, value)
        if source.dataset_id is not None and changes.keys() & SOURCE_SEARCH_FIELDS:
            # Search reads these from the dataset's facts: refresh them in the same commit.
            await self.repo.refresh_dataset_facts(source.dataset_id)
        await self._next_revision(source, action, before)
        log.info("source updated", extra={"source_id": str(source_id), "fields": sorted(changes)})
        await self.announce(source)
        return source

    async def delete(self, source_id: uuid.UUID) -> None:
        """Soft delete: the source stops being checked; its datasets and history stay."""
        source = await self._locked(source_id)
        if source.deleted_at is not None:
            await self.repo.rollback()  # deleting twice is not an error
            return
        before = source_snapshot(source)
        source.active = False
        source.deleted_at = utc_now()
        await self._next_revision(source, "source.delete", before)
        log.info("source deleted", extra={"source_id": str(source_id)})
        await self.announce(source)

    async def request_check(self, source_id: uuid.UUID) -> Source:
        """Ask for a check now: a new revision carrying `check_requested_at`, published like
        any change of the definition (the change-detector checks when the request is new)."""
        source = await self._locked(source_id)
        if source.deleted_at is not None:
            await self.repo.rollback()
            raise Conflict(f"source {source_id} was deleted at {source.deleted_at.isoformat()}")
        if not source.active:
            await self.repo.rollback()
            raise Conflict(f"source {source_id} is paused: resume it before asking for a check")
        before = source_snapshot(source)
        source.check_requested_at = utc_now()
        await self._next_revision(source, "source.check", before)
        log.info("source check requested", extra={"source_id": str(source_id)})
        await self.announce(source)
        return source

    async def announce(self, source: Source) -> None:
        """Publish the current definition; on failure it stays pending for the next republish."""
        try:
            await self.sink.publish(definition_event(source))
            await self.repo.mark_published(source.id, source.revision)
            await self.repo.commit()
        # The definition is committed and still marked pending, so nothing is lost: the
        # caller's change succeeded and the periodic republish delivers it. (No rollback here:
        # it would expire the source the caller is about to return; the session's close ends
        # the transaction.)
        except Exception:
            log.exception(
                "publishing the source definition failed; will publish again",
                extra={"source_id": str(source.id), "revision": source.revision},
            )
            if self.metrics is not None:
                self.metrics.definition_publish_failures.inc()

    async def _locked(self, source_id: uuid.UUID) -> Source:
        source = await self.repo.get_source(source_id, for_update=True)
        if source is None:
            await self.repo.rollback()
            raise NotFound(f"no source with id {source_id}")
        return source

    async def _next_revision(
        self, source: Source, action: str, before: dict[str, Any] | None
    ) -> None:
        source.revision += 1
        source.updated_at = utc_now()
        self._record(action, source, before=before)  # commits with the change
        await self.repo.commit()

    def _record(self, action: str, source: Source, *, before: dict[str, Any] | None) -> None:
        if self.trail is None:
            return
        self.trail.log.record(
            actor=self.trail.actor,
            role=self.trail.role,
            action=action,
            target_type="source",
            target_id=str(source.id),
            before=before,
            after=source_snapshot(source),
        )


async def republish_definitions(
    scope: RepositoryScope,
    sink: DefinitionSink,
    *,
    pending_only: bool,
    settle_seconds: float = PENDING_SETTLE_SECONDS,
) -> int:
    """Publish the definitions of all sources (or the pending ones); returns how many.

    Safe to repeat: the change-detector keeps the highest revision per source. Pending
    sources changed in the last `settle_seconds` are left to the request that changed them.
    """
    published = 0
    changed_before = utc_now() - timedelta(seconds=settle_seconds) if pending_only else None
    async with scope() as repo:
        candidates = await repo.sources_to_publish(
            pending_only=pending_only, changed_before=changed_before
        )
        for source in candidates:
            await sink.publish(definition_event(source))
            await repo.mark_published(source.id, source.revision)
            published += 1
        await repo.commit()
    if published:
        log.info(
            "source definitions published", extra={"count": published, "pending_only": pending_only}
        )
    return published
