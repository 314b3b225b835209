"""Processing steps: the provider endpoints, their audit entries and the graph rules."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from catalog_fakes import AUTH, FakeAuditLog
from fastapi.testclient import TestClient
from mdc_catalog.step_admin import StepIO, graph_problem
from steps_fakes import FakeStepRepository

SUMMARY = {
    "name": "penguins_by_species",
    "layer": "aggregate",
    "language": "python",
    "command": '"$MDC_PYTHON" deploy/steps/penguins_by_species.py',
    "inputs": ["palmer-penguins"],
    "outputs": ["penguins-species-summary"],
    "owner": "ecology-team",
}
REPORT = {
    "name": "field_report",
    "layer": "report",
    "language": "r",
    "command": "Rscript deploy/steps/field_report.R",
    "inputs": ["seattle-weather-monthly", "penguins-species-summary"],
    "outputs": ["field-report"],
    "owner": "climate-team",
}


def _create(client: TestClient, step: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/admin/steps", json=step, headers=AUTH)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/admin/steps"),
        ("GET", "/admin/steps"),
        ("GET", "/admin/steps/x"),
        ("PATCH", "/admin/steps/x"),
        ("DELETE", "/admin/steps/x"),
    ],
)
def test_step_endpoints_need_a_provider_key(client: TestClient, method: str, path: str) -> None:
    assert client.request(method, path, json=SUMMARY).status_code == 401


def test_create_get_and_list_with_filters(client: TestClient, audit: FakeAuditLog) -> None:
    created = _create(client, SUMMARY)
    _create(client, REPORT)
    assert created["active"] is True
    fetched = client.get("/admin/steps/field_report", headers=AUTH).json()
    # Inputs are a set: kept sorted, so listings and exports are stable.
    assert fetched["inputs"] == ["penguins-species-summary", "seattle-weather-monthly"]

    def names(**params: Any) -> list[str]:
        body = client.get("/admin/steps", params=params, headers=AUTH).json()
        return [s["name"] for s in body["items"]]

    assert names() == ["field_report", "penguins_by_species"]
    assert names(layer="report") == ["field_report"]
    assert names(owner="ecology-team") == ["penguins_by_species"]
    assert names(input="penguins-species-summary") == ["field_report"]
    assert names(output="penguins-species-summary") == ["penguins_by_species"]
    assert names(input="nothing-reads-this") == []
    assert [e.action for e in audit.recorded] == ["step.create", "step.create"]
    assert audit.recorded[0].target_id == created["id"]
    assert audit.recorded[0].after is not None
    assert audit.recorded[0].after["name"] == "penguins_by_species"


def test_unknown_step_is_404(client: TestClient) -> None:
    response = client.get("/admin/steps/nope", headers=AUTH)
    assert response.status_code == 404
    assert "nope" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"outputs": ["palmer-penguins"]}, "outputs"),
        ({"language": "cobol"}, "language"),
        ({"name": "Has Space"}, "name"),
        ({"layer": "Not A Layer"}, "layer"),
        ({"inputs": ["a", "a"]}, "inputs"),
        ({"command": "  "}, "command"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_invalid_step_is_422_on_the_field(
    client: TestClient, step_repo: FakeStepRepository, change: dict[str, Any], field: str
) -> None:
    response = client.post("/admin/steps", json={**SUMMARY, **change}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field
    assert step_repo.steps == {}


def test_same_name_twice_is_409(client: TestClient) -> None:
    _create(client, SUMMARY)
    response = client.post("/admin/steps", json=SUMMARY, headers=AUTH)
    assert response.status_code == 409


def test_a_dataset_with_two_producers_is_409(client: TestClient) -> None:
    _create(client, SUMMARY)
    other = {**REPORT, "name": "other", "inputs": ["seattle-weather"]}
    other["outputs"] = ["penguins-species-summary"]
    response = client.post("/admin/steps", json=other, headers=AUTH)
    assert response.status_code == 409
    message = response.json()["error"]["message"]
    assert "'penguins-species-summary'" in message
    assert "'other'" in message


def test_a_cycle_through_other_steps_is_409_and_named(
    client: TestClient, step_repo: FakeStepRepository
) -> None:
    _create(client, SUMMARY)  # palmer-penguins -> penguins-species-summary
    _create(client, REPORT)  # ... -> field-report
    # field-report feeding palmer-penguins closes the loop.
    feedback = {
        **SUMMARY,
        "name": "feedback",
        "inputs": ["field-report"],
        "outputs": ["palmer-penguins"],
    }
    response = client.post("/admin/steps", json=feedback, headers=AUTH)
    assert response.status_code == 409
    assert response.json()["error"]["message"].endswith(
        "feedback -> penguins_by_species -> field_report -> feedback"
    )
    assert sorted(s.name for s in step_repo.steps.values()) == [
        "field_report",
        "penguins_by_species",
    ]


def test_update_into_a_cycle_is_409_and_changes_nothing(
    client: TestClient, step_repo: FakeStepRepository, audit: FakeAuditLog
) -> None:
    _create(client, SUMMARY)
    _create(client, REPORT)
    response = client.patch(
        "/admin/steps/penguins_by_species",
        json={"inputs": ["palmer-penguins", "field-report"]},
        headers=AUTH,
    )
    assert response.status_code == 409
    assert "field_report -> penguins_by_species -> field_report" in response.text
    stored = next(s for s in step_repo.steps.values() if s.name == "penguins_by_species")
    assert stored.inputs == ["palmer-penguins"]
    assert [e.action for e in audit.recorded] == ["step.create", "step.create"]


def test_update_merges_fields_and_checks_the_merged_step(
    client: TestClient, audit: FakeAuditLog
) -> None:
    _create(client, SUMMARY)
    # Outputs alone are valid, but together with the kept inputs they overlap.
    overlap = client.patch(
        "/admin/steps/penguins_by_species", json={"outputs": ["palmer-penguins"]}, headers=AUTH
    )
    assert overlap.status_code == 422
    assert overlap.json()["detail"][0]["loc"] == ["body", "outputs"]
    changed = client.patch(
        "/admin/steps/penguins_by_species",
        json={"active": False, "owner": "birds"},
        headers=AUTH,
    )
    assert changed.status_code == 200
    assert changed.json()["active"] is False
    assert changed.json()["inputs"] == ["palmer-penguins"]
    same = client.patch("/admin/steps/penguins_by_species", json={"owner": "birds"}, headers=AUTH)
    assert same.status_code == 200
    updates = [e for e in audit.recorded if e.action == "step.update"]
    assert len(updates) == 1  # the no-op change is not a change
    assert updates[0].before is not None
    assert updates[0].after is not None
    assert (updates[0].before["owner"], updates[0].after["owner"]) == ("ecology-team", "birds")
    null = client.patch("/admin/steps/penguins_by_species", json={"owner": None}, headers=AUTH)
    assert null.status_code == 422


def test_delete_is_audited_and_frees_the_outputs(
    client: TestClient, audit: FakeAuditLog, step_repo: FakeStepRepository
) -> None:
    created = _create(client, SUMMARY)
    response = client.delete("/admin/steps/penguins_by_species", headers=AUTH)
    assert response.status_code == 204
    assert step_repo.steps == {}
    assert client.delete("/admin/steps/penguins_by_species", headers=AUTH).status_code == 404
    deleted = audit.recorded[-1]
    assert (deleted.action, deleted.target_id, deleted.after) == (
        "step.delete",
        created["id"],
        None,
    )
    # Another step may now produce what the deleted one produced.
    replacement = {**SUMMARY, "name": "replacement", "inputs": ["seattle-weather"]}
    _create(client, replacement)


def test_graph_problem_finds_long_cycles_and_accepts_diamonds() -> None:
    diamond = {
        "a": StepIO(["raw"], ["x"]),
        "b": StepIO(["x"], ["y"]),
        "c": StepIO(["x"], ["z"]),
        "d": StepIO(["y", "z"], ["out"]),
    }
    assert graph_problem(diamond) is None
    ring = {f"s{i}": StepIO([f"d{i}"], [f"d{(i + 1) % 4}"]) for i in range(4)}
    assert graph_problem(ring) == (
        "steps would depend on each other in a cycle: s0 -> s1 -> s2 -> s3 -> s0"
    )
    assert graph_problem({**diamond, "e": StepIO(["out"], ["raw"])}) is not None


def test_step_ids_are_uuids(client: TestClient) -> None:
    assert uuid.UUID(_create(client, SUMMARY)["id"])
