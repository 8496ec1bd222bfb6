"""The working calendar reminders use, loaded once per process (holidays + overrides.yaml)."""
from __future__ import annotations

from functools import cache

from calendars.workdays import WorkCalendar


@cache
def default_calendar(day_off_rule: str = "before") -> WorkCalendar:
    """The office calendar: weekends, public holidays, announced swaps; deadlines on days off by the rule."""
    return WorkCalendar(day_off_rule=day_off_rule)
