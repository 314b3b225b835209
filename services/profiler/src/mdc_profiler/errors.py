"""The one error for a file that cannot become a dataset: precise, and never retried."""

from __future__ import annotations

from mdc_contracts import ProcessingStage


class UnreadableFile(Exception):
    """The raw file is bad; the reason (and row/column when known) goes to the failure event."""

    def __init__(
        self,
        reason: str,
        *,
        stage: ProcessingStage = ProcessingStage.READ,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.stage = stage
        self.row = row
        self.column = column
