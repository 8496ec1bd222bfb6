"""Deadlines counted from another day: working days, and the plan's reporting calendar.

- "N ngày làm việc trước/sau ngày X" → the N-th working day before/after X; "ít nhất" may come
  before or after ("trước ngày X ít nhất N ngày làm việc").
- "trong vòng / trong thời hạn / chậm nhất N ngày làm việc kể từ ngày X" → counted from the day after
  X: the N-th working day after X.
- Working days are those of the reminders (`calendars.workdays.WorkCalendar`: holidays + overrides.yaml).
- The reporting calendar (`calendars/presets`, setting NHACVIEC_REPORTING_CALENDAR) gives recurring dues:
  "theo kỳ báo cáo (CCHC)", "mỗi kỳ báo cáo" → each report's deadline for units; "ngày N (của) tháng
  cuối kỳ báo cáo" → day N of the month each report's data cut-off ends in; "thời hạn (Sở) gửi/nhập
  báo cáo" as an anchor → the organisation's own deadline of each report.
- An anchor that is not understood, or a phrase with "ngày làm việc" that none of these wordings
  covers, is "unknown": never a date stated with confidence from half a phrase.
"""
from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Callable

from calendars.workdays import WorkCalendar

_WD = r"(?P<n>\d{1,2})\s+ngay\s+lam\s+viec"
_AT_LEAST = r"(?:it nhat|toi thieu)"
_BEFORE_AFTER = re.compile(rf"^(?:.*?\b)?(?:{_AT_LEAST}\s+)?{_WD}\s+(?P<dir>truoc|sau)\s+(?P<anchor>.+)$")
_DIR_FIRST = re.compile(rf"^(?:.*?\b)?(?P<dir>truoc|sau)\s+(?P<anchor>.+?)\s+(?:{_AT_LEAST}\s+)?{_WD}\b(?P<rest>.*)$")
_WITHIN = re.compile(rf"^(?:.*?\b)?(?:trong vong|trong thoi han|trong|cham nhat|khong qua|sau)\s+{_WD}\s+"
                     rf"(?:ke tu|tinh tu|sau)\s+(?P<anchor>.+)$")
_REPORTING_EVERY = re.compile(r"^(?:thuc hien\s+|bao cao\s+)?(?:theo|moi|hang|cac|tung)\s+(?:cac\s+)?ky bao cao"
                              r"(?:\s+cchc|\s+cai cach hanh chinh|\s+dinh ky)?$")
_LAST_MONTH = re.compile(r"^(?:.*?\b)?(?:ngay\s+(?P<day>\d{1,2})\s+)?(?:cua\s+)?thang cuoi\s+(?:cua\s+)?"
                         r"(?:moi\s+|cac\s+|tung\s+)?ky bao cao\b(?P<rest>.*)$")
_SO_DEADLINE = re.compile(r"^(?:ngay\s+)?(?:thoi han|han)\s+(?:cua\s+)?(?:so|co quan|don vi)?\s*(?:gui|nhap|nop)?"
                          r"\s*bao cao\b")
_CUTOFF = re.compile(r"^ngay\s+chot\s+so\s+lieu\b")
_TRAILING = re.compile(r"^[\s,;:.]*(?:(?:cchc|cai cach hanh chinh|dinh ky)\b[\s,;:.]*)*$")

Result = tuple[str, tuple[date, ...]]


@cache
def default_work(day_off_rule: str = "before") -> WorkCalendar:
    """The working calendar of the reminders, with NHACVIEC_DAY_OFF_RULE (built once per process and rule)."""
    return WorkCalendar(day_off_rule=day_off_rule)


@cache
def _calendar(name: str):
    from calendars.reporting import load_calendar  # the YAML loader is only needed for such phrases
    return load_calendar(name)


class Context:
    """What relative phrases are read against: working days and the plan's reporting calendar."""

    def __init__(self, year: int, work: WorkCalendar | None = None, reporting: str = "default") -> None:
        self.year, self.work, self.reporting = year, work or default_work(), reporting

    def periods(self):
        return _calendar(self.reporting).periods(self.year, self.work)


def relative_deadline(t: str, ctx: Context, classify: Callable[[str, int], Result]) -> Result | None:
    """The reading of a prepared cell counted from another day; None when it names no such thing."""
    if _REPORTING_EVERY.match(t):
        # As written, unless a shift back would cross the data window (then what both rules give: NĐ 09).
        return "recurring", tuple(ctx.work.past_window(p.deadline_for("default")[0], p.cutoff_end)
                                  for p in ctx.periods())
    last = _LAST_MONTH.match(t)
    if last:
        if not _TRAILING.match(last.group("rest")):
            return "unknown", ()
        day = int(last.group("day") or 0)
        return "recurring", tuple(ctx.work.past_window(_day_of_cutoff_month(p.cutoff_end, day), p.cutoff_end)
                                  for p in ctx.periods())
    if "ngay lam viec" not in t:
        return None
    for pattern, sign in ((_WITHIN, 1), (_BEFORE_AFTER, 0), (_DIR_FIRST, 0)):
        m = pattern.match(t)
        if m and (pattern is not _DIR_FIRST or _TRAILING.match(m.group("rest"))):
            n = int(m.group("n")) * (sign or (-1 if m.group("dir") == "truoc" else 1))
            anchors = _anchor(m.group("anchor").strip(), ctx, classify)
            if anchors is None:  # "kể từ khi nhận được văn bản": counted from an event
                return None if pattern is _WITHIN else ("unknown", ())
            kind, days = anchors
            return (kind, tuple(ctx.work.add_working_days(d, n) for d in days)) if days else ("unknown", ())
    return "unknown", ()


def _anchor(text: str, ctx: Context, classify) -> Result | None:
    """The day(s) a count starts from: a date, or a deadline of every report; None if not a day at all."""
    text = re.sub(r"^(?:ngay\s+)?(?=\d)", "ngay ", text)
    if _SO_DEADLINE.match(text):
        return "recurring", tuple(p.so_effective for p in ctx.periods())  # as the units' own rules count
    if _CUTOFF.match(text):
        return "recurring", tuple(p.cutoff_end for p in ctx.periods())
    kind, dues = classify(text, ctx.year)
    if kind == "date" and len(dues) == 1 or kind == "recurring" and dues:
        return kind, dues
    return None if kind == "event" or not re.search(r"\d", text) else ("unknown", ())


def _day_of_cutoff_month(cutoff_end: date, day: int) -> date:
    """Day `day` of the month a report's data cut-off ends in (its last day when `day` is 0)."""
    from plans.deadline_pieces import day_in_month, month_end
    if day == 0:
        return month_end(cutoff_end.year, cutoff_end.month)
    return day_in_month(cutoff_end.year, cutoff_end.month, day)
