"""The Monday summary: officers get the Sở's week, a head their unit's; an empty week sends nothing."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from storage.models import Assignment, MemberRole, Status
from tests.reminders_world import World

MONDAY = date(2026, 3, 9)


@pytest.fixture
def world(engine):
    w = World(engine)
    w.vp, w.tc, w.kh = w.unit("VP", name="Văn phòng Sở"), w.unit("TC"), w.unit("KH")
    w.officer = w.link(w.vp, role=MemberRole.OFFICER)
    w.head_tc = w.link(w.tc, role=MemberRole.HEAD)
    w.head_kh = w.link(w.kh, role=MemberRole.HEAD)
    w.assign(w.task("Rà soát thủ tục"), w.tc, date(2026, 3, 4))             # overdue since last Wednesday
    w.assign(w.task("Cập nhật cổng thông tin"), w.vp, date(2026, 3, 12))   # due this Thursday
    done = w.assign(w.task("Báo cáo tự chấm điểm"), w.tc, date(2026, 3, 20))
    w.update(Assignment, done.id, status=Status.DONE, done_at=datetime(2026, 3, 6, 3, tzinfo=timezone.utc),
             done_on=date(2026, 3, 6))
    w.assign(w.task("Việc cũ"), w.kh, date(2026, 2, 2))                    # overdue long ago: not "newly"
    return w


def chats(cli, day: str) -> dict[str, str]:
    data = json.loads(cli("reminders", "preview", "--date", day, "--json").output)
    return {c["chat_id"]: c["text"] for c in data["chats"]}


def test_monday_summary_for_officers_and_heads(cli, world):
    sent = chats(cli, MONDAY.isoformat())
    officer = sent[world.officer.chat_id]
    assert "📅 Tổng hợp tuần 09/03/2026–15/03/2026" in officer
    assert "⚠️ 1 phân công mới quá hạn (hạn trong tuần trước):" in officer and "[TC] NV 1: Rà soát thủ tục" in officer
    assert "⏳ 1 phân công đến hạn trong tuần này:" in officer and "[VP] NV 2: Cập nhật cổng thông tin" in officer
    assert "✅ 1 phân công hoàn thành tuần trước:" in officer and "Việc cũ" not in officer.split("📅")[1]
    head = sent[world.head_tc.chat_id]
    assert "📅 Tổng hợp tuần" in head and "Rà soát thủ tục" in head and "Cập nhật cổng thông tin" not in head
    # KH's week has nothing new (its task was already overdue): no summary, and no message at all.
    assert "Tổng hợp tuần" not in sent.get(world.head_kh.chat_id, "")


def test_no_summary_on_other_days(cli, world):
    sent = chats(cli, "2026-03-10")
    assert not any("Tổng hợp tuần" in text for text in sent.values())


def test_done_last_week_follows_the_day_the_work_was_done(cli, world):
    """A back-dated "xong hôm thứ Sáu" typed on Monday is last week's; one typed last week for the week before is not."""
    friday = world.assign(world.task("Niêm yết thủ tục"), world.kh, date(2026, 3, 13))
    world.update(Assignment, friday.id, status=Status.DONE, done_on=date(2026, 3, 6),      # Friday of last week,
                 done_at=datetime(2026, 3, 8, 23, 30, tzinfo=timezone.utc))                 # typed Monday 06:30
    earlier = world.assign(world.task("Cập nhật danh mục"), world.kh, date(2026, 3, 20))
    world.update(Assignment, earlier.id, status=Status.DONE, done_on=date(2026, 2, 27),   # the week before,
                 done_at=datetime(2026, 3, 2, 2, tzinfo=timezone.utc))                      # typed last Monday
    head = chats(cli, MONDAY.isoformat())[world.head_kh.chat_id]
    assert "✅ 1 phân công hoàn thành tuần trước:" in head
    assert "[KH] NV 5: Niêm yết thủ tục" in head and "Cập nhật danh mục" not in head


@pytest.mark.parametrize("rule, section, due", [
    ("after", "⏳ 1 phân công đến hạn trong tuần này:", "hạn 09/03/2026"),
    ("before", "⚠️ 1 phân công mới quá hạn (hạn trong tuần trước):", "hạn 06/03/2026"),
])
def test_a_sunday_deadline_on_the_monday_after_follows_the_day_off_rule(cli, engine, rule, section, due):
    w = World(engine)
    tc = w.unit("TC")
    head = w.link(tc, role=MemberRole.HEAD)
    w.assign(w.task("Niêm yết thủ tục"), tc, date(2026, 3, 8))
    data = json.loads(cli("reminders", "preview", "--date", MONDAY.isoformat(), "--json",
                          env={"NHACVIEC_DAY_OFF_RULE": rule}).output)
    text = next(c["text"] for c in data["chats"] if c["chat_id"] == head.chat_id)
    # Sunday 08/03: with "after" it is due this Monday (the reminder says so), with "before" it was due Friday.
    assert section in text and f"Niêm yết thủ tục — {due}" in text.split(section)[1]
