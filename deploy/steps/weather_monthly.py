"""weather_monthly: seattle-weather -> seattle-weather-monthly.

One row per calendar month of the record: total precipitation, mean daily temperatures and wind,
and how many days were rainy.
"""

from __future__ import annotations

import polars as pl
from mdc_steps import ColumnSource, aggregation, run_step_script, step_run, transformation

JOB = "weather_monthly"  # the step's name in deploy/steps.yaml
SOURCE = "seattle-weather"
OUTPUT = "seattle-weather-monthly"

COLUMNS: dict[str, ColumnSource] = {
    "month": transformation(f"{SOURCE}.date", description="truncated to the month"),
    "days": aggregation(f"{SOURCE}.date", description="count"),
    "precipitation_mm": aggregation(f"{SOURCE}.precipitation", description="sum"),
    "mean_temp_max_c": aggregation(f"{SOURCE}.temp_max", description="mean"),
    "mean_temp_min_c": aggregation(f"{SOURCE}.temp_min", description="mean"),
    "mean_wind": aggregation(f"{SOURCE}.wind", description="mean"),
    "rainy_days": aggregation(f"{SOURCE}.weather", description="count of 'rain'"),
}


def as_date(column: str, dtype: pl.DataType) -> pl.Expr:
    """The column as a Date, whether the dataset stores it as text, Date or Datetime."""
    if dtype == pl.String:
        return pl.col(column).str.to_date(strict=True)
    return pl.col(column).cast(pl.Date)


def monthly(weather: pl.DataFrame) -> pl.DataFrame:
    return (
        weather.with_columns(
            as_date("date", weather.schema["date"]).dt.truncate("1mo").alias("month")
        )
        .group_by("month")
        .agg(
            pl.len().alias("days"),
            pl.col("precipitation").sum().round(1).alias("precipitation_mm"),
            pl.col("temp_max").mean().round(2).alias("mean_temp_max_c"),
            pl.col("temp_min").mean().round(2).alias("mean_temp_min_c"),
            pl.col("wind").mean().round(2).alias("mean_wind"),
            (pl.col("weather").cast(pl.String) == "rain").sum().alias("rainy_days"),
        )
        .sort("month")
    )


def main() -> None:
    with step_run(JOB) as run:
        run.write(OUTPUT, monthly(run.read(SOURCE)), columns=COLUMNS)


if __name__ == "__main__":
    run_step_script(main)
