"""Errors the launcher raises."""

from __future__ import annotations


class PlatformError(RuntimeError):
    """A component could not be installed, started or reached."""
