import uuid
from datetime import UTC, datetime

import pytest
from mdc_contracts import SourceChanged, SourceDefined, deterministic_id
from mdc_contracts.lineage import RunEvent
from pydantic import ValidationError


def _change(**overrides: object) -> SourceChanged:
    change_id = uuid.uuid4()
    fields: dict[str, object] = {
        "producer": "change-detector",
        "correlation_id": change_id,
        "change_id": change_id,
        "source_id": uuid.uuid4(),
        "source_name": "penguins",
        "url": "http://127.0.0.1/penguins.csv",
        "raw_uri": "s3://mdc-raw/x",
        "sha256": "a" * 64,
        "size_bytes": 10,
        "detected_at": datetime.now(UTC),
    }
    fields.update(overrides)
    return SourceChanged.model_validate(fields)


def test_event_round_trips_through_json() -> None:
    event = _change()
    again = SourceChanged.model_validate_json(event.model_dump_json())
    assert again == event
    assert again.event_type == "SourceChanged"
    assert again.schema_version == 1


def test_bad_hash_is_rejected_with_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        _change(sha256="not-a-hash")
    assert err.value.errors()[0]["loc"] == ("sha256",)


def test_unknown_fields_from_newer_producers_are_ignored() -> None:
    payload = _change().model_dump(mode="json") | {"added_in_a_later_version": 1}
    assert SourceChanged.model_validate(payload).source_name == "penguins"


def test_deterministic_id_is_stable() -> None:
    assert deterministic_id("a", 1) == deterministic_id("a", 1)
    assert deterministic_id("a", 1) != deterministic_id("a", 2)


def test_openlineage_event_keeps_unknown_facets() -> None:
    event = RunEvent.model_validate(
        {
            "eventType": "COMPLETE",
            "eventTime": "2026-01-01T00:00:00Z",
            "run": {"runId": str(uuid.uuid4()), "facets": {"x": {"y": 1}}},
            "job": {"namespace": "ns", "name": "job"},
            "outputs": [{"namespace": "s3://b", "name": "d", "facets": {"schema": {"fields": []}}}],
            "producer": "test",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        }
    )
    assert event.outputs[0].facets["schema"] == {"fields": []}
    assert event.run.facets["x"] == {"y": 1}


def test_source_defined_without_check_request_still_validates() -> None:
    # A definition of a producer that predates "check now" has no check_requested_at.
    old = {
        "event_type": "SourceDefined",
        "producer": "catalog",
        "correlation_id": str(uuid.uuid4()),
        "source_id": str(uuid.uuid4()),
        "name": "penguins",
        "url": "http://127.0.0.1/penguins.csv",
        "check_interval_seconds": 60,
        "revision": 1,
    }
    assert SourceDefined.model_validate(old).check_requested_at is None
    asked = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    event = SourceDefined.model_validate(old | {"check_requested_at": asked.isoformat()})
    assert SourceDefined.model_validate_json(event.model_dump_json()).check_requested_at == asked
    with pytest.raises(ValidationError) as err:  # a time without a zone is ambiguous
        SourceDefined.model_validate(old | {"check_requested_at": "2026-01-02T03:04:05"})
    assert err.value.errors()[0]["loc"] == ("check_requested_at",)
