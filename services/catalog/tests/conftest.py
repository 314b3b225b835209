"""Test set-up of the catalog package: an app whose repository and definitions sink are fakes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# With --import-mode=importlib the test directory is not on sys.path; catalog_fakes (a name
# unique to this package) is imported from here.
sys.path.insert(0, str(Path(__file__).parent))

from access_fakes import ADMIN_KEY, FakeKeyStore
from catalog_fakes import PROVIDER_KEY, FakeAuditLog, FakeRepository, FakeSink, FakeSpecSink
from fastapi import FastAPI
from fastapi.testclient import TestClient
from health_fakes import FakeHealthRepository
from mdc_catalog.api.deps import get_audit_log, get_definition_sink, get_key_store, get_repository
from mdc_catalog.api.routes.health import get_health_repository
from mdc_catalog.api.routes.specs import get_spec_draft_repository, get_spec_sink
from mdc_catalog.api.routes.steps import get_step_repository
from mdc_catalog.app import create_app
from mdc_catalog.config import CatalogSettings
from mdc_common.settings import DatabaseSettings
from spec_fakes import FakeSpecDraftRepository
from steps_fakes import FakeStepRepository


@pytest.fixture
def repo() -> FakeRepository:
    return FakeRepository()


@pytest.fixture
def audit() -> FakeAuditLog:
    return FakeAuditLog()


@pytest.fixture
def sink() -> FakeSink:
    return FakeSink()


@pytest.fixture
def spec_sink() -> FakeSpecSink:
    return FakeSpecSink()


@pytest.fixture
def step_repo() -> FakeStepRepository:
    return FakeStepRepository()


@pytest.fixture
def spec_drafts() -> FakeSpecDraftRepository:
    return FakeSpecDraftRepository()


@pytest.fixture
def key_store() -> FakeKeyStore:
    return FakeKeyStore()


@pytest.fixture
def app(
    key_store: FakeKeyStore,
    repo: FakeRepository,
    sink: FakeSink,
    spec_sink: FakeSpecSink,
    audit: FakeAuditLog,
    step_repo: FakeStepRepository,
    spec_drafts: FakeSpecDraftRepository,
) -> FastAPI:
    settings = CatalogSettings(
        provider_api_keys=[PROVIDER_KEY, "provider-key-2"],
        admin_api_keys=[ADMIN_KEY],
        # Nothing listens there: a test that reached the database would fail loudly.
        db=DatabaseSettings(url="postgresql+asyncpg://nobody@127.0.0.1:1/none"),
    )
    app = create_app(settings)
    app.dependency_overrides[get_repository] = lambda: repo
    app.dependency_overrides[get_definition_sink] = lambda: sink
    app.dependency_overrides[get_spec_sink] = lambda: spec_sink
    app.dependency_overrides[get_audit_log] = lambda: audit
    app.dependency_overrides[get_key_store] = lambda: key_store
    app.dependency_overrides[get_step_repository] = lambda: step_repo
    app.dependency_overrides[get_spec_draft_repository] = lambda: spec_drafts
    app.dependency_overrides[get_health_repository] = FakeHealthRepository  # empty
    return app


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    # Not entered as a context manager: the lifespan (database, Kafka) does not run.
    return TestClient(app)
