from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from bridge_fakes import DEMO_STEPS_FILE
from mdc_orchestrator_bridge.steps import StepGraphSource, StepsFileError, load_steps_file

StepsWriter = Callable[[str], Path]


def step(name: str, inputs: list[str], outputs: list[str]) -> str:
    return f"- {{name: {name}, command: 'true', inputs: {inputs}, outputs: {outputs}}}\n"


def test_demo_change_of_one_source_runs_a_strict_subset() -> None:
    graph = load_steps_file(DEMO_STEPS_FILE)

    assert graph.names == [
        "penguins_by_species",
        "weather_monthly",
        "field_report",
        "weather_features",
    ]
    assert graph.downstream_steps("palmer-penguins") == ["penguins_by_species", "field_report"]
    assert graph.downstream_steps("seattle-weather") == [
        "weather_monthly",
        "field_report",
        "weather_features",
    ]
    assert graph.downstream_steps("penguins-species-summary") == ["field_report"]
    assert graph.downstream_steps("field-report") == []
    assert graph.downstream_steps("no-such-dataset") == []
    assert graph.source_datasets() == ["palmer-penguins", "seattle-weather"]
    assert graph.depends_on("field_report") == ["penguins_by_species", "weather_monthly"]


def test_steps_come_in_dependency_order_whatever_the_file_order(write_steps: StepsWriter) -> None:
    path = write_steps(
        step("report", ["b-out", "c-out"], ["report-out"])
        + step("c", ["b-out"], ["c-out"])
        + step("b", ["a-out"], ["b-out"])
        + step("a", ["source"], ["a-out"])
        + step("unrelated", ["other"], ["other-out"])
    )
    graph = load_steps_file(path)

    assert graph.names == ["a", "b", "c", "report", "unrelated"]
    assert graph.downstream_steps("source") == ["a", "b", "c", "report"]
    assert graph.downstream_steps("b-out") == ["c", "report"]
    assert graph.downstream_steps("other") == ["unrelated"]


def test_independent_steps_keep_file_order(write_steps: StepsWriter) -> None:
    path = write_steps(step("z", ["s"], ["z-out"]) + step("m", ["s"], ["m-out"]))

    assert load_steps_file(path).downstream_steps("s") == ["z", "m"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (step("a", ["y"], ["x"]) + step("b", ["x"], ["y"]), "cycle: a -> b -> a"),
        (step("a", ["s", "x"], ["x"]), "cycle: a -> a"),
        (
            step("a", ["s"], ["x"]) + step("b", ["x", "z"], ["y"]) + step("c", ["y"], ["z"]),
            "cycle: b -> c -> b",
        ),
        (step("a", ["s"], ["x"]) + step("a", ["t"], ["y"]), "duplicate step names: a"),
        (step("a", ["s"], ["x"]) + step("b", ["t"], ["x"]), "'x' is produced by both 'a' and 'b'"),
        ("- {name: a, command: 'true', input: [s], outputs: [x]}\n", "step #1 (a): inputs: Field"),
        ("- {name: a, command: 'true', input: [s], outputs: [x]}\n", "input: Extra inputs"),
        ("- {name: 'a b', command: 'true', inputs: [s], outputs: [x]}\n", "name: String should"),
        ("- {name: a, command: 'true', inputs: s, outputs: [x]}\n", "inputs: Input should be"),
        ("- {name: a, command: '', inputs: [s], outputs: [x]}\n", "command: String should"),
        ("- just a string\n", "step #1 (not a mapping)"),
        ("name: a\n", "expected a list of steps, got dict"),
        ("- [unclosed\n", "not valid YAML"),
    ],
)
def test_invalid_steps_files_are_rejected_with_a_clear_reason(
    write_steps: StepsWriter, text: str, message: str
) -> None:
    path = write_steps(text)
    with pytest.raises(StepsFileError) as raised:
        load_steps_file(path)
    assert message in str(raised.value)
    assert str(path) in str(raised.value)


def test_empty_file_is_an_empty_graph(write_steps: StepsWriter) -> None:
    assert load_steps_file(write_steps("# no steps yet\n")).names == []


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StepsFileError, match=r"cannot read steps file .*missing\.yaml"):
        load_steps_file(tmp_path / "missing.yaml")


def test_source_follows_edits_and_keeps_the_last_good_graph(write_steps: StepsWriter) -> None:
    path = write_steps(step("a", ["s"], ["x"]))
    source = StepGraphSource(path)
    assert source.current().names == ["a"]

    def rewrite(text: str, tick: int) -> None:
        path.write_text(text)
        stamp = path.stat().st_mtime_ns + tick * 1_000_000_000
        os.utime(path, ns=(stamp, stamp))  # mtime granularity must not hide the edit

    rewrite(step("a", ["s"], ["x"]) + step("b", ["x"], ["y"]), 1)
    assert source.current().downstream_steps("s") == ["a", "b"]
    assert source.error is None

    rewrite(step("a", ["y"], ["x"]) + step("b", ["x"], ["y"]), 2)
    assert source.current().downstream_steps("s") == ["a", "b"]
    assert source.error is not None
    assert "cycle" in source.error

    rewrite(step("c", ["s"], ["z"]), 3)
    assert source.current().names == ["c"]
    assert source.error is None


def test_source_refuses_to_start_with_a_bad_file(write_steps: StepsWriter) -> None:
    with pytest.raises(StepsFileError, match="duplicate step names"):
        StepGraphSource(write_steps(step("a", ["s"], ["x"]) * 2))
