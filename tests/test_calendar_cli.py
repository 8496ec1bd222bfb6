"""`nhacviec calendar`: the year's reporting periods and deadlines, its .ics, and `calendar apply`."""
from __future__ import annotations

import json
from datetime import date

import pytest
from icalendar import Calendar
from sqlmodel import Session, select

from calendars.apply import find_plan
from storage.models import Assignment, StatusChange, Task
from tests.reminders_world import World


@pytest.fixture
def world(engine):
    w = World(engine)
    w.phong = w.unit("VP", name="Văn phòng Sở")
    w.school = w.unit("THPTCVA", kind="truong", name="Trường THPT Chu Văn An")
    w.other = w.unit("CD", kind="khac", name="Công đoàn ngành")
    w.link(w.school)
    return w


def test_year_view_shows_weekend_deadlines_with_the_working_day_they_mean(cli, world):
    world.assign(world.task("Tự đánh giá chỉ số CCHC"), world.phong, date(2026, 6, 20))
    out = cli("calendar", "--year", "2026", "--preset", "hanoi-2026").output
    assert "Báo cáo CCHC quý I (số liệu từ 15/12/2025 đến 14/03/2026)" in out
    assert "Cơ quan gửi lên cấp trên: 15/03/2026 (Chủ nhật) → 13/03/2026" in out
    assert "Trường: 06/03/2026" in out
    assert "20/06/2026 (thứ Bảy) → 19/06/2026  NV 1: Tự đánh giá chỉ số CCHC [VP]" in out


def test_unit_view_and_ics_file(cli, world, tmp_path):
    world.assign(world.task("Niêm yết thủ tục"), world.school, date(2026, 9, 5))
    world.assign(world.task("Không phải của trường"), world.phong, date(2026, 9, 5))
    path = tmp_path / "lich.ics"
    out = cli("calendar", "--year", "2026", "--preset", "hanoi-2026", "--unit", "thptcva", "--ics", str(path)).output
    assert "Hạn của Trường THPT Chu Văn An: 06/03/2026" in out
    assert "05/09/2026 (thứ Bảy) → 04/09/2026  NV 1: Niêm yết thủ tục" in out and "Không phải" not in out
    events = [e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")]
    days = sorted(e.decoded("DTSTART") for e in events)
    assert days == [date(2026, 3, 6), date(2026, 6, 8), date(2026, 9, 4), date(2026, 9, 8), date(2026, 12, 8)]
    assert cli("calendar", "--year", "2026", "--unit", "KHONG").exit_code != 0


def test_apply_creates_the_reporting_plan_once_and_reminders_follow_it(cli, world, engine):
    first = json.loads(cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--json").output)
    assert first["created"] == ["q1", "h1", "q3", "year"] and first["assignments_created"] == 8   # VP + school
    again = json.loads(cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--json").output)
    assert again["unchanged"] and again["plan_id"] == first["plan_id"]
    with Session(engine) as session:
        plan = find_plan(session, year=2026)
        assert plan.title == "Lịch báo cáo CCHC định kỳ năm 2026" and plan.source_name == "calendar:hanoi-2026"
        q1 = session.exec(select(Task).where(Task.plan_id == plan.id, Task.number == "q1")).one()
        dues = {a.unit_id: a.due_on for a in session.exec(select(Assignment).where(Assignment.task_id == q1.id))}
    assert dues == {world.phong.id: date(2026, 3, 6), world.school.id: date(2026, 3, 6)}   # not the "khac" unit
    preview = json.loads(cli("reminders", "preview", "--date", "2026-02-27", "--json").output)
    assert "Báo cáo CCHC quý I 2026 (hạn 06/03/2026, còn 7 ngày)" in preview["chats"][0]["text"]
    assert "Lịch báo cáo CCHC năm 2026 — Sở GDĐT Hà Nội" in cli("calendar", "--year", "2026").output


def test_reapplying_moves_dates_that_were_not_extended(cli, world, engine):
    cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026")
    with Session(engine, expire_on_commit=False) as session:
        rows = list(session.exec(select(Assignment).join(Task).where(Task.number == "h1")))
        moved, extended = rows
        moved.due_on = date(2026, 6, 1)                   # as if the calendar had said so before
        extended.due_on, extended.extensions = date(2026, 6, 30), 1
        session.add_all(rows)
        session.commit()
    report = json.loads(cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--json").output)
    assert report["updated"] == ["h1"]
    assert world.get(Assignment, moved.id).due_on == date(2026, 6, 8)
    assert world.get(Assignment, extended.id).due_on == date(2026, 6, 30)
    with Session(engine) as session:
        change = session.exec(select(StatusChange).where(StatusChange.field == "due_on")).one()
    assert (change.before, change.after) == ("2026-06-01", "2026-06-08")


def test_unknown_preset_is_explained(cli, world):
    result = cli("calendar", "apply", "--preset", "khong-co", "--year", "2026")
    assert result.exit_code != 0 and "Không có lịch báo cáo mẫu «khong-co»" in result.output
