"""Errors of the lineage domain beyond mdc_common's taxonomy."""

from __future__ import annotations

from typing import Any

from mdc_common.errors import BadInput


class InvalidEvent(BadInput):
    """An event that cannot be stored; `fields` says which parts are wrong and why, `reason` is
    the metric label.

    As a BadInput it is dead-lettered on the Kafka door and answered with 400 on the HTTP door.
    """

    def __init__(
        self,
        message: str,
        fields: list[dict[str, Any]] | None = None,
        reason: str = "invalid_event",
    ) -> None:
        super().__init__(message)
        self.fields = fields or []
        self.reason = reason
