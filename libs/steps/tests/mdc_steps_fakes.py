"""Test helpers beyond mdc_steps.testing: a failing transport and event lookups."""

from __future__ import annotations

from typing import Any

from mdc_steps.testing import InMemoryPlatform
from openlineage.client.transport import Transport

World = InMemoryPlatform


class BrokenTransport(Transport):
    kind = "broken"

    def emit(self, event: Any) -> None:
        raise ConnectionError("lineage service unreachable")


def dataset_of(event: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    [found] = [d for d in event[kind] if d["name"] == name]
    return found
