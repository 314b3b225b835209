"""field_report: penguins-species-summary + seattle-weather-monthly -> field-report.

Plans the next field trips: for every colony (species on an island) the three calendar months
that were driest on average in the weather record, with the conditions to expect then.
"""

from __future__ import annotations

import polars as pl
from mdc_steps import ColumnSource, aggregation, run_step_script, step_run, transformation

JOB = "field_report"  # the step's name in deploy/steps.yaml
COLONIES = "penguins-species-summary"
MONTHLY = "seattle-weather-monthly"
OUTPUT = "field-report"
FIELD_MONTHS = 3

# The colonies' columns are passed through and found without being listed.
COLUMNS: dict[str, ColumnSource] = {
    "rank": transformation(f"{MONTHLY}.precipitation_mm", description="rank of the mean"),
    "calendar_month": transformation(f"{MONTHLY}.month", description="month of the year"),
    "expected_precipitation_mm": aggregation(f"{MONTHLY}.precipitation_mm", description="mean"),
    "expected_temp_max_c": aggregation(f"{MONTHLY}.mean_temp_max_c", description="mean"),
    "expected_rainy_days": aggregation(f"{MONTHLY}.rainy_days", description="mean"),
}


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
    with step_run(JOB) as run:
        colonies, monthly = run.read(COLONIES), run.read(MONTHLY)
        run.write(OUTPUT, report(colonies, monthly), columns=COLUMNS)


if __name__ == "__main__":
    run_step_script(main)
