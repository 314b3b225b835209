"""Settings, definitions on the topic, and the republish of pending definitions."""

from __future__ import annotations

import uuid
from functools import partial

import httpx
import pytest
from catalog_fakes import AUTH, FakeRepository, FakeSink, fake_scope
from fastapi import FastAPI
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage
from mdc_catalog.api.auth import Role, SettingsKeys
from mdc_catalog.api.deps import get_definition_sink
from mdc_catalog.config import CatalogSettings
from mdc_catalog.models import Source
from mdc_catalog.schemas import SourceCreate, SourceUpdate
from mdc_catalog.service import SourceAdmin, definition_event, republish_definitions
from mdc_common.errors import NotFound
from mdc_contracts import SourceDefined, Topic


def test_provider_keys_from_a_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDC_CATALOG_PROVIDER_API_KEYS", " key-a, key-b ,,")
    monkeypatch.setenv("MDC_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    settings = CatalogSettings()
    assert settings.provider_api_keys == ["key-a", "key-b"]
    assert settings.kafka.bootstrap_servers == "127.0.0.1:19092"
    assert "key-a" not in repr(settings)


def test_provider_keys_verify_by_digest() -> None:
    keys = SettingsKeys({Role.PROVIDER: ["alpha", "beta"]})
    assert keys.configured
    provider = keys.verify("beta")
    assert provider is not None
    assert len(provider.key_fingerprint) == 12
    assert (provider.name, provider.role) == ("provider-key-2", Role.PROVIDER)
    assert keys.verify("gamma") is None
    assert not SettingsKeys({Role.PROVIDER: []}).configured
    assert SettingsKeys({Role.PROVIDER: []}).verify("") is None


def test_definition_event_is_deterministic_per_revision() -> None:
    source = Source(name="penguins", url="https://data.example.org/p.csv", revision=4)
    first, again = definition_event(source), definition_event(source)
    assert first == again
    assert (first.revision, first.source_id, first.active) == (4, source.id, True)
    source.revision = 5
    assert definition_event(source).event_id != first.event_id


async def test_republish_sends_pending_revisions_then_nothing() -> None:
    repo, sink = FakeRepository(), FakeSink()
    admin = SourceAdmin(repo, sink)
    sink.fail = True
    created = await admin.create(SourceCreate(name="penguins", url="https://data.example.org/p"))
    await admin.update(created.id, SourceUpdate(check_interval_seconds=60))
    assert sink.events == []
    sink.fail = False
    # Just changed: left to the request that changed it for a few seconds.
    assert await republish_definitions(fake_scope(repo), sink, pending_only=True) == 0
    republish = partial(republish_definitions, fake_scope(repo), sink, settle_seconds=0)
    assert await republish(pending_only=True) == 1
    assert [(e.revision, e.check_interval_seconds) for e in sink.events] == [(2, 60)]
    assert await republish(pending_only=True) == 0
    # At start-up every definition goes out again; consumers keep the highest revision.
    assert await republish_definitions(fake_scope(repo), sink, pending_only=False) == 1


async def test_deleting_an_unknown_source_is_not_found() -> None:
    with pytest.raises(NotFound, match="no source"):
        await SourceAdmin(FakeRepository(), FakeSink()).delete(uuid.uuid4())


async def test_post_publishes_source_defined_keyed_by_source_id(app: FastAPI) -> None:
    """The real sink on faststream's in-memory broker: topic, key and payload."""
    del app.dependency_overrides[get_definition_sink]
    broker: KafkaBroker = app.state.broker
    received: list[tuple[bytes | None, SourceDefined]] = []

    @broker.subscriber(Topic.SOURCE_DEFINITIONS.value)
    async def collect(body: dict[str, object], message: KafkaMessage) -> None:
        record = message.raw_message
        assert not isinstance(record, tuple)
        received.append((record.key, SourceDefined.model_validate(body)))

    transport = httpx.ASGITransport(app=app)  # no lifespan: no database, no real Kafka
    async with (
        TestKafkaBroker(broker),
        httpx.AsyncClient(transport=transport, base_url="http://catalog") as client,
    ):
        response = await client.post(
            "/admin/sources",
            json={"name": "penguins", "url": "https://data.example.org/p.csv"},
            headers=AUTH,
        )
    assert response.status_code == 201
    [(key, event)] = received
    assert key == response.json()["id"].encode()
    assert str(event.source_id) == response.json()["id"]
    assert (event.producer, event.revision) == ("catalog", 1)
