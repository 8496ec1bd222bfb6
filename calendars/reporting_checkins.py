"""Check-in days for tasks with no date ("khi có yêu cầu", "thường xuyên")."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from calendars.reporting_rules import clamped
from calendars.workdays import WorkCalendar
from i18n import N_, _

CHECKIN_EVERY = ("monthly", "weekly")
CHECKIN_DAY = ("first_working_day", "last_working_day")

# Question keys a calendar file may name; the reminder sends the translated text.
QUESTIONS = {
    "progress": N_("Nhiệm vụ «{task}» đến nay thực hiện đến đâu? Trả lời: đã xong, đang làm, hoặc có vướng mắc."),
    "events": N_("Trong kỳ vừa qua có phát sinh việc nào thuộc nhiệm vụ «{task}» không? Nếu có, đã xử lý thế nào?"),
}


@dataclass(frozen=True)
class CheckInConfig:
    """How often units are asked about event/continuous tasks.

    Default: monthly, on the first working day of the month, so the answer covers the whole
    month just ended and reaches the Văn phòng before the mid-month report deadlines.
    """

    every: str = "monthly"
    day: str = "first_working_day"
    question: str = "progress"


def question_text(key: str) -> str:
    """The translated check-in question for `key` (the "progress" question when unknown)."""
    return _(QUESTIONS.get(key, QUESTIONS["progress"]))


def checkin_dates(year: int, work: WorkCalendar, *, every: str = "monthly", day: str = "first_working_day") -> list[date]:
    """One working day per month (or week) of `year`; spans without a working day are skipped."""
    if every not in CHECKIN_EVERY:
        raise ValueError(every)
    spans = _months(year) if every == "monthly" else _weeks(year)
    days = []
    for start, end in spans:
        if day == "last_working_day":
            found = work.on_or_before(end)
        else:
            found = start if work.is_working_day(start) else work.next_working_day(start)
        if start <= found <= end:
            days.append(found)
    return days


def _months(year: int) -> list[tuple[date, date]]:
    return [(date(year, m, 1), clamped(year, m, 31)) for m in range(1, 13)]


def _weeks(year: int) -> list[tuple[date, date]]:
    # Monday-to-Sunday weeks, clipped to the year so 1/1 and 31/12 belong to this year's list.
    first, last = date(year, 1, 1), date(year, 12, 31)
    monday = first - timedelta(days=first.weekday())
    spans = []
    while monday <= last:
        spans.append((max(monday, first), min(monday + timedelta(days=6), last)))
        monday += timedelta(days=7)
    return spans
