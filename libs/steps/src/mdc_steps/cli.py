"""mdc-step: datasets by name and recorded runs for any language, from the command line.

    mdc-step fetch NAME PATH [--format parquet|csv]
    mdc-step publish NAME PATH --job JOB [--input A ...] [--map OUT=A.col ...]
    mdc-step run --job JOB [--input A ...] [--output B[=PATH] ...] [--map ...] -- COMMAND ...

Exit codes: 0 done; 1 a dataset, file or service problem; 2 bad arguments (including --map);
99 an input is not ready (Airflow: skipped); `run` passes on the command's own exit code.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from mdc_steps.columns import ColumnSource, parse_mapping_option, split_qualified
from mdc_steps.datasets import DATASET_NAME, DatasetStore
from mdc_steps.errors import ColumnMappingError, InputNotReady, LocalFileError, StepError
from mdc_steps.lineage import ErrorReport, LineageEmitter, child_environment
from mdc_steps.localfiles import (
    FileFormat,
    csv_type_hints,
    file_format,
    read_local,
    write_local,
)
from mdc_steps.run import SKIP_EXIT_CODE, StepRun, note, step_run
from mdc_steps.settings import environment_name

EXIT_ERROR = 1
EXIT_USAGE = 2
INPUT_VARIABLE_PREFIX = "MDC_INPUT"
OUTPUT_VARIABLE_PREFIX = "MDC_OUTPUT"


class CommandFailed(StepError):
    """The wrapped command exited with a non-zero code (recorded as FAIL, code passed on)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.report = ErrorReport(message, language="shell")


class UsageError(StepError):
    """Arguments that cannot work together (exit code 2)."""


@dataclass(frozen=True)
class Services:
    """What the commands talk to; tests pass fakes, the console script builds the real ones."""

    environ: Mapping[str, str]
    datasets: DatasetStore | None = None
    lineage: LineageEmitter | None = None

    def dataset_store(self) -> DatasetStore:
        if self.datasets is not None:
            return self.datasets
        return DatasetStore.from_environment(self.environ)


def dataset_name(text: str) -> str:
    if not DATASET_NAME.match(text):
        raise argparse.ArgumentTypeError(
            f"not a valid dataset name: {text!r} (letters, digits, '_', '-', '.')"
        )
    return text


def chosen_format(path: Path, explicit: str | None = None) -> FileFormat:
    """The file's format; one that cannot be told is a usage error."""
    try:
        return file_format(path, explicit)
    except LocalFileError as err:
        raise UsageError(str(err)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mdc-step",
        description="Read and write MDC datasets by name; record runs as OpenLineage events.",
        epilog="Exit codes: 0 ok, 1 dataset/file/service error, 2 bad arguments, "
        "99 an input is not ready yet (skipped); `run` passes on the command's code.",
    )
    commands = parser.add_subparsers(dest="command_name", required=True, metavar="COMMAND")

    fetch = commands.add_parser("fetch", help="download a dataset to a local file")
    fetch.add_argument("name", type=dataset_name, metavar="NAME")
    fetch.add_argument("path", type=Path, metavar="PATH")
    fetch.add_argument(
        "--format",
        choices=[f.value for f in FileFormat],
        default=None,
        help="file format (default: from PATH's suffix, .parquet or .csv)",
    )

    publish = commands.add_parser(
        "publish", help="publish a local Parquet/CSV file as a dataset, recorded as one run"
    )
    publish.add_argument("name", type=dataset_name, metavar="NAME")
    publish.add_argument("path", type=Path, metavar="PATH")
    add_run_options(publish)
    publish.add_argument(
        "--format",
        choices=[f.value for f in FileFormat],
        default=None,
        help="file format (default: from PATH's suffix)",
    )
    publish.add_argument(
        "--na",
        action="append",
        default=[],
        metavar="TEXT",
        help="CSV text meaning a missing value (repeatable; e.g. NA)",
    )

    run = commands.add_parser(
        "run", help="fetch inputs, run a command, publish its outputs, record the run"
    )
    add_run_options(run)
    run.add_argument(
        "--output",
        action="append",
        default=[],
        metavar="NAME[=PATH]",
        help="a dataset the command writes to $MDC_OUTPUT_<NAME> "
        "(PATH: .parquet or .csv; default: a temporary file in --format)",
    )
    run.add_argument(
        "--format",
        choices=[f.value for f in FileFormat],
        default=FileFormat.PARQUET.value,
        help="format of the input files and of outputs without PATH",
    )
    run.add_argument(
        "--na",
        action="append",
        default=[],
        metavar="TEXT",
        help="CSV text meaning a missing value in outputs (repeatable)",
    )
    run.add_argument("command", nargs=argparse.REMAINDER, metavar="-- COMMAND ...")
    return parser


def add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--job", required=True, help="the job name (e.g. the step's name)")
    parser.add_argument(
        "--input",
        action="extend",
        nargs="+",
        type=input_option,
        default=[],
        metavar="DATASET[@VERSION]",
        help="a dataset the step reads (repeatable); @VERSION: the version `fetch` printed, "
        "checked to be still current",
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="OUT=DATASET.COLUMN",
        help="column lineage: OUT=A.col[,B.col...][@IDENTITY|TRANSFORMATION|"
        "AGGREGATION]; with several outputs, OUT is OUTPUT.column",
    )


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    datasets: DatasetStore | None = None,
    lineage: LineageEmitter | None = None,
) -> int:
    services = Services(os.environ if environ is None else environ, datasets, lineage)
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # argparse's own usage errors and --help
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    try:
        if args.command_name == "fetch":
            return fetch(args, services)
        if args.command_name == "publish":
            return publish(args, services)
        return run_command(args, services)
    except InputNotReady as err:
        print(f"mdc-step: not ready, skipping: {err}", file=sys.stderr)
        return SKIP_EXIT_CODE
    except CommandFailed as err:
        print(f"mdc-step: {err}", file=sys.stderr)
        return err.code
    except (ColumnMappingError, UsageError) as err:
        print(f"mdc-step: {err}", file=sys.stderr)
        return EXIT_USAGE
    except StepError as err:
        print(f"mdc-step: {err}", file=sys.stderr)
        return EXIT_ERROR


def fetch(args: argparse.Namespace, services: Services) -> int:
    """Write the dataset to PATH and print its version on stdout (for `publish --input
    NAME@VERSION`, so the run records what was really read)."""
    fmt = chosen_format(args.path, args.format)
    loaded = services.dataset_store().load(args.name)
    write_local(loaded.frame, args.path, fmt)
    note(f"fetched {args.name} {loaded.version} ({loaded.frame.height} rows) to {args.path}")
    print(loaded.version)
    return 0


class InputChanged(StepError):
    """An input is no longer at the version the step fetched."""


def input_option(text: str) -> str:
    """DATASET or DATASET@VERSION (the version `fetch` printed)."""
    name, _, version = text.partition("@")
    dataset_name(name)
    if "@" in text and not version:
        raise argparse.ArgumentTypeError(f"empty VERSION after '@' in {text!r}")
    return text


def read_inputs(run: StepRun, options: Sequence[str]) -> None:
    """Read each input; one pinned to a version must still be at it, else the run would
    record an input the step never saw (it fails instead: fetch again)."""
    for option in options:
        name, _, pinned = option.partition("@")
        run.read(name)
        current = str(run.inputs[name].version)
        if pinned and current != pinned:
            raise InputChanged(
                f"{name} is now at version {current}, not {pinned} as fetched: fetch it again "
                "and redo the step (its lineage would name the wrong input)"
            )


def output_mappings(
    options: Sequence[str], outputs: Sequence[str]
) -> dict[str, dict[str, ColumnSource]]:
    """--map options per output dataset. With one output, OUT may be unqualified."""
    mappings: dict[str, dict[str, ColumnSource]] = {name: {} for name in outputs}
    for option in options:
        target, source = parse_mapping_option(option)
        if len(outputs) == 1 and not target.startswith(f"{outputs[0]}."):
            dataset, column = outputs[0], target
        else:
            dataset, column = split_qualified(target, outputs, f"--map {option!r}")
        if column in mappings[dataset]:
            raise ColumnMappingError(f"--map {option!r}: {dataset}.{column} is mapped twice")
        mappings[dataset][column] = source
    return mappings


def publish(args: argparse.Namespace, services: Services) -> int:
    mapping = output_mappings(args.map, [args.name])[args.name]
    fmt = chosen_format(args.path, args.format)
    if not args.path.is_file():
        raise UsageError(f"{args.path}: no such file")
    with recorded_run(args.job, services) as run:
        read_inputs(run, args.input)
        write_output(run, args.name, args.path, fmt, mapping, args.na)
    return 0


def write_output(
    run: StepRun,
    name: str,
    path: Path,
    fmt: FileFormat,
    mapping: Mapping[str, ColumnSource],
    null_values: Sequence[str],
) -> None:
    hints = csv_type_hints([record.schema for record in run.inputs.values()])
    frame = read_local(path, fmt, hints, null_values)
    run.write(name, frame, columns=mapping)


def recorded_run(job: str, services: Services) -> AbstractContextManager[StepRun]:
    return step_run(
        job, datasets=services.dataset_store(), lineage=services.lineage, environ=services.environ
    )


@dataclass(frozen=True)
class DeclaredOutput:
    name: str
    path: Path
    fmt: FileFormat


def declared_outputs(
    options: Sequence[str], workdir: Path, default: FileFormat
) -> list[DeclaredOutput]:
    """--output NAME[=PATH] options; without PATH the file goes to the temporary directory."""
    outputs: list[DeclaredOutput] = []
    for option in options:
        name, equals, path_text = option.partition("=")
        try:
            dataset_name(name)
        except argparse.ArgumentTypeError as err:
            raise UsageError(f"--output {option!r}: {err}") from None
        if equals and not path_text:
            raise UsageError(f"--output {option!r}: empty PATH after '='")
        path = Path(path_text).resolve() if path_text else workdir / f"{name}.{default.value}"
        if any(o.name == name for o in outputs):
            raise UsageError(f"--output {name!r} is declared twice")
        outputs.append(DeclaredOutput(name, path, chosen_format(path)))
    return outputs


def variables_for(prefix: str, files: Mapping[str, Path]) -> dict[str, str]:
    """MDC_INPUT_<NAME>=path for each dataset; two names giving one variable are refused."""
    variables: dict[str, str] = {}
    for name, path in files.items():
        variable = environment_name(prefix, name)
        if variable in variables:
            raise UsageError(f"{name!r} and another dataset both map to ${variable}; rename one")
        variables[variable] = str(path)
    return variables


def command_of(args: argparse.Namespace) -> list[str]:
    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        raise UsageError("run: no command given; put it after `--`")
    return command


def run_command(args: argparse.Namespace, services: Services) -> int:
    command = command_of(args)
    fmt = FileFormat(args.format)
    with tempfile.TemporaryDirectory(prefix="mdc-step-") as tmp:
        workdir = Path(tmp)
        outputs = declared_outputs(args.output, workdir, fmt)
        mappings = output_mappings(args.map, [o.name for o in outputs])
        # `run` reads its inputs itself: a pinned version (@VERSION) is of no use here.
        names = [option.partition("@")[0] for option in args.input]
        inputs = {name: workdir / "inputs" / f"{name}.{fmt.value}" for name in names}
        variables = variables_for(INPUT_VARIABLE_PREFIX, inputs)
        variables |= variables_for(OUTPUT_VARIABLE_PREFIX, {o.name: o.path for o in outputs})
        for output in outputs:
            # A file left by an earlier run must not be published as this run's output.
            output.path.unlink(missing_ok=True)
        with recorded_run(args.job, services) as run:
            for name, path in inputs.items():
                write_local(run.read(name), path, fmt)
            env = {**services.environ, **variables}
            env |= child_environment(run.job, run.run_id, run.parent)
            execute(command, env)
            for output in outputs:
                if not output.path.is_file():
                    raise CommandFailed(
                        EXIT_ERROR, f"the command did not write {output.name} to {output.path}"
                    )
                write_output(
                    run, output.name, output.path, output.fmt, mappings[output.name], args.na
                )
    return 0


def execute(command: Sequence[str], env: Mapping[str, str]) -> None:
    """Run the command; its non-zero exit becomes CommandFailed (or InputNotReady for 99)."""
    shown = shlex.join(command)
    try:
        code = subprocess.run(list(command), env=dict(env), check=False).returncode
    except FileNotFoundError:
        raise CommandFailed(127, f"command not found: {command[0]}") from None
    except PermissionError:
        raise CommandFailed(126, f"command not executable: {command[0]}") from None
    if code == SKIP_EXIT_CODE:
        raise InputNotReady(f"the command exited with {SKIP_EXIT_CODE}: {shown}")
    if code < 0:  # killed by a signal: the shell's convention
        raise CommandFailed(128 - code, f"command killed by signal {-code}: {shown}")
    if code != 0:
        raise CommandFailed(code, f"command exited with code {code}: {shown}")
