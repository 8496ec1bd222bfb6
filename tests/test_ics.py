"""ICS export: all-day events that round-trip through icalendar with stable UIDs."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from calendars.ics import CalendarEvent, deadline_text, event_uid, period_events, to_ics
from calendars.reporting import load_calendar
from calendars.workdays import WorkCalendar

STAMP = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def work() -> WorkCalendar:
    return WorkCalendar(overrides={})  # the holidays package alone: the list in VN-DOMAIN.md §2.3


def parsed_events(data: bytes) -> list:
    return list(Calendar.from_ical(data).walk("VEVENT"))


def test_events_round_trip_with_dates_and_uids():
    events = [
        CalendarEvent(uid=event_uid("plan-7.task-3", "VP", date(2026, 3, 31)), day=date(2026, 3, 31),
                      summary="Hạn nộp kế hoạch tuyên truyền CCHC", description="Văn phòng Sở chủ trì"),
        CalendarEvent(uid=event_uid("plan-7.task-4", "TCCB", date(2026, 6, 30)), day=date(2026, 6, 30),
                      summary="Hạn rà soát vị trí việc làm"),
    ]

    parsed = parsed_events(to_ics(events, name="Kế hoạch CCHC 2026", stamp=STAMP))

    assert [str(e["UID"]) for e in parsed] == ["plan-7.task-3.vp.20260331@nhacviec",
                                               "plan-7.task-4.tccb.20260630@nhacviec"]
    assert [e.decoded("DTSTART") for e in parsed] == [date(2026, 3, 31), date(2026, 6, 30)]
    assert [e.decoded("DTEND") for e in parsed] == [date(2026, 4, 1), date(2026, 7, 1)]
    assert str(parsed[0]["SUMMARY"]) == "Hạn nộp kế hoạch tuyên truyền CCHC"
    assert str(parsed[0]["DESCRIPTION"]) == "Văn phòng Sở chủ trì"
    assert "DESCRIPTION" not in parsed[1]
    assert parsed[0].decoded("DTSTAMP") == STAMP
    assert not list(Calendar.from_ical(to_ics(events, stamp=STAMP)).walk("VALARM"))


def test_period_events_sit_on_the_effective_day_and_explain_the_shift(work):
    periods = load_calendar("default").periods(2026, work)

    parsed = parsed_events(to_ics(period_events(periods, scope="default", kind="so", work=work), stamp=STAMP))

    assert [e.decoded("DTSTART") for e in parsed] == [
        date(2026, 3, 20), date(2026, 6, 19), date(2026, 9, 18), date(2026, 12, 18)]
    h1 = parsed[1]
    assert str(h1["UID"]) == "default.h1-2026.so.20260620@nhacviec"  # nominal date: stable if holidays change
    assert str(h1["SUMMARY"]) == "Hạn nộp Báo cáo CCHC 6 tháng đầu năm (2026)"
    assert str(h1["DESCRIPTION"]).splitlines() == [
        "Hạn 20/06/2026 (thứ Bảy) → nộp trước 19/06/2026",
        "Số liệu từ 15/12/2025 đến 14/06/2026.",
    ]
    assert str(parsed[0]["DESCRIPTION"]).startswith("Hạn 20/03/2026 (thứ Sáu)\n")


def test_uids_are_stable_across_exports_and_differ_by_unit(work):
    periods = load_calendar("hanoi-2026").periods(2026, work)

    first = to_ics(period_events(periods, scope="hanoi", kind="phong", unit="VP"), stamp=STAMP)
    again = to_ics(period_events(periods, scope="hanoi", kind="phong", unit="VP"),
                   stamp=STAMP + timedelta(days=30))
    other = to_ics(period_events(periods, scope="hanoi", kind="phong", unit="KHTC"), stamp=STAMP)

    uids = [str(e["UID"]) for e in parsed_events(first)]
    assert uids == [str(e["UID"]) for e in parsed_events(again)]
    assert uids[0] == "hanoi.q1-2026.vp.20260309@nhacviec"
    assert not set(uids) & {str(e["UID"]) for e in parsed_events(other)}
    assert [e.decoded("DTSTART") for e in parsed_events(first)] == [
        date(2026, 3, 9), date(2026, 6, 8), date(2026, 9, 8), date(2026, 12, 8)]


def test_alarm_rings_at_eight_the_given_days_before():
    event = CalendarEvent(uid="x@nhacviec", day=date(2026, 6, 19), summary="Hạn nộp báo cáo")

    alarms = list(Calendar.from_ical(to_ics([event], alarm_days_before=1, stamp=STAMP)).walk("VALARM"))

    assert len(alarms) == 1
    assert str(alarms[0]["ACTION"]) == "DISPLAY"
    assert alarms[0].decoded("TRIGGER") == timedelta(hours=-16)  # 08:00 on 18/6


def test_deadline_text(work):
    assert deadline_text(date(2026, 3, 13), date(2026, 3, 13)) == "Hạn 13/03/2026 (thứ Sáu)"
    assert deadline_text(date(2026, 6, 20), date(2026, 6, 22)) == \
        "Hạn 20/06/2026 (thứ Bảy) → nộp chậm nhất 22/06/2026"
    holiday = work.holiday_name(date(2026, 9, 2))
    assert holiday
    assert deadline_text(date(2026, 9, 2), date(2026, 8, 28), work) == \
        f"Hạn 02/09/2026 ({holiday}) → nộp trước 28/08/2026"


def test_event_uid_keeps_only_safe_characters():
    assert event_uid("Kế hoạch 12/2026", "Phòng GDTrH", date(2026, 1, 2)) == \
        "ke-hoach-12-2026.phong-gdtrh.20260102@nhacviec"
