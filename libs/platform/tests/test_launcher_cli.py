from __future__ import annotations

from mdc_platform.cli import parser


def test_up_flags() -> None:
    args = parser().parse_args(["up", "--no-demo", "--no-airflow", "--base-port", "47000"])
    assert (args.command, args.no_demo, args.no_airflow, args.base_port) == (
        "up",
        True,
        True,
        47000,
    )
    assert args.no_services is False


def test_logs_flags() -> None:
    args = parser().parse_args(["logs", "catalog", "-n", "10", "-f"])
    assert (args.service, args.lines, args.follow) == ("catalog", 10, True)
