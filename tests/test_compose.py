"""compose.yaml must stay a valid Compose file describing the whole platform."""

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "compose.yaml"
MDC_SERVICES = {"change-detector", "profiler", "catalog", "lineage", "orchestrator-bridge"}
INFRASTRUCTURE = {"kafka", "postgres", "minio", "prometheus", "grafana", "airflow"}


def test_compose_validates_against_the_compose_specification() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_describes_every_component() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert set(services) >= MDC_SERVICES | INFRASTRUCTURE
    for name in MDC_SERVICES:
        build = services[name]["build"]
        assert (ROOT / build["context"] / build["dockerfile"]).exists()
        module = build["args"]["SERVICE"]
        assert (ROOT / "services" / name / "src" / module).is_dir(), module


def test_files_mounted_into_containers_exist() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
