"""Export deadlines as an iCalendar (.ics) file of all-day events."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from calendars.reporting_periods import ReportPeriod
from calendars.workdays import WorkCalendar
from i18n import N_, _, fmt_date

PRODID = "-//nhacviec//Nhac viec CCHC//VI"
UID_DOMAIN = "nhacviec"
WEEKDAYS = (N_("thứ Hai"), N_("thứ Ba"), N_("thứ Tư"), N_("thứ Năm"), N_("thứ Sáu"), N_("thứ Bảy"), N_("Chủ nhật"))
ALARM_HOUR = 8  # alarms ring at 08:00, the start of the office day, not at midnight


@dataclass(frozen=True)
class CalendarEvent:
    """One all-day entry of the exported calendar."""

    uid: str
    day: date
    summary: str
    description: str = ""


def event_uid(scope: str, unit: str, day: date) -> str:
    """A UID stable across exports: same plan/period, unit and (nominal) date give the same UID.

    Pass the date as written, not the shifted one, so a change in the holiday list moves the
    event in the reader's calendar instead of adding a second one.
    """
    parts = [_ascii_slug(part) for part in (scope, unit)]
    return "{}.{}.{:%Y%m%d}@{}".format(*parts, day, UID_DOMAIN)


def _ascii_slug(text: str) -> str:
    # "Phòng GDTrH" → "phong-gdtrh": UIDs stay ASCII so every calendar client matches them.
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = plain.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9_.-]+", "-", plain).strip("-")


def day_label(day: date, work: WorkCalendar | None = None) -> str:
    """What kind of day it is: "thứ Bảy", or the holiday's name when `work` knows it."""
    holiday = work.holiday_name(day) if work is not None else None
    return holiday or _(WEEKDAYS[day.weekday()])


def deadline_text(nominal: date, effective: date, work: WorkCalendar | None = None) -> str:
    """ "Hạn 20/06/2026 (thứ Bảy) → nộp trước 19/06/2026", or just the deadline when no shift."""
    text = _("Hạn {date} ({day})").format(date=fmt_date(nominal), day=day_label(nominal, work))
    if effective < nominal:
        return text + " → " + _("nộp trước {date}").format(date=fmt_date(effective))
    if effective > nominal:
        return text + " → " + _("nộp chậm nhất {date}").format(date=fmt_date(effective))
    return text


def period_events(
    periods: Iterable[ReportPeriod], *, scope: str, kind: str, unit: str = "", work: WorkCalendar | None = None
) -> list[CalendarEvent]:
    """One event per period on the day unit kind `kind` must submit ("so" for the organisation)."""
    events = []
    for period in periods:
        nominal, effective = period.deadline_for(kind)
        cutoff = _("Số liệu từ {start} đến {end}.").format(
            start=fmt_date(period.cutoff_start), end=fmt_date(period.cutoff_end))
        events.append(CalendarEvent(
            uid=event_uid(f"{scope}.{period.key}", unit or kind, nominal),
            day=effective,
            summary=_("Hạn nộp {report} ({year})").format(report=period.name, year=period.year),
            description=deadline_text(nominal, effective, work) + "\n" + cutoff,
        ))
    return events


def to_ics(
    events: Iterable[CalendarEvent], *, name: str = "", alarm_days_before: int | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """The events as an .ics file; with `alarm_days_before`, each rings that many days ahead at 08:00."""
    calendar = Calendar.new(prodid=PRODID, name=name or None)
    stamp = stamp or datetime.now(UTC)
    for item in events:
        event = Event.new(uid=item.uid, start=item.day, end=item.day + timedelta(days=1), stamp=stamp,
                          summary=item.summary, description=item.description or None, transparency="TRANSPARENT")
        if alarm_days_before is not None:
            # The trigger counts from the event's start, 00:00 of its day.
            trigger = timedelta(days=-alarm_days_before, hours=ALARM_HOUR)
            event.add_component(Alarm.new_display(description=item.summary, trigger=trigger))
        calendar.add_component(event)
    return calendar.to_ical()
