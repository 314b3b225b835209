"""The mdc_pipeline DAG imports cleanly and has one correctly wired task per step of steps.yaml.

Airflow lives in its own virtualenv, so this file runs three ways:

- `<airflow-venv>/bin/python deploy/airflow/tests/test_dag_import.py`: a plain script (Airflow's
  venv has no pytest); prints each check and exits 1 on the first failure.
- `<airflow-venv>/bin/python -m pytest deploy/airflow/tests`, when pytest is installed there.
- `uv run pytest deploy/airflow/tests` from the workspace: runs the script above with the Airflow
  venv's python (`$MDC_AIRFLOW_VENV`, else `.mdc/airflow-venv`); skipped when there is none.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
DAGS_FOLDER = REPO_ROOT / "deploy" / "airflow" / "dags"
DAG_ID = "mdc_pipeline"
EXPECTED_UPSTREAM = {
    "penguins_by_species": set(),
    "weather_monthly": set(),
    "field_report": {"penguins_by_species", "weather_monthly"},
    "weather_features": set(),
}
LINEAGE_URL = "http://127.0.0.1:8105"


def airflow_importable() -> bool:
    return importlib.util.find_spec("airflow") is not None


@contextmanager
def airflow_env(steps_file: Path | None = None) -> Iterator[None]:
    """A throw-away AIRFLOW_HOME (parsing touches a SQLite file there) and optional steps file."""
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory() as home:
        os.environ.update(
            {
                "AIRFLOW_HOME": home,
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                # Expected import errors are asserted on, not logged as tracebacks.
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "CRITICAL",
            }
        )
        if steps_file is not None:
            os.environ["MDC_STEPS_FILE"] = str(steps_file)
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)


def load_dagbag(steps_file: Path | None = None) -> Any:
    with airflow_env(steps_file):
        from airflow.dag_processing.dagbag import DagBag

        return DagBag(dag_folder=str(DAGS_FOLDER))


def load_dag_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "mdc_pipeline_dag", DAGS_FOLDER / "mdc_pipeline.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with airflow_env():
        spec.loader.exec_module(module)
    return module


def check_imports_without_errors() -> None:
    bag = load_dagbag()
    assert bag.import_errors == {}, bag.import_errors
    assert DAG_ID in bag.dags, sorted(bag.dags)


def check_one_task_per_step_wired_by_datasets() -> None:
    dag = load_dagbag().dags[DAG_ID]
    upstream = {t.task_id: set(t.upstream_task_ids) for t in dag.tasks}
    assert upstream == EXPECTED_UPSTREAM, upstream
    assert all(t.trigger_rule == "none_failed" for t in dag.tasks)
    assert all(t.skip_on_exit_code == [99] for t in dag.tasks)
    assert {t.cwd for t in dag.tasks} == {str(REPO_ROOT)}
    assert dag.schedule is None
    assert dag.max_active_runs == 1
    assert dag.catchup is False


def check_bad_steps_file_is_an_import_error() -> None:
    cases = {
        "duplicate step name": "- {name: a, command: 'true', inputs: [x], outputs: [y]}\n"
        "- {name: a, command: 'true', inputs: [x], outputs: [z]}\n",
        "is already produced by": "- {name: a, command: 'true', inputs: [x], outputs: [y]}\n"
        "- {name: b, command: 'true', inputs: [x], outputs: [y]}\n",
        "unknown fields ['input']": "- {name: a, command: 'true', input: [x], outputs: [y]}\n",
        "Cycle": "- {name: a, command: 'true', inputs: [y], outputs: [x]}\n"
        "- {name: b, command: 'true', inputs: [x], outputs: [y]}\n",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for expected, text in cases.items():
            steps_file = Path(tmp) / "steps.yaml"
            steps_file.write_text(text)
            errors = load_dagbag(steps_file).import_errors
            assert len(errors) == 1, errors
            assert expected in next(iter(errors.values())), (expected, errors)


def check_requested_steps_from_conf() -> None:
    from airflow.sdk.exceptions import AirflowFailException

    requested_steps = load_dag_module().requested_steps
    known = set(EXPECTED_UPSTREAM)
    assert requested_steps({"steps": ["field_report"]}, known) == {"field_report"}
    assert requested_steps({"steps": []}, known) == set()
    assert requested_steps({}, known) == known
    assert requested_steps(None, known) == known
    for bad in ({"steps": ["nope"]}, {"steps": "field_report"}):
        try:
            requested_steps(bad, known)
        except AirflowFailException:
            continue
        raise AssertionError(f"{bad} was accepted")


def check_step_script_exports_variables_and_is_never_a_template_path() -> None:
    step_script = load_dag_module().step_script
    script = step_script("bash deploy/steps/x.sh", {"MDC_PYTHON": "/a b/python", "X": "1"})
    assert script == "export MDC_PYTHON='/a b/python'\nexport X=1\nbash deploy/steps/x.sh\n"
    assert not script.endswith((".sh", ".bash"))  # BashOperator would read it as a file path


def check_lineage_url_from_airflow_transport() -> None:
    lineage_url_from = load_dag_module().lineage_url_from
    transport = {"type": "http", "url": f"{LINEAGE_URL}/", "endpoint": "api/v1/lineage"}
    assert lineage_url_from(transport) == LINEAGE_URL
    assert lineage_url_from({"type": "console"}) is None
    assert lineage_url_from({}) is None


class FakeTaskInstance:
    """What the OpenLineage provider's macros read from a task instance."""

    dag_id = "mdc_pipeline"
    task_id = "weather_features"
    map_index = -1

    def __init__(self, try_number: int) -> None:
        self.try_number = try_number
        logical = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
        self.dag_run = SimpleNamespace(conf={}, logical_date=logical, run_after=logical)
        self.dag_run.clear_number = 0

    def get_template_context(self) -> dict[str, Any]:
        return {"dag_run": self.dag_run}


@contextmanager
def openlineage_configured(**extra: str) -> Iterator[Any]:
    """Airflow's [openlineage] settings as the platform sets them. The provider caches them per
    process (except under pytest, which it detects)."""
    from airflow.providers.openlineage import conf

    transport = f'{{"type": "http", "url": "{LINEAGE_URL}", "endpoint": "api/v1/lineage"}}'
    settings = {
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "mdc",
        "AIRFLOW__OPENLINEAGE__TRANSPORT": transport,
        **extra,
    }
    with airflow_env():
        os.environ.pop("MDC_LINEAGE_URL", None)
        os.environ.update(settings)
        cached = [getattr(f, "cache_clear", None) for f in (conf.namespace, conf.transport)]
        cached.append(getattr(conf.is_disabled, "cache_clear", None))
        clear_caches = [c for c in cached if c is not None]
        for clear in clear_caches:
            clear()
        try:
            yield load_dag_module().lineage_variables
        finally:
            for clear in clear_caches:
                clear()


def check_lineage_variables_from_the_openlineage_macros() -> None:
    with openlineage_configured() as lineage_variables:
        first = lineage_variables(FakeTaskInstance(try_number=1))
        again = lineage_variables(FakeTaskInstance(try_number=1))
        retry = lineage_variables(FakeTaskInstance(try_number=2))
    assert first["MDC_LINEAGE_URL"] == LINEAGE_URL
    parent_id = first["OPENLINEAGE_PARENT_ID"]
    parent = re.fullmatch(r"mdc/mdc_pipeline\.weather_features/(.+)", parent_id)
    assert parent, first
    uuid.UUID(parent.group(1))  # namespace/job/run_id, as mdc_steps parses it
    root = re.fullmatch(r"mdc/mdc_pipeline/(.+)", first["OPENLINEAGE_ROOT_PARENT_ID"])
    assert root, first
    uuid.UUID(root.group(1))
    assert again == first  # the same task try: the same parent run
    assert retry["OPENLINEAGE_PARENT_ID"] != first["OPENLINEAGE_PARENT_ID"]
    assert retry["OPENLINEAGE_ROOT_PARENT_ID"] == first["OPENLINEAGE_ROOT_PARENT_ID"]
    with openlineage_configured(MDC_LINEAGE_URL="http://elsewhere:1") as lineage_variables:
        assert lineage_variables(FakeTaskInstance(1))["MDC_LINEAGE_URL"] == "http://elsewhere:1"
    with openlineage_configured(OPENLINEAGE_DISABLED="true") as lineage_variables:
        assert lineage_variables(FakeTaskInstance(1)) == {}


CHECKS: list[Callable[[], None]] = [
    check_imports_without_errors,
    check_one_task_per_step_wired_by_datasets,
    check_bad_steps_file_is_an_import_error,
    check_requested_steps_from_conf,
    check_step_script_exports_variables_and_is_never_a_template_path,
    check_lineage_url_from_airflow_transport,
    check_lineage_variables_from_the_openlineage_macros,
]


def find_airflow_python() -> Path | None:
    venv = os.environ.get("MDC_AIRFLOW_VENV") or str(REPO_ROOT / ".mdc" / "airflow-venv")
    # bin/airflow appears once the install has finished.
    installed = (Path(venv) / "bin" / "airflow").exists()
    return Path(venv) / "bin" / "python" if installed else None


if "pytest" in sys.modules:
    import pytest

    if airflow_importable():

        @pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
        def test_dag(check: Callable[[], None]) -> None:
            check()

    else:

        def test_dag_in_airflow_venv() -> None:
            python = find_airflow_python()
            if python is None:
                pytest.skip("no Airflow virtualenv (set MDC_AIRFLOW_VENV or run `mdc install`)")
            env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
            result = subprocess.run(
                [str(python), __file__], capture_output=True, text=True, env=env, timeout=300
            )
            assert result.returncode == 0, result.stdout + result.stderr


def main() -> int:
    for check in CHECKS:
        try:
            check()
        except AssertionError as err:
            print(f"FAIL {check.__name__}: {err}")
            return 1
        print(f"ok   {check.__name__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
