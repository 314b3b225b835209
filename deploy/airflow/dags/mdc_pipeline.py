"""mdc_pipeline: the downstream processing steps of deploy/steps.yaml, run only where data changed.

One task per step, generated from the steps file ($MDC_STEPS_FILE, default deploy/steps.yaml) when
the DAG is parsed. A step depends on the steps producing its inputs.

A run executes only the steps listed in `dag_run.conf["steps"]` (sent by the orchestrator-bridge
with the dataset change that reached them); every other step is skipped. A conf without "steps"
runs every step (a manual full run). Requested steps use the `none_failed` trigger rule, so a
skipped upstream step does not skip them, while a failed upstream still blocks them.

Commands run through bash with the working directory = the repository root, the workers'
environment plus MDC_PYTHON (the MDC workspace interpreter), and `{repo}` replaced by the
shell-quoted repository root. Exit code 99 marks the step skipped rather than failed.

So that a step's own lineage run (libs/steps: the mdc_steps library and the mdc-step command)
hangs under its Airflow task in the lineage graph, the command also gets OPENLINEAGE_PARENT_ID
and OPENLINEAGE_ROOT_PARENT_ID ("namespace/job/run_id", from the OpenLineage provider's
lineage_parent_id / lineage_root_parent_id macros) and MDC_LINEAGE_URL (the lineage service,
from Airflow's own [openlineage] transport unless the workers already have it).

Only the standard library and PyYAML are imported here: the MDC workspace is not importable in
Airflow's virtualenv.
"""

from __future__ import annotations

import os
import re
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from airflow.sdk import TriggerRule, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

DAG_ID = "mdc_pipeline"
REPO_ROOT = Path(__file__).resolve().parents[3]
STEPS_FILE = Path(os.environ.get("MDC_STEPS_FILE") or REPO_ROOT / "deploy" / "steps.yaml")
SKIP_EXIT_CODE = 99  # a command exiting with it is skipped (e.g. an input not produced yet)
TASK_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
REQUIRED_FIELDS = ("name", "command", "inputs", "outputs")
KNOWN_FIELDS = {*REQUIRED_FIELDS, "layer", "language", "owner", "description"}


def load_steps(path: Path) -> list[dict[str, Any]]:
    """The steps of the file, checked enough to build a correct DAG (the bridge checks the same)."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a list of steps, got {type(entries).__name__}")
    steps: list[dict[str, Any]] = []
    producers: dict[str, str] = {}
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: step #{position} is not a mapping")
        where = f"{path}: step #{position} ({entry.get('name', 'unnamed')})"
        missing = [f for f in REQUIRED_FIELDS if f not in entry]
        unknown = sorted(set(entry) - KNOWN_FIELDS)
        if missing or unknown:
            raise ValueError(f"{where}: missing fields {missing}, unknown fields {unknown}")
        if not isinstance(entry["name"], str) or not TASK_ID.match(entry["name"]):
            raise ValueError(f"{where}: name must match {TASK_ID.pattern}")
        if any(s["name"] == entry["name"] for s in steps):
            raise ValueError(f"{where}: duplicate step name")
        for field in ("inputs", "outputs"):
            if not isinstance(entry[field], list) or not all(
                isinstance(d, str) for d in entry[field]
            ):
                raise ValueError(f"{where}: {field} must be a list of dataset names")
        for output in entry["outputs"]:
            if output in producers:
                raise ValueError(f"{where}: {output!r} is already produced by {producers[output]}")
            producers[output] = entry["name"]
        steps.append(entry)
    return steps


def workspace_python() -> str:
    """The interpreter step commands call as $MDC_PYTHON."""
    return os.environ.get("MDC_PYTHON") or str(REPO_ROOT / ".venv" / "bin" / "python")


def lineage_url_from(transport: Any) -> str | None:
    """The lineage service's base URL in Airflow's [openlineage] transport, if it is HTTP."""
    if isinstance(transport, dict) and transport.get("type") == "http" and transport.get("url"):
        return str(transport["url"]).rstrip("/")
    return None


def lineage_variables(task_instance: Any) -> dict[str, str]:
    """MDC_LINEAGE_URL and this task try's OpenLineage ids, for the step's own run.

    Empty when the OpenLineage provider is missing or disabled: then Airflow sends no task
    events, so there is no parent run to point at. Any error leaves the step without a parent
    rather than failing it."""
    try:
        from airflow.providers.openlineage import conf as openlineage_conf
        from airflow.providers.openlineage.plugins import macros
    except ImportError:
        return {}
    try:
        if openlineage_conf.is_disabled():
            return {}
        variables = {
            "OPENLINEAGE_PARENT_ID": macros.lineage_parent_id(task_instance),
            "OPENLINEAGE_ROOT_PARENT_ID": macros.lineage_root_parent_id(task_instance),
        }
        url = os.environ.get("MDC_LINEAGE_URL") or lineage_url_from(openlineage_conf.transport())
    except Exception as err:  # lineage is a record of the work, never a reason to fail it
        print(f"mdc_pipeline: no OpenLineage parent for the step: {err!r}")
        return {}
    return variables | ({"MDC_LINEAGE_URL": url} if url else {})


def step_script(command: str, variables: dict[str, str]) -> str:
    """The bash the task runs: the variables exported, then the step's command.

    It ends with a newline: BashOperator takes a command ending in ".sh" for the path of a
    template file (a step such as `bash deploy/steps/weather_features.sh` would not be found)."""
    exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in variables.items())
    return f"{exports}{command}\n"


def requested_steps(conf: dict[str, Any] | None, known: set[str]) -> set[str]:
    """Steps this run must execute: conf["steps"], or all of them when the conf names none."""
    conf = conf or {}
    if "steps" not in conf:
        return known
    steps = conf["steps"]
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise AirflowFailException(f'conf["steps"] must be a list of step names, got {steps!r}')
    unknown = sorted(set(steps) - known)
    if unknown:
        # The requester's steps file differs from the one this DAG was parsed from: fail loudly
        # rather than report success for steps that never ran.
        raise AirflowFailException(f"unknown steps requested: {unknown}; known: {sorted(known)}")
    return set(steps)


def make_step_task(step: dict[str, Any], all_steps: set[str]) -> Any:
    name: str = step["name"]
    command = str(step["command"]).replace("{repo}", shlex.quote(str(REPO_ROOT)))
    doc = (
        f"{step.get('description', '')}\n\n"
        f"layer: {step.get('layer', '')}, language: {step.get('language', '')}, "
        f"owner: {step.get('owner', '')}\n\n"
        f"inputs: {', '.join(step['inputs'])}\n\noutputs: {', '.join(step['outputs'])}"
    )

    @task.bash(
        task_id=name,
        cwd=str(REPO_ROOT),
        trigger_rule=TriggerRule.NONE_FAILED,
        skip_on_exit_code=SKIP_EXIT_CODE,
        doc_md=doc,
        owner=str(step.get("owner") or "mdc"),
    )
    def run_step() -> str:
        context = get_current_context()
        dag_run = context["dag_run"]
        if name not in requested_steps(dag_run.conf, all_steps):
            raise AirflowSkipException(f"{name} is not reached by this run's change")
        variables = {"MDC_PYTHON": workspace_python(), **lineage_variables(context["ti"])}
        return step_script(command, variables)

    return run_step()


@dag(
    dag_id=DAG_ID,
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    # One run at a time: two overlapping runs could both write a shared downstream output
    # (field_report after a penguins and a weather change) and the older data could win.
    max_active_runs=1,
    tags=["mdc"],
    doc_md=__doc__,
)
def mdc_pipeline() -> None:
    steps = load_steps(STEPS_FILE)
    names = {s["name"] for s in steps}
    tasks = {s["name"]: make_step_task(s, names) for s in steps}
    producer_of = {output: s["name"] for s in steps for output in s["outputs"]}
    for step in steps:
        for dataset in step["inputs"]:
            if dataset in producer_of:
                tasks[producer_of[dataset]] >> tasks[step["name"]]


mdc_pipeline()
