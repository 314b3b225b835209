"""`mdc up | down | status | logs | install`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from mdc_platform.context import find_repo_root
from mdc_platform.errors import PlatformError
from mdc_platform.install import ensure_prometheus, install_airflow
from mdc_platform.platform import Platform
from mdc_platform.ports import DEFAULT_BASE_PORT
from mdc_platform.process import tail


def say(message: str) -> None:
    print(message, flush=True)


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--home", type=Path, help="state dir (default <repo>/.mdc/local or $MDC_HOME)"
    )
    common.add_argument(
        "--base-port",
        type=int,
        default=int(os.environ.get("MDC_BASE_PORT", DEFAULT_BASE_PORT)),
        help=f"every port is an offset from this (default {DEFAULT_BASE_PORT} or $MDC_BASE_PORT)",
    )
    common.add_argument("--repo-root", type=Path, help="workspace root (default: found from cwd)")

    top = argparse.ArgumentParser(prog="mdc", description="Run the MDC platform locally.")
    sub = top.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", parents=[common], help="start everything (idempotent)")
    up.add_argument("--no-demo", action="store_true", help="no demo publisher or demo sources")
    up.add_argument("--no-airflow", action="store_true", help="skip Airflow (quick dev)")
    up.add_argument("--no-services", action="store_true", help="only the infrastructure")
    up.add_argument(
        "--services",
        help="comma-separated subset of the MDC services to start (default: all five)",
    )
    sub.add_parser("down", parents=[common], help="stop everything this home started")
    sub.add_parser("status", parents=[common], help="what runs, and whether its port answers")
    logs = sub.add_parser("logs", parents=[common], help="show a component's log")
    logs.add_argument("service", help="component name, e.g. catalog, kafka, airflow-scheduler")
    logs.add_argument("-n", "--lines", type=int, default=50)
    logs.add_argument("-f", "--follow", action="store_true")
    sub.add_parser("install", parents=[common], help="install only (Airflow's venv, Prometheus)")
    return top


def make_platform(args: argparse.Namespace) -> Platform:
    repo_root = (args.repo_root or find_repo_root()).resolve()
    home = args.home or (Path(os.environ["MDC_HOME"]) if os.environ.get("MDC_HOME") else None)
    return Platform(home=home, base_port=args.base_port, repo_root=repo_root, say=say)


def print_summary(platform: Platform, airflow: bool, demo: bool) -> None:
    e, s = platform.endpoints, platform.secrets
    lines = ["", "MDC platform is up:"]
    for name in ("catalog", "lineage", "change-detector", "profiler", "orchestrator-bridge"):
        docs = "  API docs: " + e[name] + "/docs" if name == "catalog" else ""
        lines.append(f"  {name:<20} {e[name]}/healthz  {e[name]}/metrics{docs}")
    lines += [
        f"  {'kafka bootstrap':<20} {e['kafka']}",
        f"  {'postgres':<20} {e['postgres']}",
        f"  {'s3':<20} {e['s3']}  access key {s.s3_access_key}  secret key {s.s3_secret_key}",
        f"  {'prometheus':<20} {e['prometheus']}",
    ]
    if airflow:
        who = f"user {s.airflow_username} / password {s.airflow_password}"
        lines.append(f"  {'airflow':<20} {e['airflow']}  ({who})")
    if demo:
        lines.append(f"  {'demo files':<20} {e['demo-files']}/")
    lines += [
        f"  demo provider key    {s.provider_api_key}",
        f"  catalog admin key    {s.admin_api_key}  (issues and revokes API keys)",
        f"  home                 {platform.home}  (logs: mdc logs NAME)",
    ]
    print("\n".join(lines))


def print_status(platform: Platform) -> int:
    rows = platform.status()
    print(f"{'COMPONENT':<24}{'PID':>8}  {'ALIVE':<6} {'PORT':>6}  ANSWERS")
    for st in rows.values():
        answers = "-" if st.port_open is None else ("yes" if st.port_open else "no")
        pid = "-" if st.pid is None else str(st.pid)
        port = "-" if st.port is None else str(st.port)
        print(f"{st.name:<24}{pid:>8}  {'yes' if st.alive else 'no':<6} {port:>6}  {answers}")
    return 0


def follow(path: Path, lines: int) -> None:
    print(tail(path, lines))
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        while True:
            chunk = fh.read()
            if chunk:
                sys.stdout.write(chunk.decode("utf-8", errors="replace"))
                sys.stdout.flush()
            else:
                time.sleep(0.5)


def show_logs(platform: Platform, name: str, lines: int, follow_it: bool) -> int:
    path = platform.log_path(name)
    if not path.exists():
        known = sorted(p.stem for p in path.parent.glob("*.log")) if path.parent.exists() else []
        print(f"no log for {name!r}; logs: {', '.join(known) or 'none yet'}", file=sys.stderr)
        return 2
    if follow_it:
        try:
            follow(path, lines)
        except KeyboardInterrupt:
            return 0
    print(tail(path, lines))
    return 0


def run(args: argparse.Namespace) -> int:
    platform = make_platform(args)
    if args.command == "install":
        ensure_prometheus(say)
        if not install_airflow(platform.repo_root, platform.ctx.airflow_venv, say):
            say(f"airflow: already installed in {platform.ctx.airflow_venv}")
        return 0
    if args.command == "up":
        services: bool | list[str] = not args.no_services
        if args.services and not args.no_services:
            services = [s.strip() for s in args.services.split(",") if s.strip()]
        took = platform.up(demo=not args.no_demo, airflow=not args.no_airflow, services=services)
        print_summary(platform, airflow=not args.no_airflow, demo=not args.no_demo)
        say(f"up in {took:.1f} s")
        return 0
    if args.command == "down":
        stopped = platform.down()
        say(f"stopped {len(stopped)} process(es)" if stopped else "nothing was running")
        return 0
    if args.command == "status":
        return print_status(platform)
    return show_logs(platform, args.service, args.lines, args.follow)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args)
    except PlatformError as exc:
        print(f"mdc {args.command}: {exc}", file=sys.stderr)
        if args.command == "up":
            print(
                "Whatever started is still running: inspect with `mdc status`/`mdc logs`, "
                "stop with `mdc down`.",
                file=sys.stderr,
            )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
