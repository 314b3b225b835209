"""The PostgreSQL the database benchmarks run on: the platform's own, alone, in `.mdc/bench`."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def add_postgres_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reseed", action="store_true", help="seed even if already seeded")
    parser.add_argument("--keep", action="store_true", help="leave PostgreSQL running")
    parser.add_argument("--base-port", type=int, default=37000)


def run_on_postgres(
    args: argparse.Namespace,
    bench: Callable[[argparse.Namespace, str], Coroutine[Any, Any, None]],
) -> int:
    """Start PostgreSQL (port base + 32; reused when already up), run `bench` with an asyncpg
    DSN, and stop it unless --keep."""
    from mdc_platform import Platform

    platform = Platform(home=ROOT / ".mdc" / "bench", base_port=args.base_port, repo_root=ROOT)
    platform.up(demo=False, airflow=False, services=False)
    dsn = platform.endpoints["postgres"].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        asyncio.run(bench(args, dsn))
    finally:
        if not args.keep:
            platform.down()
    return 0
