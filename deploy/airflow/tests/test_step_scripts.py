"""The demo steps on the real data of the demo sources (workspace venv): their transformations,
their runs through mdc_steps on an in-memory platform, and the CLI-driven weather_features.sh.

Run with `uv run pytest deploy/airflow/tests`; skipped in Airflow's venv, which has no polars.
"""

from __future__ import annotations

import functools
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pl = pytest.importorskip("polars")
palmerpenguins = pytest.importorskip("palmerpenguins")
vega_datasets = pytest.importorskip("vega_datasets")
mdc_steps = pytest.importorskip("mdc_steps")

from mdc_steps import step_run  # noqa: E402
from mdc_steps.cli import main as mdc_step  # noqa: E402
from mdc_steps.testing import InMemoryPlatform  # noqa: E402

STEPS_DIR = Path(__file__).resolve().parents[2] / "steps"
sys.path.insert(0, str(STEPS_DIR))

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
    return pl.read_csv(path, try_parse_dates=True)  # the date as a Date, as standardized


@pytest.fixture
def platform(penguins: Any, weather: Any) -> InMemoryPlatform:
    platform = InMemoryPlatform()
    platform.add_source("palmer-penguins", penguins, version=2)
    platform.add_source("seattle-weather", weather, version=5)
    return platform


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
    if date_as == "text":
        weather = weather.with_columns(pl.col("date").cast(pl.String))
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


def lineage_of(event: dict[str, Any], output: str) -> dict[str, list[tuple[str, str, str]]]:
    """output column -> [(input dataset, column, subtype)] of the COMPLETE event's output."""
    [dataset] = [d for d in event["outputs"] if d["name"] == output]
    fields = dataset["facets"]["columnLineage"]["fields"]
    return {
        column: [
            (f["name"], f["field"], f["transformations"][0]["subtype"])
            for f in value["inputFields"]
        ]
        for column, value in fields.items()
    }


def run_python_step(
    module: Any, platform: InMemoryPlatform, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """The script's main on the in-memory platform; its COMPLETE event."""
    recorded = functools.partial(
        step_run, datasets=platform.datasets, lineage=platform.lineage, environ={}
    )
    monkeypatch.setattr(module, "step_run", recorded)
    module.main()
    assert platform.states()[-2:] == ["START", "COMPLETE"]
    return platform.events[-1]


def test_python_steps_record_every_output_column_s_lineage(
    platform: InMemoryPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = run_python_step(penguins_by_species, platform, monkeypatch)
    monthly = run_python_step(weather_monthly, platform, monkeypatch)
    report = run_python_step(field_report, platform, monkeypatch)

    for event, module in [
        (summary, penguins_by_species),
        (monthly, weather_monthly),
        (report, field_report),
    ]:
        assert event["job"] == {**event["job"], "namespace": "mdc", "name": module.JOB}
        columns = platform.stored(module.OUTPUT).columns
        assert list(lineage_of(event, module.OUTPUT)) == columns  # no column without lineage
    assert lineage_of(summary, "penguins-species-summary")["island"] == [
        ("palmer-penguins", "island", "IDENTITY")
    ]
    assert lineage_of(report, "field-report")["mean_body_mass_g"] == [
        ("penguins-species-summary", "mean_body_mass_g", "IDENTITY")
    ]
    assert lineage_of(monthly, "seattle-weather-monthly")["precipitation_mm"] == [
        ("seattle-weather", "precipitation", "AGGREGATION")
    ]
    # field_report read the versions its upstream steps wrote: the graph connects by version.
    written = {d["name"]: d["facets"]["version"] for e in (summary, monthly) for d in e["outputs"]}
    read = {d["name"]: d["facets"]["version"] for d in report["inputs"]}
    assert read == written


def test_a_python_step_without_its_input_is_skipped(
    platform: InMemoryPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = functools.partial(
        step_run, datasets=platform.datasets, lineage=platform.lineage, environ={}
    )
    monkeypatch.setattr(field_report, "step_run", recorded)

    with pytest.raises(SystemExit) as exited:
        mdc_steps.run_step_script(field_report.main)

    assert exited.value.code == 99  # the DAG's skip_on_exit_code
    assert platform.states() == ["START", "ABORT"]


# weather_features.sh calls `"$MDC_PYTHON" -m mdc_steps ...`. This stand-in for the interpreter
# logs each call; `fetch` writes the CSV the real CLI would and prints its version, `publish`
# keeps the file it is given.
FAKE_PYTHON = """#!/usr/bin/env bash
set -eu
printf '%s\\n' "$(printf '%q ' "$@")" >> "$CALLS"
case "$3" in
    fetch) cp "$FETCHED" "$5"; echo "$FETCHED_VERSION" ;;
    publish) cp "$5" "$PUBLISHED" ;;
esac
exit "${EXIT_CODE:-0}"
"""


def run_weather_features(
    tmp_path: Path, weather: Any, exit_code: int = 0, version: str = "7"
) -> Any:
    fake = tmp_path / "python"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    fetched = tmp_path / "seattle-weather.csv"
    weather.write_csv(fetched)  # what `mdc-step fetch seattle-weather x.csv` writes
    env = {
        "PATH": "/usr/bin:/bin",
        "MDC_PYTHON": str(fake),
        "CALLS": str(tmp_path / "calls"),
        "FETCHED": str(fetched),
        "PUBLISHED": str(tmp_path / "published.csv"),
        "EXIT_CODE": str(exit_code),
        "FETCHED_VERSION": version,
    }
    return subprocess.run(
        ["bash", str(STEPS_DIR / "weather_features.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(shutil.which("awk") is None, reason="needs awk")
def test_weather_features_sh_publishes_through_the_cli_with_column_lineage(
    tmp_path: Path, weather: Any, platform: InMemoryPlatform
) -> None:
    version = str(platform.datasets.load("seattle-weather").version)
    result = run_weather_features(tmp_path, weather, version=version)

    assert result.returncode == 0, result.stderr
    fetch, publish = [shlex.split(line) for line in (tmp_path / "calls").read_text().splitlines()]
    assert fetch[:4] == ["-m", "mdc_steps", "fetch", "seattle-weather"]
    assert publish[:4] == ["-m", "mdc_steps", "publish", "seattle-weather-features"]
    assert f"seattle-weather@{version}" in publish  # the version fetch printed, checked
    published = tmp_path / "published.csv"
    features = pl.read_csv(published)
    assert features.height == weather.height
    first = features.row(0, named=True)  # 2012-01-01: 12.8 / 5.0, 0.0 mm
    assert (first["temp_range_c"], first["wet_day"]) == (7.8, False)

    # The same publish call, in-process on the in-memory platform: the run it records.
    argv = [*publish[2:4], str(published), *publish[5:]]
    code = mdc_step(argv, environ={}, datasets=platform.datasets, lineage=platform.lineage)

    assert code == 0
    complete = platform.events[-1]
    assert complete["job"]["name"] == "weather_features"
    assert lineage_of(complete, "seattle-weather-features") == {
        "date": [("seattle-weather", "date", "IDENTITY")],
        "weather": [("seattle-weather", "weather", "IDENTITY")],
        "precipitation": [("seattle-weather", "precipitation", "IDENTITY")],
        "temp_range_c": [
            ("seattle-weather", "temp_max", "TRANSFORMATION"),
            ("seattle-weather", "temp_min", "TRANSFORMATION"),
        ],
        "wet_day": [("seattle-weather", "precipitation", "TRANSFORMATION")],
    }
    stored = platform.stored("seattle-weather-features")
    assert stored.schema["date"] == weather.schema["date"]  # kept its type through the CSV
    assert json.dumps(complete)  # plain JSON, as sent


@pytest.mark.skipif(shutil.which("awk") is None, reason="needs awk")
def test_weather_features_sh_passes_on_not_ready(tmp_path: Path, weather: Any) -> None:
    result = run_weather_features(tmp_path, weather, exit_code=99)

    assert result.returncode == 99  # fetch: input not ready -> Airflow skips the task
    assert len((tmp_path / "calls").read_text().splitlines()) == 1  # nothing published
