"""penguins_by_species: palmer-penguins -> penguins-species-summary.

Per species and island: how many penguins were measured, their mean measurements and the share
of females among those whose sex is known.
"""

from __future__ import annotations

import polars as pl
from mdc_steps import ColumnSource, aggregation, run_step_script, step_run

JOB = "penguins_by_species"  # the step's name in deploy/steps.yaml
SOURCE = "palmer-penguins"
OUTPUT = "penguins-species-summary"
MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]

# Column lineage; species and island are passed through and found without being listed.
COLUMNS: dict[str, ColumnSource] = {
    "penguins": aggregation(f"{SOURCE}.species", f"{SOURCE}.island", description="count"),
    **{f"mean_{c}": aggregation(f"{SOURCE}.{c}", description="mean") for c in MEASUREMENTS},
    "female_share": aggregation(f"{SOURCE}.sex", description="females / known sex"),
}


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
    with step_run(JOB) as run:
        run.write(OUTPUT, summarize(run.read(SOURCE)), columns=COLUMNS)


if __name__ == "__main__":
    run_step_script(main)
