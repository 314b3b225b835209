"""FastAPI dependencies: the session, the repository, the source admin and the role checks.

Everything comes from `app.state` (set by `create_app`), so tests override `get_repository`
and `get_definition_sink` with fakes and never touch a database or Kafka.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from mdc_catalog.access import KeyStore, RevokedKey, SqlKeyStore, verify_issued_key
from mdc_catalog.api.auth import AuthError, Caller, Role, SettingsKeys
from mdc_catalog.audit import AuditLog, SqlAuditLog
from mdc_catalog.config import CatalogSettings
from mdc_catalog.metrics import CatalogMetrics
from mdc_catalog.repository import CatalogRepository, SqlCatalogRepository
from mdc_catalog.search_index import SearchIndex
from mdc_catalog.service import DefinitionSink, SourceAdmin

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key: issued by an admin (POST /admin/keys) or configured "
    "(MDC_CATALOG_PROVIDER_API_KEYS, MDC_CATALOG_ADMIN_API_KEYS).",
)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    # Reads run in autocommit: no BEGIN / ROLLBACK round trips around each search. (A GET
    # writes at most a key's last use, a single statement that commits on its own.)
    factory = request.app.state.read_sessions if request.method == "GET" else None
    async with (factory or request.app.state.sessions)() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def get_repository(session: SessionDep) -> CatalogRepository:
    return SqlCatalogRepository(session)


RepositoryDep = Annotated[CatalogRepository, Depends(get_repository)]


def get_search_index(request: Request) -> SearchIndex | None:
    index: SearchIndex | None = getattr(request.app.state, "search_index", None)
    return index


SearchIndexDep = Annotated[SearchIndex | None, Depends(get_search_index)]


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


def get_key_store(session: SessionDep) -> KeyStore:
    return SqlKeyStore(session)


KeyStoreDep = Annotated[KeyStore, Depends(get_key_store)]
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def get_caller(request: Request, credentials: BearerDep, store: KeyStoreDep) -> Caller | None:
    """The caller of a valid key; None without a key; 403 for a key that is not valid."""
    if credentials is None or not credentials.credentials:
        return None
    key = credentials.credentials
    configured: SettingsKeys = request.app.state.provider_keys
    caller = configured.verify(key)
    if caller is not None:
        return caller
    try:
        caller = await verify_issued_key(store, key)
    except RevokedKey as revoked:
        raise AuthError(403, f"the API key {revoked} was revoked") from None
    if caller is None:
        raise AuthError(403, "the API key is not valid")
    return caller


CallerDep = Annotated[Caller | None, Depends(get_caller)]


def require_role(*roles: Role) -> Callable[[Caller | None], Caller]:
    """A dependency admitting callers with one of `roles`; admins are always admitted."""
    allowed = frozenset(roles) | {Role.ADMIN}
    needed = " or ".join(sorted(role.value for role in allowed))

    def check(caller: CallerDep) -> Caller:
        if caller is None:
            raise AuthError(
                401, f"an API key ({needed}) is required: send 'Authorization: Bearer <key>'"
            )
        if caller.role not in allowed:
            raise AuthError(
                403, f"this endpoint needs the role {needed}; the key has the role {caller.role}"
            )
        return caller

    return check


require_admin = require_role(Role.ADMIN)
# Sources, specs, steps and YAML import/export; the name predates roles.
require_provider = require_role(Role.PROVIDER)
# The audit log (who changed what): technicians and admins.
require_technician = require_role(Role.TECHNICIAN)
# Source status and the health view: technicians, and the providers who curate the sources.
require_status_reader = require_role(Role.TECHNICIAN, Role.PROVIDER)

AdminDep = Annotated[Caller, Depends(require_admin)]
ProviderDep = Annotated[Caller, Depends(require_provider)]
TechnicianDep = Annotated[Caller, Depends(require_technician)]


async def consumer_access(
    request: Request, credentials: BearerDep, store: KeyStoreDep
) -> Caller | None:
    """Consumer reads: public, or any valid key (MDC_CATALOG_CONSUMER_ACCESS=key).

    When public, a key sent along is not even checked: a stale key must not break reading.
    """
    settings: CatalogSettings = request.app.state.settings
    if settings.consumer_access == "public":
        return None
    caller = await get_caller(request, credentials, store)
    if caller is None:
        raise AuthError(
            401, "an API key (any role) is required: send 'Authorization: Bearer <key>'"
        )
    return caller
