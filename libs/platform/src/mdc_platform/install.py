"""Install-only steps: Airflow's own virtualenv and (as root) Debian's Prometheus."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from mdc_platform.errors import PlatformError

AIRFLOW_VERSION = "3.3.2"
MARKER = ".mdc-installed"


def airflow_files(repo_root: Path) -> tuple[Path, Path]:
    base = repo_root / "deploy" / "airflow"
    return base / "requirements.txt", base / f"constraints-{AIRFLOW_VERSION}.txt"


def airflow_fingerprint(repo_root: Path) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for path in airflow_files(repo_root):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def airflow_installed(repo_root: Path, venv: Path) -> bool:
    marker = venv / MARKER
    if not (venv / "bin" / "airflow").exists() or not marker.exists():
        return False
    return marker.read_text().strip() == airflow_fingerprint(repo_root)


def _run(argv: list[str], log: Path, what: str) -> None:
    with log.open("ab") as out:
        out.write(f"\n=== {' '.join(argv)}\n".encode())
        out.flush()
        result = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise PlatformError(f"{what} failed (exit {result.returncode}); see {log}")


def install_airflow(repo_root: Path, venv: Path, say: Callable[[str], None]) -> bool:
    """Create/refresh Airflow's venv from requirements + constraints. True if it installed."""
    requirements, constraints = airflow_files(repo_root)
    for path in (requirements, constraints):
        if not path.exists():
            raise PlatformError(f"airflow: {path} is missing")
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / "airflow-venv.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # several homes/tests may ask at once
        if airflow_installed(repo_root, venv):
            return False
        log = venv.parent / "airflow-install.log"
        say(f"airflow: installing Airflow {AIRFLOW_VERSION} into {venv} (about a minute; {log})")
        started = time.monotonic()
        base_python = getattr(sys, "_base_executable", sys.executable)
        if not (venv / "bin" / "python").exists():
            _run([base_python, "-m", "venv", str(venv)], log, "creating Airflow's venv")
        pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
        _run([*pip, "install", "--upgrade", "pip", "-c", str(constraints)], log, "upgrading pip")
        _run([*pip, "install", "-r", str(requirements), "-c", str(constraints)], log, "pip install")
        (venv / MARKER).write_text(airflow_fingerprint(repo_root) + "\n")
        say(f"airflow: installed in {time.monotonic() - started:.0f} s")
        return True


def ensure_prometheus(say: Callable[[str], None]) -> None:
    """Debian's prometheus, apt-installed when missing and we are root."""
    if shutil.which("prometheus") or Path("/usr/bin/prometheus").exists():
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise PlatformError("prometheus is not installed: `apt-get install prometheus` (Debian)")
    say("prometheus: apt-get install prometheus")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", "prometheus"],
    ):
        result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PlatformError(f"{' '.join(argv)} failed: {result.stderr[-2000:]}")
