"""Export the JSON Schema of every event into contracts/schemas (checked in; a test compares)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mdc_contracts.topics import TOPIC_MODELS

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "schemas"


def exported_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema, one per topic, named after the topic."""
    out: dict[str, dict[str, Any]] = {}
    for topic, model in TOPIC_MODELS.items():
        schema = model.model_json_schema(mode="serialization")
        schema["$id"] = f"urn:mdc:topic:{topic.value}"
        schema["x-mdc-topic"] = topic.value
        out[f"{topic.value}.json"] = schema
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    for name, schema in exported_schemas().items():
        (args.dir / name).write_text(render(schema))
    print(f"wrote {len(TOPIC_MODELS)} schemas to {args.dir}")


if __name__ == "__main__":
    main()
