"""The committed Grafana dashboards are what deploy/grafana/build_dashboards.py generates."""

import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_dashboards", ROOT / "deploy" / "grafana" / "build_dashboards.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_dashboards_match_the_builder() -> None:
    builder = load_builder()
    for name in builder.DASHBOARDS:
        path = builder.OUT_DIR / name
        assert path.exists(), f"{name} missing: run `make dashboards`"
        assert path.read_text() == builder.render(name), f"{name} drifted: run `make dashboards`"


def test_every_panel_queries_prometheus() -> None:
    board = json.loads((ROOT / "deploy/grafana/dashboards/mdc-overview.json").read_text())
    panels = [p for p in board["panels"] if p["type"] != "row"]
    assert panels
    for panel in panels:
        assert panel["datasource"]["uid"] == "prometheus"
        assert panel["targets"][0]["expr"], panel["title"]
