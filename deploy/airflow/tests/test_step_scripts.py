"""The demo step scripts' transformations, on the real data of the demo sources (workspace venv).

Run with `uv run pytest deploy/airflow/tests`; skipped in Airflow's venv, which has no polars.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

pl = pytest.importorskip("polars")
palmerpenguins = pytest.importorskip("palmerpenguins")
vega_datasets = pytest.importorskip("vega_datasets")

STEPS_DIR = Path(__file__).resolve().parents[2] / "steps"
sys.path.insert(0, str(STEPS_DIR))

import _datasets  # noqa: E402
import field_report  # noqa: E402
import penguins_by_species  # noqa: E402
import weather_monthly  # noqa: E402


@pytest.fixture(scope="module")
def penguins() -> Any:
    path = Path(palmerpenguins.__file__).parent / "data" / "penguins.csv"
    return pl.read_csv(path, null_values=["NA"])


@pytest.fixture(scope="module")
def weather() -> Any:
    path = Path(vega_datasets.__file__).parent / "_data" / "seattle-weather.csv"
    return pl.read_csv(path)


def test_penguins_by_species(penguins: Any) -> None:
    summary = penguins_by_species.summarize(penguins)

    assert summary.height == 5  # species x island combinations present
    assert summary["penguins"].sum() == penguins.height
    gentoo = summary.filter(pl.col("species") == "Gentoo").row(0, named=True)
    assert gentoo["island"] == "Biscoe"
    assert gentoo["penguins"] == 124
    assert 5000 < gentoo["mean_body_mass_g"] < 5100
    assert 0 < gentoo["female_share"] < 1


@pytest.mark.parametrize("date_as", ["text", "date", "datetime"])
def test_weather_monthly_whatever_the_date_type(weather: Any, date_as: str) -> None:
    if date_as != "text":
        weather = weather.with_columns(pl.col("date").str.to_date())
    if date_as == "datetime":
        weather = weather.with_columns(pl.col("date").cast(pl.Datetime))

    monthly = weather_monthly.monthly(weather)

    assert monthly.height == 48  # 2012-2015
    assert monthly["days"].sum() == weather.height
    january = monthly.row(0, named=True)
    assert str(january["month"]) == "2012-01-01"
    assert january["days"] == 31
    assert january["rainy_days"] <= 31


def test_field_report_joins_both_aggregates(penguins: Any, weather: Any) -> None:
    colonies = penguins_by_species.summarize(penguins)
    monthly = weather_monthly.monthly(weather)

    report = field_report.report(colonies, monthly)

    assert report.height == colonies.height * field_report.FIELD_MONTHS
    driest = report.filter(pl.col("rank") == 1)["calendar_month"].unique().to_list()
    assert driest == [7]  # July is Seattle's driest month
    assert report.columns[:2] == ["species", "island"]


def test_storage_options_from_the_mdc_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDC_S3_ENDPOINT", "127.0.0.1:9000")
    monkeypatch.setenv("MDC_S3_ACCESS_KEY", "key")
    monkeypatch.setenv("MDC_S3_SECRET_KEY", "secret")
    monkeypatch.delenv("MDC_S3_SECURE", raising=False)
    monkeypatch.delenv("MDC_S3_REGION", raising=False)

    assert _datasets.storage_options() == {
        "aws_endpoint_url": "http://127.0.0.1:9000",
        "aws_access_key_id": "key",
        "aws_secret_access_key": "secret",
        "aws_region": "us-east-1",
        "aws_allow_http": "true",
    }
    assert _datasets.derived_uri("field-report") == "s3://mdc-curated/derived/field-report.parquet"
    with pytest.raises(_datasets.DatasetUnavailable, match="not a valid dataset name"):
        _datasets.derived_uri("../etc")


def test_input_not_produced_yet_skips_the_step() -> None:
    def main() -> None:
        raise _datasets.InputNotReady("'seattle-weather-monthly' has not been produced yet")

    with pytest.raises(SystemExit) as exited:
        _datasets.run_step(main)
    assert exited.value.code == 99  # the DAG's skip_on_exit_code
