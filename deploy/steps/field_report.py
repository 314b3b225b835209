"""field_report: penguins-species-summary + seattle-weather-monthly -> field-report.

Plans the next field trips: for every colony (species on an island) the three calendar months
that were driest on average in the weather record, with the conditions to expect then.
"""

from __future__ import annotations

import polars as pl
from _datasets import read_dataset, run_step, write_dataset

FIELD_MONTHS = 3


def driest_months(monthly: pl.DataFrame) -> pl.DataFrame:
    """Calendar months ranked by mean precipitation over the years of the record."""
    return (
        monthly.group_by(pl.col("month").dt.month().alias("calendar_month"))
        .agg(
            pl.col("precipitation_mm").mean().round(1).alias("expected_precipitation_mm"),
            pl.col("mean_temp_max_c").mean().round(1).alias("expected_temp_max_c"),
            pl.col("rainy_days").mean().round(1).alias("expected_rainy_days"),
        )
        .sort("expected_precipitation_mm", "calendar_month")
        .head(FIELD_MONTHS)
        .with_row_index("rank", offset=1)
    )


def report(colonies: pl.DataFrame, monthly: pl.DataFrame) -> pl.DataFrame:
    return (
        colonies.select("species", "island", "penguins", "mean_body_mass_g")
        .join(driest_months(monthly), how="cross")
        .sort("species", "island", "rank")
    )


def main() -> None:
    colonies = read_dataset("penguins-species-summary")
    monthly = read_dataset("seattle-weather-monthly")
    write_dataset("field-report", report(colonies, monthly))


if __name__ == "__main__":
    run_step(main)
