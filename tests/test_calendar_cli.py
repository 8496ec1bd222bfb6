"""`nhacviec calendar`: the year's reporting periods and deadlines, its .ics, and `calendar apply`."""
from __future__ import annotations

import json
from datetime import date

import pytest
from docx import Document
from icalendar import Calendar
from sqlmodel import Session, select

from calendars.apply import find_plan
from storage.models import Assignment, ChatLink, Plan, StatusChange, Task
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
    assert "Cơ quan gửi lên cấp trên: 15/03/2026 (Chủ nhật) → 16/03/2026" in out
    assert "Trường: 09/03/2026" in out
    assert "Đơn vị tổng hợp, gửi báo cáo lên cấp trên: Văn phòng Sở" in out
    assert ("Báo cáo CCHC quý I năm 2026: Văn bản đặt hạn gửi báo cáo 15/03/2026 (Chủ nhật): không còn ngày làm "
            "việc nào sau ngày chốt số liệu 14/03/2026") in out
    assert "Đính chính so với văn bản: Kỳ chốt số liệu báo cáo năm" in out
    assert "Giả định — cần đối chiếu: Kế hoạch không nêu riêng trường học" in out
    assert "20/06/2026 (thứ Bảy) → 19/06/2026  NV 1: Tự đánh giá chỉ số CCHC [VP]" in out


def test_the_day_off_setting_governs_the_calendar_and_the_tasks_alike(cli, world):
    world.assign(world.task("Tự đánh giá chỉ số CCHC"), world.phong, date(2026, 6, 20))
    out = cli("calendar", "--year", "2026", "--preset", "default", env={"NHACVIEC_DAY_OFF_RULE": "after"}).output
    # Saturday 20/06/2026: Monday 22/06 for the report upward and for the task, by the one rule.
    assert "Báo cáo CCHC 6 tháng đầu năm (số liệu từ 15/12/2025 đến 14/06/2026)\n" \
           "  Cơ quan gửi lên cấp trên: 20/06/2026 (thứ Bảy) → 22/06/2026\n" \
           "  Các đơn vị khác: 15/06/2026" in out
    assert "20/06/2026 (thứ Bảy) → 22/06/2026  NV 1: Tự đánh giá chỉ số CCHC [VP]" in out


def test_unit_view_and_ics_file(cli, world, tmp_path):
    world.assign(world.task("Niêm yết thủ tục"), world.school, date(2026, 9, 5))
    world.assign(world.task("Không phải của trường"), world.phong, date(2026, 9, 5))
    path = tmp_path / "lich.ics"
    out = cli("calendar", "--year", "2026", "--preset", "hanoi-2026", "--unit", "thptcva", "--ics", str(path)).output
    assert "Hạn của Trường THPT Chu Văn An: 09/03/2026" in out
    assert "05/09/2026 (thứ Bảy) → 04/09/2026  NV 1: Niêm yết thủ tục" in out and "Không phải" not in out
    events = [e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")]
    days = sorted(e.decoded("DTSTART") for e in events)
    assert days == [date(2026, 3, 9), date(2026, 6, 8), date(2026, 9, 4), date(2026, 9, 8), date(2026, 12, 8)]
    assert cli("calendar", "--year", "2026", "--unit", "KHONG").exit_code != 0


def test_apply_creates_the_reporting_plan_once_and_reminders_follow_it(cli, world, engine):
    first = json.loads(cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--track-from", "2026-01-01", "--json").output)
    assert first["created"] == ["q1", "h1", "q3", "year"] and first["assignments_created"] == 8   # VP + school
    again = json.loads(cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--track-from", "2026-01-01", "--json").output)
    assert again["unchanged"] and again["plan_id"] == first["plan_id"]
    with Session(engine) as session:
        plan = find_plan(session, year=2026)
        assert plan.title == "Lịch báo cáo CCHC định kỳ năm 2026" and plan.source_name == "calendar:hanoi-2026"
        q1 = session.exec(select(Task).where(Task.plan_id == plan.id, Task.number == "q1")).one()
        dues = {a.unit_id: a.due_on for a in session.exec(select(Assignment).where(Assignment.task_id == q1.id))}
    # Văn phòng Sở compiles and owns the deadline upward; the school reports earlier; not the "khac" unit.
    assert dues == {world.phong.id: date(2026, 3, 16), world.school.id: date(2026, 3, 9)}
    assert first["compiler"] == "VP" and any("Giả định — cần đối chiếu" in w for w in first["warnings"])
    preview = json.loads(cli("reminders", "preview", "--date", "2026-02-26", "--json").output)  # d7: 7 working days
    text = preview["chats"][0]["text"]
    assert "Lịch báo cáo: Báo cáo CCHC quý I năm 2026 (hạn 09/03/2026, còn 11 ngày)" in text
    assert "q1" not in text and "NV" not in text
    assert "Lịch báo cáo CCHC năm 2026 — Sở GDĐT Hà Nội" in cli("calendar", "--year", "2026").output


def test_reapplying_moves_dates_that_were_not_extended(cli, world, engine):
    cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--track-from", "2026-01-01")
    with Session(engine, expire_on_commit=False) as session:
        rows = list(session.exec(select(Assignment).join(Task).where(Task.number == "h1")))
        moved, extended = rows
        moved.due_on = date(2026, 6, 1)                   # as if the calendar had said so before
        extended.due_on, extended.extensions = date(2026, 6, 30), 1
        session.add_all(rows)
        session.commit()
    report = json.loads(cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--track-from", "2026-01-01", "--json").output)
    assert report["updated"] == ["h1"]
    assert world.get(Assignment, moved.id).due_on == date(2026, 6, 8)
    assert world.get(Assignment, extended.id).due_on == date(2026, 6, 30)
    with Session(engine) as session:
        change = session.exec(select(StatusChange).where(StatusChange.field == "due_on")).one()
    assert (change.before, change.after) == ("2026-06-01", "2026-06-08")


def test_unknown_preset_is_explained(cli, world):
    result = cli("calendar", "apply", "--preset", "khong-co", "--year", "2026", "--track-from", "2026-01-01")
    assert result.exit_code != 0 and "Không có lịch báo cáo mẫu «khong-co»" in result.output


# Each preset against the dates its seed plan writes (../shared/seeds/), with what the officer must check.
SEED_DATES = [
    ("hanoi-2026", 2026, [
        "Báo cáo CCHC quý I (số liệu từ 15/12/2025 đến 14/03/2026)",       # "từ ngày 15/12/2025 đến ngày 14/3/2026"
        "Báo cáo CCHC 6 tháng đầu năm (số liệu từ 15/12/2025 đến 14/06/2026)",
        "Báo cáo CCHC quý III (số liệu từ 15/06/2026 đến 14/09/2026)",
        "Báo cáo CCHC năm (số liệu từ 15/12/2025 đến 14/12/2026)",         # the plan's typo, corrected and said
        "Cơ quan gửi lên cấp trên: 15/06/2026",                             # "chậm nhất ngày 15 của tháng cuối kỳ"
        "Đính chính so với văn bản",
    ]),
    ("doson-2025", 2025, [
        "Trường: 25/03/2025", "Trường: 25/06/2025", "Trường: 25/09/2025",  # "trước ngày 25 tháng cuối của mỗi quý"
        "Báo cáo CCHC tháng 1 (số liệu từ 15/12/2024 đến 14/01/2025)",      # "nộp báo cáo tháng"
        "Giả định — cần đối chiếu: Hạn Phòng gửi UBND quận",
    ]),
    ("haiphong-2026", 2026, [
        "Báo cáo CCHC 9 tháng đầu năm (số liệu từ 15/12/2025 đến 14/09/2026)",
        "Các đơn vị khác: 10/12/2026",
        "Giả định — cần đối chiếu: Sở gửi Thành phố chậm nhất ngày 15",
    ]),
    ("default", 2026, ["Cơ quan gửi lên cấp trên: 20/06/2026 (thứ Bảy) → 19/06/2026",
                       "Giả định — cần đối chiếu: Các đơn vị nộp trước hạn"]),
]


def test_an_assumed_upward_deadline_is_not_said_to_be_the_documents(cli, world, tmp_path):
    """Hải Phòng's plan names no deadline: its Sunday 15/03 is the preset's, and the warning says so."""
    out = cli("calendar", "--year", "2026", "--preset", "haiphong-2026").output
    assert ("Báo cáo CCHC quý I năm 2026: Hạn gửi báo cáo 15/03/2026 (Chủ nhật) là giả định của lịch, văn bản không "
            "nêu — cần đối chiếu: không còn ngày làm việc nào sau ngày chốt số liệu 14/03/2026, trái Nghị định "
            "09/2019 (Điều 8 khoản 5: ít nhất 01 ngày làm việc). Hệ thống tính hạn là 16/03/2026.") in out
    assert "Văn bản đặt hạn" not in out
    english = cli("--lang", "en", "calendar", "--year", "2026", "--preset", "haiphong-2026").output
    assert "The deadline 15/03/2026 (Sunday) is this calendar's assumption" in english
    bad = tmp_path / "lich.yaml"
    bad.write_text("name: Thử\nso_deadline_assumed: có\nreports:\n  - code: q1\n    name: Báo cáo quý I\n"
                   "    cutoff: {from: \"15/12 năm trước\", to: \"14/3\"}\n    so_deadline: {day: 15}\n",
                   encoding="utf-8")
    refused = cli("calendar", "--year", "2026", "--preset", str(bad))
    assert refused.exit_code != 0 and "mục so_deadline_assumed: giá trị có không hợp lệ (dùng: true, false)" in \
        refused.output


@pytest.mark.parametrize("preset, year, expected", SEED_DATES)
def test_calendar_of_each_preset_shows_the_seed_plans_dates_and_warnings(cli, world, preset, year, expected):
    out = cli("calendar", "--year", str(year), "--preset", preset).output

    for text in expected:
        assert text in out


def test_doson_phong_compiles_after_its_schools_and_gets_monthly_reports(cli, world, engine):
    phong = world.unit("PGDDT", name="Phòng Giáo dục và Đào tạo quận Đồ Sơn")
    result = json.loads(cli("calendar", "apply", "--preset", "doson-2025", "--year", "2025", "--track-from", "2025-01-01", "--json").output)
    assert result["compiler"] == "PGDDT"
    assert result["created"][:2] == ["month:1", "month:2"] and result["created"][-4:] == ["q1", "h1", "q3", "year"]
    with Session(engine) as session:
        rows = session.exec(select(Task.number, Task.title, Assignment.unit_id, Assignment.due_on)
                            .join(Assignment, Assignment.task_id == Task.id)
                            .where(Task.number.in_(["q1", "month:5"]))).all()
    dues = {(number, unit): due for number, _title, unit, due in rows}
    # Schools by Tuesday 25/3; the Phòng two working days later to consolidate (an assumption, printed).
    assert dues[("q1", world.school.id)] == date(2025, 3, 25) and dues[("q1", phong.id)] == date(2025, 3, 27)
    assert dues[("month:5", world.school.id)] == date(2025, 5, 23)   # Sunday 25/5 → Friday 23/5
    assert {title for number, title, *_rest in rows} == {"Báo cáo CCHC quý I năm 2025", "Báo cáo CCHC tháng 5 năm 2025"}


def test_apply_with_an_unknown_compiler_is_refused_and_without_one_it_warns(cli, world, tmp_path):
    assert "Không có đơn vị mã XX" in cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--track-from", "2026-01-01",
                                          "--compiler", "XX").output
    body = (tmp_path / "lich.yaml")
    body.write_text("name: Thử\nreports:\n  - code: q1\n    name: Báo cáo quý I\n"
                    "    cutoff: {from: \"15/12 năm trước\", to: \"14/3\"}\n    so_deadline: {day: 20}\n"
                    "    unit_deadlines: {default: {day: 10}}\n", encoding="utf-8")
    out = json.loads(cli("calendar", "apply", "--preset", str(body), "--year", "2026", "--track-from", "2026-01-01", "--json").output)
    assert out["compiler"] is None and out["warnings"][0].startswith("Chưa xác định đơn vị tổng hợp")


def test_the_compiling_units_view_shows_the_deadline_upward(cli, world):
    out = cli("calendar", "--year", "2026", "--preset", "hanoi-2026", "--unit", "VP").output
    assert "Hạn của Văn phòng Sở: 15/03/2026 (Chủ nhật) → 16/03/2026" in out


def test_applying_mid_year_leaves_past_reports_untracked(cli, world, engine):
    report = json.loads(cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--track-from",
                            "2026-07-01", "--json").output)
    assert report["not_tracked"] == 4  # q1 and h1, for VP and the school
    rows = json.loads(cli("tasks", "--status", "all", "--json").output)
    by_status = {(r["number"], r["unit"]): r["status"] for r in rows}
    assert {n for (n, _u), st in by_status.items() if st == "not_tracked"} == {"q1", "h1"}
    assert {n for (n, _u), st in by_status.items() if st == "open"} == {"q3", "year"}
    preview = json.loads(cli("reminders", "preview", "--date", "2026-03-02", "--json").output)
    assert all("quý I" not in chat["text"] for chat in preview["chats"])  # never reminded, never overdue


def test_applying_again_after_the_calendar_plan_was_removed_makes_a_live_one(cli, world, engine):
    first = json.loads(cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--track-from",
                           "2026-01-01", "--json").output)
    assert cli("plans", "remove", str(first["plan_id"]), "--yes").exit_code == 0
    again = json.loads(cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--track-from",
                           "2026-01-01", "--json").output)
    assert again["plan_id"] != first["plan_id"] and again["assignments_created"] == 8
    with Session(engine) as session:
        assert find_plan(session, year=2026).id == again["plan_id"]
        removed = session.get(Plan, first["plan_id"])
        assert removed.removed   # the removed plan and its history stay as they were
    preview = json.loads(cli("reminders", "preview", "--date", "2026-02-26", "--json").output)
    assert "Báo cáo CCHC quý I năm 2026 (hạn 09/03/2026" in preview["chats"][0]["text"]


@pytest.mark.parametrize("preset, env, code, upward, school", [
    # Hà Nội Q1: Sunday 15/03 after the window closing on Saturday 14/03 → Monday 16/03; schools 5 working days before.
    ("hanoi-2026", {}, "q1", "16/03/2026", "09/03/2026"),
    # Day 20 of June is a Saturday; NHACVIEC_DAY_OFF_RULE=after → Monday 22/06, the units 5 working days before.
    ("default", {"NHACVIEC_DAY_OFF_RULE": "after"}, "h1", "22/06/2026", "15/06/2026"),
])
def test_one_date_in_calendar_reminder_report_and_ics(cli, world, engine, tmp_path, preset, env, code, upward,
                                                      school):
    """What the officer reads in `calendar`, the report and the .ics is the date staff are reminded against."""
    vp_chat = world.link(world.phong).chat_id
    school_chat = next(iter(world_chats(engine, world.school)))
    applied = json.loads(cli("calendar", "apply", "--preset", preset, "--year", "2026", "--track-from",
                             "2026-01-01", "--json", env=env).output)
    title = {"q1": "Báo cáo CCHC quý I năm 2026", "h1": "Báo cáo CCHC 6 tháng đầu năm 2026"}[code]
    for unit, chat, due in (("VP", vp_chat, upward), ("THPTCVA", school_chat, school)):
        ics_path = tmp_path / f"{unit}.ics"
        shown = cli("calendar", "--year", "2026", "--unit", unit, "--ics", str(ics_path), env=env).output
        assert f"{due}  Lịch báo cáo: {title}" in shown
        day = date(int(due[6:]), int(due[3:5]), int(due[:2]))
        events = {e.decoded("DTSTART") for e in Calendar.from_ical(ics_path.read_bytes()).walk("VEVENT")}
        assert day in events
        sent = json.loads(cli("reminders", "preview", "--date", day.isoformat(), "--json", env=env).output)
        text = next(c["text"] for c in sent["chats"] if c["chat_id"] == chat)
        assert f"Lịch báo cáo: {title} (hạn hôm nay {due})" in text   # the due-day reminder
        docx = tmp_path / f"{unit}.docx"
        cli("report", "--from", f"{day:%Y-%m}-01", "--to", day.isoformat(), "--as-of", day.isoformat(), "--plan",
            str(applied["plan_id"]), "--unit", unit, "--docx", str(docx), env=env)
        row = next(r for r in Document(str(docx)).tables[-1].rows if title in r.cells[1].text)
        assert row.cells[3].text == due


def world_chats(engine, unit) -> list[str]:
    with Session(engine) as session:
        return [link.chat_id for link in session.exec(select(ChatLink).where(ChatLink.unit_id == unit.id))]
