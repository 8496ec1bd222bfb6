"""Staff answering a reporting-calendar reminder read the period's Vietnamese name, never its code ("q1")."""
from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, select

from reminders.compose import ChatMessage, render
from reminders.workcal import default_calendar
from services.queries import AssignmentView
from storage.models import Assignment, Task, Unit
from tests.reminders_world import World
from tests.test_console import chat


def test_staff_answers_about_a_report_period_without_codes(cli, engine, settings):
    chat(engine, settings, ["/quit"])   # the sample workspace: Hà Nội units and plan
    cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--track-from", "2026-01-01")
    listing = chat(engine, settings, ["/viec"], unit="THPT-CVA")
    choice = re.search(r"(\d+)\. Mở Báo cáo CCHC quý I năm 2026|(\d+)\. Mở [^\n]*quý I", listing)
    assert choice, listing
    out = chat(engine, settings, ["/viec", choice.group(1) or choice.group(2), "đang làm", "xin gia hạn đến 30/4",
                                  "xong", "/undo", "ok"], unit="THPT-CVA")
    assert "📌 Báo cáo CCHC quý I năm 2026" in out
    assert "Đã ghi nhận: nhiệm vụ «Báo cáo CCHC quý I năm 2026» đang thực hiện" in out
    assert "Đã ghi nhận: nhiệm vụ «Báo cáo CCHC quý I năm 2026» hoàn thành" in out
    assert "Đã gửi đề nghị gia hạn nhiệm vụ «Báo cáo CCHC quý I năm 2026» đến 30/04/2026" in out
    assert "Đã hoàn tác. Nhiệm vụ «Báo cáo CCHC quý I năm 2026» trở lại" in out
    assert not re.search(r"\b(q1|h1|q3|NV q|nhiệm vụ q)", listing + out), listing + out


def test_the_zalo_template_names_the_period_and_the_day_the_text_names(cli, engine):
    """Past Zalo's 7-day window a reminder goes as a template: the same name and date as the text, no code."""
    world = World(engine)
    world.unit("VP", name="Văn phòng Sở")
    cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--track-from", "2026-01-01")
    with Session(engine) as s:
        a, t, u = s.exec(select(Assignment, Task, Unit).join(Task).join(Unit)
                         .where(Task.number == "q1", Unit.code == "VP")).one()
        message = ChatMessage(channel="zalo_oa", chat_id="1", lang="vi", units=["Văn phòng Sở"])
        message.add(AssignmentView(a, t, u), "d0")
        out = render(message, today=date(2026, 3, 16), work=default_calendar())
    assert out.fields["task"] == "Báo cáo CCHC quý I năm 2026" and out.fields["due_date"] == "16/03/2026"
    assert "q1" not in out.fields["code"] and "16/03/2026" in out.text


CODES = re.compile(r"\b(NV q\w*|NV h1|NV m9|NV year|nhiệm vụ (q\d|h1|m9|year)\b|q1\.|h1\.|year\.)")


def test_officers_read_a_report_period_by_its_name(cli, engine, settings):
    """The extension card, /giahan, /find, /status, /tasks and /overdue name «Báo cáo CCHC quý I năm 2026»."""
    chat(engine, settings, ["/quit"], unit=None, officer=True)   # the officer's chat: cards reach it
    cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--track-from", "2026-01-01")
    staff = chat(engine, settings, ["/viec", "1", "xin gia hạn đến 30/4"], unit="THPT-CVA")
    assert ("(gửi tới officer-VP) 📅 Trường THPT Chu Văn An xin gia hạn nhiệm vụ «Báo cáo CCHC quý I năm 2026»\n"
            "Hạn hiện tại: 09/03/2026") in staff
    out = chat(engine, settings, ["/giahan", "/find quý I", "/status q1", "/tasks THPT-CVA", "/overdue THPT-CVA"],
               unit=None, officer=True)
    giahan, find, status, tasks, overdue = out.split("\n> ")[1:6]
    assert "Trường THPT Chu Văn An xin gia hạn nhiệm vụ «Báo cáo CCHC quý I năm 2026»\nHạn hiện tại" in giahan
    assert "Lịch báo cáo: Báo cáo CCHC quý I năm 2026 — chủ trì: " in find
    assert "] Tình hình nhiệm vụ «Báo cáo CCHC quý I năm 2026»:\nChưa thực hiện: 27\n" in status
    assert "[THPT-CVA] Lịch báo cáo: Báo cáo CCHC quý I năm 2026 (hạn 09/03/2026" in tasks
    assert "• Lịch báo cáo: Báo cáo CCHC quý I năm 2026 — hạn 09/03/2026" in overdue
    assert not CODES.search(staff + out), staff + out
    listing = cli("tasks", "--unit", "THPT-CVA").output
    assert "[THPT-CVA] Lịch báo cáo. Báo cáo CCHC quý I năm 2026 — 09/03/2026 — Chưa thực hiện" in listing
    assert "[THPT-CVA] 1. Triển khai công tác CCHC năm 2026 của Ngành — 31/03/2026" in listing
    assert not CODES.search(listing), listing
