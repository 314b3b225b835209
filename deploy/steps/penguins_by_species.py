"""penguins_by_species: palmer-penguins -> penguins-species-summary.

Per species and island: how many penguins were measured, their mean measurements and the share
of females among those whose sex is known.
"""

from __future__ import annotations

import polars as pl
from _datasets import read_dataset, run_step, write_dataset

MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def summarize(penguins: pl.DataFrame) -> pl.DataFrame:
    sex = pl.col("sex").cast(pl.String).str.to_lowercase()
    return (
        penguins.group_by("species", "island")
        .agg(
            pl.len().alias("penguins"),
            *[pl.col(c).cast(pl.Float64).mean().round(2).alias(f"mean_{c}") for c in MEASUREMENTS],
            ((sex == "female").sum() / sex.is_in(["female", "male"]).sum())
            .round(3)
            .alias("female_share"),
        )
        .sort("species", "island")
    )


def main() -> None:
    write_dataset("penguins-species-summary", summarize(read_dataset("palmer-penguins")))


if __name__ == "__main__":
    run_step(main)
