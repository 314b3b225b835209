"""FastAPI dependencies: the session, the repository, the source admin and the provider check.

Everything comes from `app.state` (set by `create_app`), so tests override `get_repository`
and `get_definition_sink` with fakes and never touch a database or Kafka.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_catalog.api.auth import Provider, ProviderAuthError, ProviderKeys
from mdc_catalog.audit import AuditLog, SqlAuditLog
from mdc_catalog.config import CatalogSettings
from mdc_catalog.metrics import CatalogMetrics
from mdc_catalog.repository import CatalogRepository, SqlCatalogRepository
from mdc_catalog.service import DefinitionSink, SourceAdmin

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ProviderApiKey",
    description="A provider API key (MDC_CATALOG_PROVIDER_API_KEYS).",
)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def get_repository(session: SessionDep) -> CatalogRepository:
    return SqlCatalogRepository(session)


RepositoryDep = Annotated[CatalogRepository, Depends(get_repository)]


def get_audit_log(session: SessionDep) -> AuditLog:
    # The same session as the repository's (FastAPI caches it per request): one transaction.
    return SqlAuditLog(session)


AuditDep = Annotated[AuditLog, Depends(get_audit_log)]


def get_definition_sink(request: Request) -> DefinitionSink:
    sink: DefinitionSink = request.app.state.definition_sink
    return sink


def get_source_admin(
    request: Request,
    repo: RepositoryDep,
    sink: Annotated[DefinitionSink, Depends(get_definition_sink)],
) -> SourceAdmin:
    metrics: CatalogMetrics | None = getattr(request.app.state, "catalog_metrics", None)
    return SourceAdmin(repo, sink, metrics)


SourceAdminDep = Annotated[SourceAdmin, Depends(get_source_admin)]


def get_min_check_interval(request: Request) -> int:
    settings: CatalogSettings = request.app.state.settings
    return settings.min_check_interval_seconds


MinCheckIntervalDep = Annotated[int, Depends(get_min_check_interval)]


def require_provider(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Provider:
    if credentials is None or not credentials.credentials:
        raise ProviderAuthError(
            401, "a provider API key is required: send 'Authorization: Bearer <key>'"
        )
    keys: ProviderKeys = request.app.state.provider_keys
    provider = keys.verify(credentials.credentials)
    if provider is None:
        raise ProviderAuthError(403, "the provider API key is not valid")
    return provider


ProviderDep = Annotated[Provider, Depends(require_provider)]
