"""YAML export and import of sources, specs and steps (in-memory fakes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from catalog_fakes import AUTH, PROVIDER_KEY, FakeAuditLog, FakeRepository, FakeSink, FakeSpecSink
from fastapi.testclient import TestClient
from mdc_catalog.api.deps import get_audit_log, get_definition_sink, get_repository
from mdc_catalog.api.routes.specs import get_spec_draft_repository, get_spec_sink
from mdc_catalog.api.routes.steps import get_step_repository
from mdc_catalog.app import create_app
from mdc_catalog.config import CatalogSettings
from mdc_catalog.schemas import SourceCreate
from mdc_catalog.service import source_public
from mdc_common.settings import DatabaseSettings
from spec_fakes import FakeSpecDraftRepository
from steps_fakes import FakeStepRepository

STEPS_FILE = Path(__file__).resolve().parents[3] / "deploy" / "steps.yaml"


class Catalog:
    """A catalog app of its own (the round trip needs a second, empty one)."""

    def __init__(self, spec_review: str = "none") -> None:
        self.repo, self.sink, self.spec_sink = FakeRepository(), FakeSink(), FakeSpecSink()
        self.audit, self.steps = FakeAuditLog(), FakeStepRepository()
        self.drafts = FakeSpecDraftRepository()
        app = create_app(
            CatalogSettings(
                provider_api_keys=[PROVIDER_KEY],
                spec_review=spec_review,
                db=DatabaseSettings(url="postgresql+asyncpg://nobody@127.0.0.1:1/none"),
            )
        )
        app.dependency_overrides[get_spec_draft_repository] = lambda: self.drafts
        app.dependency_overrides[get_repository] = lambda: self.repo
        app.dependency_overrides[get_definition_sink] = lambda: self.sink
        app.dependency_overrides[get_spec_sink] = lambda: self.spec_sink
        app.dependency_overrides[get_audit_log] = lambda: self.audit
        app.dependency_overrides[get_step_repository] = lambda: self.steps
        self.client = TestClient(app)

    def export(self) -> str:
        response = self.client.get("/admin/export", headers=AUTH)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/yaml"
        return response.text

    def import_(self, text: str, *, dry_run: bool = False, status: int = 200) -> Any:
        response = self.client.post(
            "/admin/import",
            content=text.encode(),
            params={"dry_run": str(dry_run).lower()},
            headers={**AUTH, "Content-Type": "application/yaml"},
        )
        assert response.status_code == status, response.text
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(path, json=body, headers=AUTH)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


def _populated() -> Catalog:
    """Sources (one paused, one deleted), specs (two versions of one), steps; built through
    the ordinary endpoints, in an order and spelling the export must not depend on."""
    catalog = Catalog()
    weather = catalog.post(
        "/admin/sources",
        {
            "name": "seattle-weather",
            "url": "https://data.example.org/weather.csv?year=2012&x=%20y",
            "check_interval_seconds": 86400,
            "title": "Seattle weather: daily 2012\u20132015",
            "description": "Line one.\nLine two: with a colon, 'quotes' and \"more\".\n",
            "tags": ["weather", "climate", "Öffentlich"],
            "license": "CC0-1.0",
        },
    )
    penguins = catalog.post(
        "/admin/sources",
        {"name": "palmer-penguins", "url": "https://data.example.org/penguins.csv"},
    )
    paused = catalog.post(
        "/admin/sources", {"name": "paused-one", "url": "https://data.example.org/p.csv"}
    )
    gone = catalog.post("/admin/sources", {"name": "gone", "url": "https://data.example.org/g"})
    assert catalog.client.patch(
        f"/admin/sources/{paused['id']}", json={"active": False}, headers=AUTH
    ).is_success
    assert catalog.client.delete(f"/admin/sources/{gone['id']}", headers=AUTH).is_success
    for spec in (
        {"columns": [{"name": "island", "rename_to": "isle"}]},
        {
            "columns": [
                {"name": "island", "rename_to": "isle", "description": "Island"},
                {"name": "size", "categories": ["small", "medium", "large"], "ordered": True},
                {"name": "body_mass_g", "unit": "g", "dtype": "float64", "pii": False},
            ],
            "select": ["species", "isle", "size", "body_mass_g"],
            "null_tokens": ["NA", "."],
        },
    ):
        response = catalog.client.put(
            f"/admin/datasets/{penguins['id']}/spec", json=spec, headers=AUTH
        )
        assert response.status_code == 201, response.text
    response = catalog.client.put(
        f"/admin/datasets/{weather['id']}/spec", json={"description": "Daily"}, headers=AUTH
    )
    assert response.status_code == 201
    catalog.import_(STEPS_FILE.read_text(encoding="utf-8"))
    catalog.post(
        "/admin/steps",
        {
            "name": "a_featurize",
            "layer": "featurize",
            "language": "sas",
            "command": "sas deploy/steps/features.sas",
            "inputs": ["seattle-weather-monthly", "palmer-penguins"],
            "outputs": ["features-b", "features-a"],
            "description": "Two lines\nof description",
            "active": False,
        },
    )
    return catalog


def test_export_import_into_an_empty_catalog_export_is_byte_identical() -> None:
    original = _populated()
    first = original.export()

    empty = Catalog()
    report = empty.import_(first)
    second = empty.export()

    assert second == first
    # The document is the whole catalog, not an empty one that trivially round-trips.
    document = yaml.safe_load(first)
    assert [s["name"] for s in document["sources"]] == [
        "palmer-penguins",
        "paused-one",
        "seattle-weather",
    ]
    assert sorted(document["specs"]) == ["palmer-penguins", "seattle-weather"]
    assert len(document["steps"]) == 5
    assert report["created"] == 3 + 2 + 5
    # What the empty catalog got went through the domain paths: definitions and specs announced.
    assert sorted(e.name for e in empty.sink.events if e.revision == 1) == [
        "palmer-penguins",
        "paused-one",
        "seattle-weather",
    ]
    paused = next(s for s in empty.repo.sources.values() if s.name == "paused-one")
    assert paused.active is False
    assert any(e.name == "paused-one" and not e.active for e in empty.sink.events)
    assert len(empty.spec_sink.events) == 2


# Every field of SourceCreate, each with a value that is not its default: a field the export
# drops, or the import ignores, comes back as its default and fails the round trip.
EVERY_SOURCE_FIELD: dict[str, Any] = {
    "name": "every-field",
    "url": "https://data.example.org/every.csv?x=1",
    "check_interval_seconds": 7200,
    "title": "Every field",
    "description": "All of them.",
    "publisher": "Someone",
    "license": "CC-BY-4.0",
    "tags": ["b", "a"],
    "cadence": "daily",
}


def test_every_source_field_survives_export_import_export() -> None:
    assert set(EVERY_SOURCE_FIELD) == set(SourceCreate.model_fields), "set the new field here"
    for name, field in SourceCreate.model_fields.items():
        assert EVERY_SOURCE_FIELD[name] != field.get_default(call_default_factory=True), name
    original = Catalog()
    created = original.post("/admin/sources", EVERY_SOURCE_FIELD)
    paused = original.client.post(f"/admin/sources/{created['id']}/pause", headers=AUTH)
    assert paused.json()["active"] is False  # `active` (import only) is not its default either
    first = original.export()
    (entry,) = yaml.safe_load(first)["sources"]
    assert set(entry) == {*EVERY_SOURCE_FIELD, "active"}

    empty = Catalog()
    empty.import_(first)
    assert empty.export() == first
    (copy,) = empty.repo.sources.values()
    stored = source_public(copy).model_dump(mode="json")
    for name, value in EVERY_SOURCE_FIELD.items():
        assert stored[name] == (sorted(value) if name == "tags" else value), name
    assert stored["active"] is False

    # A changed cadence is a change to import, not "unchanged".
    document = yaml.safe_load(first)
    document["sources"][0]["cadence"] = "monthly"
    report = empty.import_(yaml.safe_dump(document))
    assert [(c["action"], c["fields"]) for c in report["changes"]] == [("update", ["cadence"])]
    assert yaml.safe_load(empty.export())["sources"][0]["cadence"] == "monthly"


def test_export_is_sorted_and_has_no_ids_timestamps_or_defaults() -> None:
    text = _populated().export()
    document = yaml.safe_load(text)
    assert list(document) == ["sources", "specs", "steps"]
    weather = next(s for s in document["sources"] if s["name"] == "seattle-weather")
    assert weather["tags"] == ["climate", "weather", "Öffentlich"]
    assert list(weather) == sorted(weather)
    assert not {"id", "revision", "created_at", "updated_at"} & set(weather)
    assert "Öffentlich" in text  # readable, not escaped
    assert "description: |" in text  # multi-line text as a block, for reviewable diffs
    # The latest spec version, without its defaults.
    penguins = document["specs"]["palmer-penguins"]
    assert penguins["select"] == ["species", "isle", "size", "body_mass_g"]  # order kept
    assert penguins["columns"][2] == {"dtype": "float64", "name": "body_mass_g", "unit": "g"}
    featurize = next(s for s in document["steps"] if s["name"] == "a_featurize")
    assert featurize["outputs"] == ["features-a", "features-b"]
    assert [s["name"] for s in document["steps"]] == sorted(s["name"] for s in document["steps"])
    assert "&id" not in text
    assert "*id" not in text


def test_reimport_changes_nothing_and_publishes_no_spec() -> None:
    catalog = _populated()
    text = catalog.export()
    specs_before, events_before = len(catalog.repo.specs), len(catalog.sink.events)
    audited_before = len(catalog.audit.recorded)
    report = catalog.import_(text)
    assert report["created"] == report["updated"] == 0
    assert report["unchanged"] == len(report["changes"]) == 10
    assert len(catalog.repo.specs) == specs_before
    assert len(catalog.sink.events) == events_before
    assert len(catalog.audit.recorded) == audited_before


def test_dry_run_reports_changes_and_writes_nothing() -> None:
    catalog = _populated()
    document = yaml.safe_load(catalog.export())
    document["sources"][0]["check_interval_seconds"] = 600
    document["sources"].append({"name": "new-one", "url": "https://data.example.org/n.csv"})
    document["specs"]["seattle-weather"] = {"description": "Daily weather"}
    document["specs"]["new-one"] = {"null_tokens": ["-"]}
    document["steps"][0]["owner"] = "someone-else"
    snapshot = catalog.export()
    report = catalog.import_(yaml.safe_dump(document), dry_run=True)
    assert catalog.export() == snapshot
    changed = {(c["kind"], c["name"]): c for c in report["changes"] if c["action"] != "unchanged"}
    assert changed[("source", "palmer-penguins")]["fields"] == ["check_interval_seconds"]
    assert changed[("source", "new-one")]["action"] == "create"
    assert changed[("spec", "seattle-weather")]["fields"] == ["description"]
    assert changed[("spec", "new-one")]["action"] == "create"
    assert changed[("step", "a_featurize")]["fields"] == ["owner"]
    assert (report["dry_run"], report["created"], report["updated"]) == (True, 2, 3)

    applied = catalog.import_(yaml.safe_dump(document))
    assert applied["changes"] == report["changes"]
    after = yaml.safe_load(catalog.export())
    assert after["specs"]["new-one"] == {"null_tokens": ["-"]}
    assert after["steps"][0]["owner"] == "someone-else"
    actions = [e.action for e in catalog.audit.recorded[-5:]]
    assert actions == [
        "source.update",
        "source.create",
        "spec.publish",
        "spec.publish",
        "step.update",
    ]


def test_steps_file_of_the_bridge_is_accepted() -> None:
    catalog = Catalog()
    report = catalog.import_(STEPS_FILE.read_text(encoding="utf-8"))
    raw = yaml.safe_load(STEPS_FILE.read_text(encoding="utf-8"))
    assert sorted(c["name"] for c in report["changes"]) == sorted(s["name"] for s in raw)
    exported = {s["name"]: s for s in yaml.safe_load(catalog.export())["steps"]}
    for step in raw:
        mine = exported[step["name"]]
        for key, value in step.items():
            assert mine[key] == (sorted(value) if isinstance(value, list) else value), key
        assert mine["active"] is True


def _problems(catalog: Catalog, text: str) -> dict[str, str]:
    detail = catalog.import_(text, status=422)["detail"]
    return {d["path"]: d["msg"] for d in detail}


def test_invalid_documents_are_422_with_the_path_and_write_nothing() -> None:
    catalog = Catalog()
    document = {
        "sources": [
            {"name": "ok-one", "url": "https://data.example.org/a.csv"},
            {"name": "ok-two", "url": "https://data.example.org/b.csv"},
            {"name": "bad-url", "url": "not a url"},
            {"name": "fast", "url": "https://x.example.org/f", "check_interval_seconds": 1},
            {"name": "ok-one", "url": "https://data.example.org/c.csv"},
        ],
        "specs": {
            "ok-one": {"columns": [{"name": "a", "dtype": "decimal"}]},
            "unknown-dataset": {},
        },
        "steps": [{"name": "s", "layer": "x", "language": "python", "command": "c", "inputs": []}],
    }
    problems = _problems(catalog, yaml.safe_dump(document))
    assert set(problems) == {
        "sources[2].url",
        "sources[3].check_interval_seconds",
        "sources[4].name",
        "specs.ok-one.columns[0].dtype",
        "specs.unknown-dataset",
        "steps[0].outputs",
    }
    assert "sources[0]" in problems["sources[4].name"]
    assert catalog.repo.sources == {}
    assert catalog.sink.events == []
    assert catalog.audit.recorded == []


def test_a_cycle_in_imported_steps_is_422_named() -> None:
    catalog = Catalog()
    steps = [
        {"name": n, "layer": "join", "language": "bash", "command": "true", "inputs": [i],
         "outputs": [o]}
        for n, i, o in (("one", "a", "b"), ("two", "b", "c"), ("three", "c", "a"))
    ]  # fmt: skip
    problems = _problems(catalog, yaml.safe_dump({"steps": steps}))
    assert problems == {"steps": "steps would depend on each other in a cycle: "
                        "one -> two -> three -> one"}  # fmt: skip
    assert catalog.steps.steps == {}


def test_malformed_yaml_is_422_and_aliases_are_refused() -> None:
    catalog = Catalog()
    assert "not valid YAML" in _problems(catalog, "sources: [unclosed")[""]
    assert "unknown section" in _problems(catalog, "datasets: []")["datasets"]
    assert "expected a list" in _problems(catalog, "sources: {a: 1}")["sources"]
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nsteps: [*b, *b]\n"
    assert "aliases" in _problems(catalog, bomb)[""]
    assert "expected a mapping" in _problems(catalog, "just text")[""]


def test_import_updates_an_existing_source_through_the_source_admin(
    client: TestClient, repo: FakeRepository, sink: FakeSink, audit: FakeAuditLog
) -> None:
    created = client.post(
        "/admin/sources",
        json={"name": "palmer-penguins", "url": "https://data.example.org/p.csv"},
        headers=AUTH,
    ).json()
    document = {"sources": [{"name": "palmer-penguins", "url": "https://data.example.org/v2.csv"}]}
    response = client.post("/admin/import", content=yaml.safe_dump(document), headers=AUTH)
    assert response.status_code == 200, response.text
    source = repo.sources[next(iter(repo.sources))]
    assert (source.url, source.revision) == ("https://data.example.org/v2.csv", 2)
    assert sink.events[-1].url == "https://data.example.org/v2.csv"
    update = audit.recorded[-1]
    assert (update.action, update.target_id) == ("source.update", created["id"])
    assert update.before is not None
    assert update.before["url"] == "https://data.example.org/p.csv"


def test_import_and_export_need_a_provider_key(client: TestClient) -> None:
    assert client.get("/admin/export").status_code == 401
    assert client.post("/admin/import", content="steps: []").status_code == 401


def test_empty_catalog_exports_empty_sections(client: TestClient) -> None:
    response = client.get("/admin/export", headers=AUTH)
    assert response.text == "sources: []\nspecs: {}\nsteps: []\n"


def test_imported_specs_wait_for_review_when_the_deployment_requires_it() -> None:
    document = yaml.safe_load(_populated().export())
    reviewed = Catalog(spec_review="required")
    reviewed.import_(yaml.safe_dump(document))
    # Sources are in; the specs are drafts pending a second provider's review, not versions.
    assert len(reviewed.repo.sources) == len(document["sources"])
    assert reviewed.repo.specs == []
    assert reviewed.spec_sink.events == []
    pending = [d for d in reviewed.drafts.drafts.values() if d.status == "pending_review"]
    assert len(pending) == len(document["specs"])
    assert {d.comment for d in pending} == {"imported from YAML"}
    actions = [entry.action for entry in reviewed.audit.recorded]
    assert actions.count("spec_draft.submit") == len(document["specs"])
    assert "spec.publish" not in actions
