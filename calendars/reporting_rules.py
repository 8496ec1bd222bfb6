"""Deadline rules of a reporting calendar: small structured forms, never free text."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from calendars.workdays import DAY_OFF_RULES, WorkCalendar
from i18n import _

SO = "so"          # the organisation's own deadline upward ("thời hạn Sở gửi báo cáo")
CUTOFF = "cutoff"  # the end of the data cut-off window ("ngày chốt số liệu")
DEFAULT_KIND = "default"  # applies to unit kinds a report does not name
# Same values as storage.models.directory.UnitKind (kept here so domain code does not import storage).
UNIT_KINDS = ("phong", "don_vi", "truong", "xa_phuong", "khac")
SHIFTS = DAY_OFF_RULES  # a file's `shift:` states its document's day-off rule; absent = the setting

_DAY_MONTH = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*(năm trước|năm sau)?\s*$")
_YEAR_WORDS = {None: 0, "năm trước": -1, "năm sau": 1}


class CalendarError(ValueError):
    """A reporting-calendar file that cannot be used; the message is for the officer."""

    def __init__(self, message: str, *, source: str = "", field: str = ""):
        super().__init__(message)
        self.source = source
        self.field = field


def clamped(year: int, month: int, day: int) -> date:
    """date(year, month, day), with day 31 meaning the month's last day in shorter months."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class DayMonth:
    """A day and month in the reporting year or next to it: "15/12 năm trước"."""

    day: int
    month: int
    year_offset: int = 0

    @classmethod
    def parse(cls, text: object) -> DayMonth | None:
        """The value written as "d/m", "d/m năm trước" or "d/m năm sau"; None if malformed."""
        match = _DAY_MONTH.match(str(text))
        if not match:
            return None
        day, month = int(match[1]), int(match[2])
        if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(2024, month)[1]):
            return None
        return cls(day, month, _YEAR_WORDS[match[3]])

    def resolve(self, year: int) -> date:
        """The actual date for reporting year `year` (29/2 becomes 28/2 in common years)."""
        return clamped(year + self.year_offset, self.month, self.day)


@dataclass(frozen=True)
class DayOfLastMonth:
    """"Chậm nhất ngày 15 của tháng cuối kỳ báo cáo": a day of the period's last month."""

    day: int

    def nominal(self, period_end: date) -> date:
        """The deadline for a period whose cut-off ends on `period_end`."""
        return clamped(period_end.year, period_end.month, self.day)


@dataclass(frozen=True)
class FixedDate:
    """"Báo cáo năm trước ngày 10/12": a fixed day and month of the reporting year."""

    when: DayMonth

    def nominal(self, year: int) -> date:
        """The deadline in reporting year `year`."""
        return self.when.resolve(year)


@dataclass(frozen=True)
class WorkingDaysFrom:
    """"Trước thời hạn Sở nhập báo cáo ít nhất 5 ngày làm việc": N working days from another date.

    `days` is negative for "before". `of` is SO, CUTOFF or a unit kind; the base is that
    deadline's effective (working) date, because a base on a Sunday would count from a day
    nobody can submit on.
    """

    days: int
    of: str = SO

    def nominal(self, base: date, work: WorkCalendar) -> date:
        """The date `days` working days from `base`."""
        if self.days < 0:
            return work.working_days_before(base, -self.days)
        return work.add_working_days(base, self.days)


Rule = DayOfLastMonth | FixedDate | WorkingDaysFrom


def parse_rule(raw: object, *, where: str, source: str) -> Rule:
    """A rule from its YAML mapping; CalendarError naming `where` when it is not one of the forms."""
    if not isinstance(raw, dict) or len(raw.keys() - {"of"}) != 1:
        raise _rule_error(raw, where, source)
    if "day" in raw and "of" not in raw:
        return DayOfLastMonth(_int_in(raw["day"], 1, 31, raw, where, source))
    if "date" in raw and "of" not in raw:
        when = DayMonth.parse(raw["date"])
        if when is None:
            raise _rule_error(raw, where, source)
        return FixedDate(when)
    for key, sign in (("working_days_before", -1), ("working_days_after", 1)):
        if key in raw:
            days = _int_in(raw[key], 1, 60, raw, where, source)
            return WorkingDaysFrom(sign * days, str(raw.get("of", SO)))
    raise _rule_error(raw, where, source)


def _int_in(value: object, low: int, high: int, raw: object, where: str, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _rule_error(raw, where, source)
    return value


def _rule_error(raw: object, where: str, source: str) -> CalendarError:
    message = _(
        "Tệp lịch báo cáo {file}, mục {field}: không hiểu quy tắc thời hạn {value}. "
        "Dùng một trong các dạng: {{day: 15}} (ngày 15 tháng cuối kỳ), {{date: \"10/12\"}}, "
        "{{working_days_before: 5, of: so}}, {{working_days_after: 2, of: cutoff}}."
    ).format(file=source, field=where, value=raw)
    return CalendarError(message, source=source, field=where)
