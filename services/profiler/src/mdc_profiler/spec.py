"""The provider's metadata layer applied to a table: renames, selection, overrides.

First cut: only the identity (no spec). The full implementation replaces this module.
"""

from __future__ import annotations

import polars as pl
from mdc_contracts import DatasetSpec

from mdc_profiler.effective import EffectiveColumn


def apply_spec(
    frame: pl.DataFrame, spec: DatasetSpec | None
) -> tuple[pl.DataFrame, list[EffectiveColumn]]:
    if spec is not None and (spec.columns or spec.select or spec.null_tokens):
        raise NotImplementedError("dataset specs are not applied yet")
    return frame, [EffectiveColumn(name=c, source_name=c) for c in frame.columns]
