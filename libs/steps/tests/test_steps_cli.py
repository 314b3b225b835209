"""mdc-step: fetch, publish and run, with their argument errors and exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from mdc_steps.cli import main
from mdc_steps_fakes import World, dataset_of

PARENT_RUN = "01980c8e-4d0a-7c3e-9b55-7a1f2e3d4c5b"


def mdc_step(world: World, *argv: str, environ: dict[str, str] | None = None) -> int:
    return main(list(argv), environ=environ or {}, datasets=world.datasets, lineage=world.lineage)


def column_lineage(event: dict[str, Any], output: str) -> dict[str, list[tuple[str, str, str]]]:
    facet = dataset_of(event, "outputs", output)["facets"]["columnLineage"]
    return {
        column: [
            (f["name"], f["field"], f["transformations"][0]["subtype"])
            for f in value["inputFields"]
        ]
        for column, value in facet["fields"].items()
    }


# --- fetch -----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_fetch_writes_the_dataset_to_a_local_file(
    with_penguins: World, penguins: pl.DataFrame, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"penguins.{suffix}"

    assert mdc_step(with_penguins, "fetch", "palmer-penguins", str(path)) == 0

    read = pl.read_parquet(path) if suffix == "parquet" else pl.read_csv(path)
    assert read.equals(penguins)
    assert with_penguins.events == []  # reading alone is not a run


def test_fetch_format_option_overrides_the_suffix(with_penguins: World, tmp_path: Path) -> None:
    path = tmp_path / "penguins.data"

    assert mdc_step(with_penguins, "fetch", "palmer-penguins", str(path), "--format", "csv") == 0
    assert path.read_text().startswith("species,island,body_mass_g,sex\n")


def test_fetch_of_an_unknown_dataset_says_so_and_exits_99(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = mdc_step(world, "fetch", "no-such-data", str(tmp_path / "x.parquet"))

    assert code == 99  # not in the catalog and never written: the step is skipped
    assert "'no-such-data' is not available: not in the catalog" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fetch", "../etc", "x.parquet"], "not a valid dataset name: '../etc'"),
        (["fetch", "palmer-penguins"], "the following arguments are required: PATH"),
        (["fetch", "palmer-penguins", "x.parquet", "--format", "xls"], "invalid choice: 'xls'"),
        (["publish", "a", "a.csv"], "the following arguments are required: --job"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(
    world: World, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mdc_step(world, *argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["fetch", "palmer-penguins", "x.txt"],
        ["publish", "palmer-penguins-copy", "x.txt", "--job", "j"],
        ["run", "--job", "j", "--output", "copy=x.txt", "--", "true"],
    ],
)
def test_a_file_name_without_a_known_suffix_needs_format(
    with_penguins: World, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert mdc_step(with_penguins, *argv) == 2
    assert "cannot tell the format from the suffix '.txt'" in capsys.readouterr().err
    assert with_penguins.events == []


# --- publish ---------------------------------------------------------------------------------


def test_publish_records_one_run_with_inputs_outputs_and_column_lineage(
    with_penguins: World, tmp_path: Path
) -> None:
    path = tmp_path / "features.csv"
    path.write_text("species,body_mass_g,heavy\nAdelie,3750,false\nGentoo,5000,true\nGentoo,NA,\n")

    code = mdc_step(
        with_penguins,
        "publish", "penguin-features", str(path),
        "--job", "penguin_features",
        "--input", "palmer-penguins",
        "--map", "heavy=palmer-penguins.body_mass_g",
        "--na", "NA",
    )  # fmt: skip

    assert code == 0
    start, complete = with_penguins.events
    assert (start["eventType"], complete["eventType"]) == ("START", "COMPLETE")
    assert complete["job"]["name"] == "penguin_features"
    assert [d["name"] for d in complete["inputs"]] == ["palmer-penguins"]
    assert column_lineage(complete, "penguin-features") == {
        "species": [("palmer-penguins", "species", "IDENTITY")],
        "body_mass_g": [("palmer-penguins", "body_mass_g", "IDENTITY")],
        "heavy": [("palmer-penguins", "body_mass_g", "TRANSFORMATION")],
    }
    stored = with_penguins.stored("penguin-features")
    assert stored["body_mass_g"].to_list() == [3750, 5000, None]  # "NA" read as missing
    assert stored.schema["heavy"] == pl.Boolean


def test_publish_reads_csv_columns_with_the_type_of_the_input_column(
    world: World, tmp_path: Path
) -> None:
    # An integer-looking column stays Float64 (and a pass-through) if the input's is Float64.
    world.add_source("readings", pl.DataFrame({"value": [1.5, 2.0], "day": ["a", "b"]}))
    path = tmp_path / "out.csv"
    path.write_text("value,day\n1,a\n2,b\n")

    assert mdc_step(world, "publish", "copy", str(path), "--job", "j", "--input", "readings") == 0

    assert world.stored("copy").schema["value"] == pl.Float64
    assert column_lineage(world.events[-1], "copy")["value"] == [("readings", "value", "IDENTITY")]


def test_publish_of_identical_data_again_is_the_same_version(
    with_penguins: World, penguins: pl.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "copy.parquet"
    penguins.write_parquet(path)
    argv = ["publish", "penguins-copy", str(path), "--job", "copy", "--input", "palmer-penguins"]

    assert mdc_step(with_penguins, *argv) == 0
    assert mdc_step(with_penguins, *argv) == 0

    first, second = (e for e in with_penguins.events if e["eventType"] == "COMPLETE")
    version = dataset_of(first, "outputs", "penguins-copy")["facets"]["version"]
    assert dataset_of(second, "outputs", "penguins-copy")["facets"]["version"] == version
    assert len(with_penguins.objects.puts) == 1


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ("heavy", "expected OUT_COLUMN=DATASET.COLUMN"),
        ("heavy=", "expected OUT_COLUMN=DATASET.COLUMN"),
        ("heavy=palmer-penguins.body_mass_g@MAGIC", "unknown subtype 'MAGIC'"),
        ("heavy=palmer-penguins.body_mass_g,", "an empty input column reference"),
    ],
)
def test_bad_map_syntax_exits_2_before_any_event(
    with_penguins: World,
    tmp_path: Path,
    mapping: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("heavy\ntrue\n")
    argv = ["publish", "x", str(path), "--job", "j", "--input", "palmer-penguins"]

    assert mdc_step(with_penguins, *argv, "--map", mapping) == 2
    assert message in capsys.readouterr().err
    assert with_penguins.events == []


def test_a_map_naming_a_missing_column_exits_2_and_records_the_failure(
    with_penguins: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("heavy\ntrue\n")
    argv = ["publish", "x", str(path), "--job", "j", "--input", "palmer-penguins"]

    assert mdc_step(with_penguins, *argv, "--map", "heavy=palmer-penguins.weight") == 2
    assert "input 'palmer-penguins' has no column 'weight'" in capsys.readouterr().err
    assert with_penguins.states() == ["START", "FAIL"]


def test_publish_of_a_missing_file_exits_2_without_a_run(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mdc_step(world, "publish", "x", str(tmp_path / "nope.csv"), "--job", "j") == 2
    assert "nope.csv: no such file" in capsys.readouterr().err
    assert world.events == []


def test_publish_of_an_unreadable_file_exits_1_and_records_the_failure(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.parquet"
    path.write_text("this is not parquet")

    assert mdc_step(world, "publish", "x", str(path), "--job", "j") == 1
    assert f"cannot read {path} as parquet" in capsys.readouterr().err
    assert world.states() == ["START", "FAIL"]
    assert "cannot read" in world.events[-1]["run"]["facets"]["errorMessage"]["message"]


def test_publish_with_an_input_not_ready_exits_99(world: World, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")

    assert mdc_step(world, "publish", "x", str(path), "--job", "j", "--input", "later") == 99
    assert world.states() == ["START", "ABORT"]


# --- run -------------------------------------------------------------------------------------

# The wrapped command: any program; here Python, reading and writing the files named by the
# MDC_INPUT_* / MDC_OUTPUT_* variables, as an R or SAS script would.
HEAVY_PENGUINS = """
import os, polars as pl
penguins = pl.read_parquet(os.environ["MDC_INPUT_PALMER_PENGUINS"])
heavy = penguins.filter(pl.col("body_mass_g") > 3700).select("species", "body_mass_g")
heavy.write_csv(os.environ["MDC_OUTPUT_HEAVY_PENGUINS"])
"""


def test_run_fetches_inputs_runs_the_command_and_publishes_its_outputs(
    with_penguins: World, tmp_path: Path
) -> None:
    out = tmp_path / "heavy.csv"
    code = mdc_step(
        with_penguins,
        "run", "--job", "heavy",
        "--input", "palmer-penguins",
        "--output", f"heavy-penguins={out}",
        "--", sys.executable, "-c", HEAVY_PENGUINS,
    )  # fmt: skip

    assert code == 0
    assert with_penguins.states() == ["START", "COMPLETE"]
    assert with_penguins.stored("heavy-penguins")["body_mass_g"].to_list() == [3750, 3800, 5000]
    assert column_lineage(with_penguins.events[-1], "heavy-penguins") == {
        "species": [("palmer-penguins", "species", "IDENTITY")],
        "body_mass_g": [("palmer-penguins", "body_mass_g", "IDENTITY")],
    }


def test_run_without_output_path_uses_a_temporary_file(with_penguins: World) -> None:
    code = mdc_step(
        with_penguins,
        "run", "--job", "heavy", "--input", "palmer-penguins", "--output", "heavy-penguins",
        "--map", "body_mass_g=palmer-penguins.body_mass_g@IDENTITY",
        "--", sys.executable, "-c", HEAVY_PENGUINS.replace("write_csv", "write_parquet"),
    )  # fmt: skip

    assert code == 0
    assert with_penguins.stored("heavy-penguins").height == 3


def test_run_passes_on_the_commands_exit_code_and_records_fail(with_penguins: World) -> None:
    code = mdc_step(
        with_penguins,
        "run", "--job", "j", "--input", "palmer-penguins",
        "--", sys.executable, "-c", "import sys; sys.exit(3)",
    )  # fmt: skip

    assert code == 3
    assert with_penguins.states() == ["START", "FAIL"]
    error = with_penguins.events[-1]["run"]["facets"]["errorMessage"]
    assert error["message"].startswith("command exited with code 3: ")
    assert error["programmingLanguage"] == "shell"


def test_run_command_exiting_99_is_a_skip(world: World) -> None:
    argv = ["run", "--job", "j", "--", sys.executable, "-c", "import sys; sys.exit(99)"]

    assert mdc_step(world, *argv) == 99
    assert world.states() == ["START", "ABORT"]


def test_run_with_an_input_not_ready_skips_before_the_command(world: World, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    argv = ["run", "--job", "j", "--input", "later", "--", "touch", str(marker)]

    assert mdc_step(world, *argv) == 99
    assert not marker.exists()


def test_run_fails_when_the_command_does_not_write_a_declared_output(
    with_penguins: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "out.csv"
    stale.write_text("species\nold\n")  # left by an earlier run: must not be published
    argv = ["run", "--job", "j", "--output", f"out={stale}", "--", "true"]

    assert mdc_step(with_penguins, *argv) == 1
    assert "the command did not write out to" in capsys.readouterr().err
    assert with_penguins.states() == ["START", "FAIL"]
    assert with_penguins.objects.puts == []


def test_run_of_a_missing_program_exits_127(world: World) -> None:
    assert mdc_step(world, "run", "--job", "j", "--", "no-such-program-mdc") == 127
    assert world.states() == ["START", "FAIL"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--job", "j"], "no command given"),
        (["run", "--job", "j", "--output", "a/b", "--", "true"], "not a valid dataset name"),
        (["run", "--job", "j", "--output", "a", "--output", "a", "--", "true"], "twice"),
        (
            ["run", "--job", "j", "--output", "a", "--output", "b", "--map", "x=p.y", "--", "true"],
            "does not start with one of the datasets ['a', 'b']",
        ),
        (["run", "--job", "j", "--input", "a-b", "--input", "a.b", "--", "true"], "MDC_INPUT_A_B"),
    ],
)
def test_run_argument_errors_exit_2_without_a_run(
    world: World, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mdc_step(world, *argv) == 2
    assert message in capsys.readouterr().err
    assert world.events == []


def test_runs_started_by_the_command_are_children_of_this_run(world: World, tmp_path: Path) -> None:
    seen = tmp_path / "parent.txt"
    script = f"import os; open({str(seen)!r}, 'w').write(os.environ['OPENLINEAGE_PARENT_ID'])"
    environ = {"OPENLINEAGE_PARENT_ID": f"mdc/mdc_pipeline.j/{PARENT_RUN}"}

    assert mdc_step(world, "run", "--job", "j", "--", sys.executable, "-c", script,
                    environ=environ) == 0  # fmt: skip

    run_id = world.events[0]["run"]["runId"]
    assert seen.read_text() == f"mdc/j/{run_id}"
    assert world.events[0]["run"]["facets"]["parent"]["run"]["runId"] == PARENT_RUN


def test_the_module_runs_as_the_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mdc_steps", "--help"], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0
    assert "fetch" in result.stdout
    assert "publish" in result.stdout


# --- an input pinned to the version fetch printed ----------------------------------------------


def test_fetch_prints_the_version_and_publish_checks_it(
    with_penguins: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mdc_step(with_penguins, "fetch", "palmer-penguins", str(tmp_path / "p.csv")) == 0
    version = capsys.readouterr().out.strip()
    assert version
    path = tmp_path / "out.csv"
    path.write_text("species\nAdelie\n")
    pinned = f"palmer-penguins@{version}"
    assert mdc_step(with_penguins, "publish", "x", str(path), "--job", "j", "--input", pinned) == 0
    assert with_penguins.events[-1]["eventType"] == "COMPLETE"


def test_publish_refuses_an_input_changed_since_fetch(
    with_penguins: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "out.csv"
    path.write_text("species\nAdelie\n")
    stale = "palmer-penguins@not-the-current-version"
    code = mdc_step(with_penguins, "publish", "x", str(path), "--job", "j", "--input", stale)
    assert code == 1
    assert "fetch it again" in capsys.readouterr().err
    start, fail = with_penguins.events
    assert (start["eventType"], fail["eventType"]) == ("START", "FAIL")


def test_an_empty_pinned_version_is_a_usage_error(with_penguins: World, tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("species\nAdelie\n")
    args = ["publish", "x", str(path), "--job", "j", "--input", "palmer-penguins@"]
    assert mdc_step(with_penguins, *args) == 2
    assert with_penguins.events == []
