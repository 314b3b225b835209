"""Cross-service fixtures: the real local stack, started once per test session.

The stack (PostgreSQL, SeaweedFS S3, tansu Kafka, Prometheus, Airflow 3 and the five services) runs
under .mdc/test on its own ports, so a developer's `make up` platform is left alone. Tests marked
`integration` or `e2e` use it; the other tests here need no server. MDC_TEST_KEEP_STACK=1 keeps
the stack and its data between sessions (for debugging; names registered by tests then clash).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.files import FileServer
from tests.support.stack import Stack

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    from mdc_platform import Platform

    # MDC_TEST_HOME / MDC_TEST_BASE_PORT: a second stack beside the first (another checkout).
    home = Path(os.environ.get("MDC_TEST_HOME", ROOT / ".mdc" / "test"))
    platform = Platform(
        home=home,
        base_port=int(os.environ.get("MDC_TEST_BASE_PORT", "47000")),
        repo_root=ROOT,
        extra_env={
            "MDC_CHANGE_DETECTOR_MIN_INTERVAL_SECONDS": "1",
            "MDC_CATALOG_MIN_CHECK_INTERVAL_SECONDS": "1",
        },
    )
    if not os.environ.get("MDC_TEST_KEEP_STACK"):
        # Every session starts from empty stores, so tests never see a previous run's data.
        platform.down()
        shutil.rmtree(home, ignore_errors=True)
    platform.up(demo=False)
    try:
        yield Stack(platform)
    finally:
        if not os.environ.get("MDC_TEST_KEEP_STACK"):
            platform.down()


@pytest.fixture(scope="session")
def file_server(tmp_path_factory: pytest.TempPathFactory, stack: Stack) -> Iterator[FileServer]:
    """A publisher: a local HTTP server with ETag / Last-Modified over a temporary folder."""
    root = tmp_path_factory.mktemp("publisher")
    server = FileServer(root, port=stack.platform.base_port + 11)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.support.report import FIGURES

    if FIGURES:
        terminalreporter.section("MDC figures (measured, not asserted)")
        for line in FIGURES:
            terminalreporter.write_line(line)
