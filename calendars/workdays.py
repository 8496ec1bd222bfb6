"""Working days of a Vietnamese public office: `holidays` (VN) plus each year's announcements."""
from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from pathlib import Path

import holidays
import yaml

from i18n import _, fmt_date

OVERRIDES_FILE = Path(__file__).resolve().parent / "overrides.yaml"
WEEKEND = (5, 6)  # Saturday, Sunday: QĐ 188/1999/QĐ-TTg gives civil servants a 5-day week
# THE day-off rule (README "A deadline on a day off"), for task deadlines, reminders and reporting calendars
# alike. "before" = due on the last working day before it (the default: nothing is late by the rule, and the
# unit's report reaches the desk before the desk's own deadline); "after" = due on the first working day after
# it (Bộ luật Dân sự 2015, Điều 148 khoản 5). NHACVIEC_DAY_OFF_RULE; a reporting-calendar file may state its
# document's own (`shift:`). Either way a deadline set after a data window closes never moves on or before
# that day (Nghị định 09/2019, Điều 8 khoản 5): see `WorkCalendar.effective`.
DAY_OFF_RULES = ("before", "after")


def load_overrides(path: Path = OVERRIDES_FILE) -> dict:
    """The override table as written in `path` (year → days_off / workdays)."""
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def _as_date(value: object) -> date:
    # YAML reads an unquoted 2026-08-22 as a date; a quoted one stays a string.
    return value if isinstance(value, date) else date.fromisoformat(str(value).strip())


def _entries(raw: object) -> dict[date, str]:
    """days_off / workdays written as a mapping {day: note} or as a list of days."""
    if not raw:
        return {}
    if isinstance(raw, dict):
        return {_as_date(k): str(v or "") for k, v in raw.items()}
    return {_as_date(v): "" for v in raw}


def _flatten(overrides: dict) -> tuple[dict[date, str], dict[date, str]]:
    days_off: dict[date, str] = {}
    workdays: dict[date, str] = {}
    for year, entry in (overrides or {}).items():
        off, work = _entries((entry or {}).get("days_off")), _entries((entry or {}).get("workdays"))
        stray = [d for d in [*off, *work] if d.year != int(year)]
        if stray:  # a 2025 date under the 2026 heading is a typo, not a wish
            raise ValueError(_("Ngày {day} trong bảng điều chỉnh lịch nằm dưới năm {year}").format(
                day=fmt_date(stray[0]), year=year))
        days_off.update(off)
        workdays.update(work)
    clash = sorted(days_off.keys() & workdays.keys())
    if clash:
        raise ValueError(_("Ngày {day} vừa là ngày nghỉ vừa là ngày làm việc trong bảng điều chỉnh lịch").format(
            day=fmt_date(clash[0])))
    return days_off, workdays


@cache
def _package_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """Holiday names and make-up Saturdays of one year from `holidays`, computed once per process."""
    table = holidays.country_holidays("VN", years=year, language="vi")
    # weekend_workdays also carries other years' swaps from the package's static table
    makeup = frozenset(d for d in table.weekend_workdays if d.year == year)
    return dict(table.items()), makeup


class WorkCalendar:
    """Which days a Sở/Phòng GDĐT works: weekends, public holidays, swaps, make-up Saturdays."""

    def __init__(self, overrides: dict | None = None, day_off_rule: str = "before"):
        if day_off_rule not in DAY_OFF_RULES:
            raise ValueError(day_off_rule)
        self._days_off, self._workdays = _flatten(load_overrides() if overrides is None else overrides)
        self.day_off_rule = day_off_rule

    def effective(self, due: date, *, rule: str | None = None, after: date | None = None) -> date:
        """The working day a deadline on `due` means (the one day-off rule).

        A working day stays. A day off moves to the last working day before it ("before") or the
        first one after it ("after"): `rule` when a reporting calendar states its document's own,
        else NHACVIEC_DAY_OFF_RULE. A deadline set after `after` (the day a data window closes) is
        never moved on or before that day: it goes to the first working day after instead.
        """
        rule = rule or self.day_off_rule
        if rule not in DAY_OFF_RULES:
            raise ValueError(rule)
        if after is not None:
            due = self.past_window(due, after)
        if self.is_working_day(due):
            return due
        return self.on_or_before(due) if rule == "before" else self.next_working_day(due)

    def met_by(self, due: date) -> date:
        """The last day a deadline on `due` is met on: the written date, or the later working day "after" gives.

        Lateness (reports, /overdue) is judged against it: never before the date the document writes.
        """
        return max(due, self.effective(due))

    def late_before(self, today: date) -> date:
        """Due dates before this day are late on `today` (`met_by(due) < today`), for a database filter."""
        if self.day_off_rule == "after":  # met by the working day on or after it: late once that day has passed
            return self.on_or_before(today - timedelta(days=1)) + timedelta(days=1)
        return today

    def past_window(self, due: date, closes: date) -> date:
        """`due`, or the first working day after it when it is a day off that a shift back would put on or
        before `closes`, the day a data window closes (Nghị định 09/2019, Điều 8 khoản 5).

        Either day-off rule gives such a deadline that same day, so it may be stored as it is.
        """
        if due > closes and not self.is_working_day(due) and self.on_or_before(due) <= closes:
            return self.next_working_day(due)
        return due

    def is_working_day(self, d: date) -> bool:
        """True when the office is open on `d`."""
        if d in self._workdays:
            return True
        if d in self._days_off:
            return False
        names, makeup = _package_year(d.year)
        if d in makeup:
            return True
        return d.weekday() not in WEEKEND and d not in names

    def holiday_name(self, d: date) -> str | None:
        """Vietnamese name of the holiday or announced day off on `d`, else None."""
        if d in self._workdays:
            return None
        name = self._days_off.get(d) or _package_year(d.year)[0].get(d)
        return name or (_("Ngày nghỉ") if d in self._days_off else None)

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after `d` (before it when n < 0); `d` itself when n == 0."""
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d

    def working_days_before(self, d: date, n: int) -> date:
        """The n-th working day before `d` ("N ngày làm việc trước ngày d")."""
        return self.add_working_days(d, -n)

    def on_or_before(self, d: date) -> date:
        """The last working day on or before `d`."""
        while not self.is_working_day(d):
            d -= timedelta(days=1)
        return d

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        return self.add_working_days(d, 1)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]: what is left from a to a deadline b; negative when b < a."""
        if b < a:
            return -self.working_days_between(b, a)
        return sum(1 for i in range(1, (b - a).days + 1) if self.is_working_day(a + timedelta(days=i)))
