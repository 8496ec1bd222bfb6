"""When a task is reminded: days before its due date, the due day, then every few working days late.

Plain dates and a WorkCalendar in, plain answers out; no database here.

Every offset counts working days from the effective due day (`WorkCalendar.effective`: a deadline
on a day off is due on the working day before it, or after it, by NHACVIEC_DAY_OFF_RULE): "k days
before" is the k-th working day before it, "0" the effective due day, and lateness is counted from
it too. So a deadline on Saturday 31/01 is due Friday 30/01, "còn 1 ngày" comes on Thursday 29/01.
Read the other way round, working day T carries the k-day reminder of every task whose effective
due day is the k-th working day after T: a window of consecutive due dates planning asks the
database for.
"""
from __future__ import annotations

from datetime import date, timedelta

from calendars.workdays import WorkCalendar

DEFAULT_OFFSETS = (7, 3, 1, 0)
OVERDUE = "od"
CHECKIN = "ci"
SNOOZED = "snz"
DIGEST = "digest"
WEEKLY = "week"       # the Monday summary (officers: the Sở; heads: their unit)
MAX_OFFSET = 60


def parse_offsets(text: str | None) -> tuple[int, ...] | None:
    """ "7,3,1,0" → (7, 3, 1, 0); None when empty or not a list of whole days 0–60."""
    if not text or not text.strip():
        return None
    try:
        values = {int(part) for part in text.replace(";", ",").split(",") if part.strip()}
    except ValueError:
        return None
    if not values or any(v < 0 or v > MAX_OFFSET for v in values):
        return None
    return tuple(sorted(values, reverse=True))


def offset_kind(k: int) -> str:
    """The kind stored for a k-days-before reminder: d7, d3, d1 (last working day before), d0."""
    return f"d{k}"


def kind_offset(kind: str) -> int | None:
    """k of a 'dk' kind, None for other kinds."""
    return int(kind[1:]) if kind.startswith("d") and kind[1:].isdigit() else None


def offset_window(day: date, k: int, work: WorkCalendar) -> tuple[date, date]:
    """Due dates [start, end) whose k-day reminder falls on working day `day` (empty on a day off)."""
    if not work.is_working_day(day):
        return day, day
    target = work.add_working_days(day, k)  # the effective due day k working days ahead
    if work.day_off_rule == "before":  # it, and the days off after it that fall back on it
        return target, work.next_working_day(target)
    return work.add_working_days(target, -1) + timedelta(days=1), target + timedelta(days=1)


def offset_applies(due: date, day: date, k: int, work: WorkCalendar) -> bool:
    """True when the k-day reminder of a task due on `due` belongs on `day`."""
    start, end = offset_window(day, k, work)
    return start <= due < end


def overdue_ordinal(due: date, day: date, work: WorkCalendar, every: int) -> int | None:
    """Which overdue reminder `day` carries (1 = the first), or None when it carries none."""
    late = work.working_days_between(work.effective(due), day)
    return _ordinal(late, every)


def _ordinal(late: int, every: int) -> int | None:
    every = max(1, every)
    if late < 1 or (late - 1) % every:
        return None
    return (late - 1) // every + 1


def overdue_dates(day: date, dues: list[date], work: WorkCalendar, every: int) -> dict[date, int]:
    """Of these past due dates, those whose overdue reminder falls on `day`, with its ordinal.

    One backward walk from `day` counts working days, so a year of distinct due dates costs a
    year of calendar look-ups, not a year per date.
    """
    effective: dict[date, list[date]] = {}
    for due in {d for d in dues if d < day}:
        effective.setdefault(work.effective(due), []).append(due)
    found: dict[date, int] = {}
    late, cursor = 0, day
    for when in sorted((e for e in effective if e < day), reverse=True):
        while cursor > when:
            late += work.is_working_day(cursor)
            cursor -= timedelta(days=1)
        ordinal = _ordinal(late, every)
        if ordinal is not None:
            found.update(dict.fromkeys(effective[when], ordinal))
    return found


def still_due(kind: str, due: date | None, day: date, work: WorkCalendar, every: int) -> bool:
    """Does an assignment now due on `due` still deserve a `kind` reminder on `day`?

    Checked again just before sending: an approved extension moves the due date, and the
    reminders planned for the old one must then stay silent.
    """
    k = kind_offset(kind)
    if k is not None:
        return due is not None and offset_applies(due, day, k, work)
    if kind == OVERDUE:
        return due is not None and overdue_ordinal(due, day, work, every) is not None
    if kind == CHECKIN:
        return due is None
    return kind == SNOOZED
