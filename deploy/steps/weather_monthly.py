"""weather_monthly: seattle-weather -> seattle-weather-monthly.

One row per calendar month of the record: total precipitation, mean daily temperatures and wind,
and how many days were rainy.
"""

from __future__ import annotations

import polars as pl
from _datasets import read_dataset, run_step, write_dataset


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
    write_dataset("seattle-weather-monthly", monthly(read_dataset("seattle-weather")))


if __name__ == "__main__":
    run_step(main)
