"""The checked-in JSON Schemas must match the models; regenerate with `make schemas`."""

import json
from pathlib import Path

import pytest
from mdc_contracts.schemas import DEFAULT_DIR, exported_schemas, render
from mdc_contracts.topics import TOPIC_MODELS, Topic


def test_every_topic_has_a_model_and_a_versioned_name() -> None:
    assert set(TOPIC_MODELS) == set(Topic)
    for topic in Topic:
        assert topic.value.rsplit(".", 1)[-1].startswith("v")


@pytest.mark.parametrize(("name", "schema"), sorted(exported_schemas().items()))
def test_checked_in_schema_matches_model(name: str, schema: dict[str, object]) -> None:
    path = DEFAULT_DIR / name
    assert path.exists(), f"{name} not exported: run `make schemas`"
    assert path.read_text() == render(schema), f"{name} drifted from its model: run `make schemas`"


def test_no_stale_schema_files() -> None:
    on_disk = {p.name for p in Path(DEFAULT_DIR).glob("*.json")}
    assert on_disk == set(exported_schemas())


def test_checked_in_schemas_are_valid_json() -> None:
    for path in Path(DEFAULT_DIR).glob("*.json"):
        assert json.loads(path.read_text())["x-mdc-topic"] == path.name.removesuffix(".json")
