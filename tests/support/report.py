"""Figures measured by the tests, printed in pytest's terminal summary (never asserted)."""

from __future__ import annotations

FIGURES: list[str] = []


def report(line: str) -> None:
    print(line)
    FIGURES.append(line)
