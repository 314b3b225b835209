from __future__ import annotations

import re
import uuid

from bridge_fakes import DEMO_STEPS_FILE, make_change
from mdc_contracts import deterministic_id
from mdc_orchestrator_bridge.service import dag_run_id_for, describe_reason, plan_run
from mdc_orchestrator_bridge.steps import load_steps_file

# Airflow 3.3's default [scheduler] allowed_run_id_pattern.
AIRFLOW_RUN_ID = re.compile(r"^[A-Za-z0-9_.~:+-]+$")
CHANGE = uuid.UUID("0b7e2f4c-91d3-4c55-8a61-5f2e8c9d1a42")


def test_dag_run_id_is_derived_from_the_change() -> None:
    run_id = dag_run_id_for("palmer-penguins", 3, CHANGE)

    assert run_id == "mdc__palmer-penguins__v3__0b7e2f4c91d3"
    assert dag_run_id_for("palmer-penguins", 3, CHANGE) == run_id  # re-delivery: same run
    assert dag_run_id_for("palmer-penguins", 4, uuid.uuid4()) != run_id
    assert dag_run_id_for("seattle-weather", 3, CHANGE) != run_id


def test_dag_run_id_is_valid_for_airflow_whatever_the_dataset_name() -> None:
    for name in ["Données publiques/2024 (v2)", "a" * 400, "///", "ok.name_1"]:
        run_id = dag_run_id_for(name, 12, CHANGE)
        assert AIRFLOW_RUN_ID.match(run_id), run_id
        assert len(run_id) <= 250
    assert dag_run_id_for("Données publiques/2024", 1, CHANGE).startswith(
        "mdc__Donn-es-publiques-2024__"
    )
    assert dag_run_id_for("///", 1, CHANGE).startswith("mdc__dataset__v1__")


def test_reason_names_the_change_and_the_steps() -> None:
    reason = describe_reason("palmer-penguins", 3, ["penguins_by_species", "field_report"])

    assert reason == "palmer-penguins v3 changed; reaches penguins_by_species, field_report"


def test_plan_for_a_change_reaching_steps() -> None:
    change = make_change("palmer-penguins", version=3, change_id=CHANGE)
    plan = plan_run(change, load_steps_file(DEMO_STEPS_FILE), "mdc_pipeline")

    assert plan is not None
    assert plan.steps == ["penguins_by_species", "field_report"]
    assert plan.conf() == {
        "steps": ["penguins_by_species", "field_report"],
        "reason": "palmer-penguins v3 changed; reaches penguins_by_species, field_report",
        "dataset": "palmer-penguins",
        "version": 3,
        "change_id": str(CHANGE),
    }
    event = plan.event(already_requested=True)
    assert event.dag_run_id == plan.dag_run_id
    assert event.event_id == deterministic_id("RunRequested", "mdc_pipeline", plan.dag_run_id)
    assert event.correlation_id == change.correlation_id
    assert event.source_id == change.source_id
    assert event.already_requested is True
    assert event.producer == "orchestrator-bridge"


def test_no_plan_when_nothing_reads_the_dataset() -> None:
    graph = load_steps_file(DEMO_STEPS_FILE)

    assert plan_run(make_change("nycflights13-flights"), graph, "mdc_pipeline") is None
