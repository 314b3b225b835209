"""How often a publisher is expected to update a source, and when a source is stale.

Pure functions over plain values (no I/O, no clock): the caller passes `now`, so the same rules
serve the API, the SQL filters (which bind the cut-offs computed here) and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Cadence(StrEnum):
    """The update rhythm a provider expects from a source's publisher."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    UNKNOWN = "unknown"


# The longest calendar span of each period, so a punctual publisher is never called late
# (a 31-day month, a 92-day quarter, a leap year).
CADENCE_PERIODS: dict[Cadence, timedelta] = {
    Cadence.DAILY: timedelta(days=1),
    Cadence.WEEKLY: timedelta(days=7),
    Cadence.MONTHLY: timedelta(days=31),
    Cadence.QUARTERLY: timedelta(days=92),
    Cadence.YEARLY: timedelta(days=366),
}


def allowed_age(cadence: Cadence | str, grace_factor: float) -> timedelta | None:
    """How old the last change may be before the source is stale; None: never stale."""
    period = CADENCE_PERIODS.get(Cadence(cadence))
    return None if period is None else period * grace_factor


def stale_cutoffs(now: datetime, grace_factor: float) -> dict[Cadence, datetime]:
    """Per cadence, the instant a source's last change must be after to be fresh."""
    return {cadence: now - period * grace_factor for cadence, period in CADENCE_PERIODS.items()}


@dataclass(frozen=True)
class Staleness:
    """Whether a source is stale, when its next change is due, and by how much it is late."""

    due_at: datetime | None  # None: unknown cadence, or a paused source
    overdue_by: timedelta | None  # None unless stale

    @property
    def stale(self) -> bool:
        return self.overdue_by is not None


NOT_EXPECTED = Staleness(due_at=None, overdue_by=None)


def staleness(
    *,
    cadence: Cadence | str,
    last_changed_at: datetime | None,
    created_at: datetime,
    active: bool,
    now: datetime,
    grace_factor: float,
) -> Staleness:
    """A source is stale when its last change (or its creation, if it never changed) is older
    than its cadence times the grace factor. Paused sources are not checked, so they never
    change in the catalog: they are never stale, nor are sources of unknown cadence."""
    age = allowed_age(cadence, grace_factor)
    if age is None or not active:
        return NOT_EXPECTED
    due_at = (last_changed_at or created_at) + age
    return Staleness(due_at=due_at, overdue_by=now - due_at if now > due_at else None)
