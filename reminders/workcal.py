"""The working calendar reminders use, loaded once per process (holidays + overrides.yaml)."""
from __future__ import annotations

from functools import cache

from calendars.workdays import WorkCalendar


@cache
def default_calendar() -> WorkCalendar:
    """The office calendar: weekends, public holidays, announced swaps."""
    return WorkCalendar()
