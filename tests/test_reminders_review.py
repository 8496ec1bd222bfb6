"""Reminders as officers and units meet them through the CLI and the chat: found in an acceptance review."""
from __future__ import annotations

import asyncio
import json
from datetime import date, datetime

import pytest

from storage.models import Assignment, Reminder, ReminderState, Status
from tests.fakes import FakeTelegram, refuse_internet
from tests.reminders_world import TOKEN, World
from tests.zalo_harness import BOT_TOKEN, VN, running_zalo


@pytest.fixture
def fake():
    with refuse_internet(), FakeTelegram(token=TOKEN) as server:
        yield server


def telegram_env(fake: FakeTelegram) -> dict:
    return {"NHACVIEC_TELEGRAM_TOKEN": TOKEN, "NHACVIEC_TELEGRAM_API_URL": fake.base_url}


def remind(cli, at: str, env: dict) -> dict:
    return json.loads(cli("remind", "--at", at, "--json", env=env).output)


def test_catching_up_after_downtime_reports_the_days_it_skipped(cli, engine, fake):
    world = World(engine)
    unit = world.unit("TT")
    world.link(unit)
    world.assign(world.task("Hạn thứ Ba tuần trước"), unit, date(2026, 3, 10))
    world.assign(world.task("Hạn thứ Sáu"), unit, date(2026, 3, 20))
    remind(cli, "2026-03-06T09:00", telegram_env(fake))               # then the bot is off for two weeks
    report = remind(cli, "2026-03-19T10:00", telegram_env(fake))
    skipped = world.reminders(Reminder.state == ReminderState.SKIPPED)
    assert skipped and report["skipped"] == len(skipped) and report["late"] >= 1
    text = cli("remind", "--at", "2026-03-19T10:00", "--dry-run", env=telegram_env(fake)).output
    assert "bỏ qua 0" in text                                          # nothing new to skip the second time


def test_catch_up_as_of_a_moment_before_the_running_bots_own_rounds(cli, engine, fake):
    world = World(engine)
    unit = world.unit("TT")
    world.link(unit)
    world.assign(world.task("Hạn thứ Ba tuần trước"), unit, date(2026, 3, 10))
    world.assign(world.task("Hạn thứ Sáu"), unit, date(2026, 3, 20))
    remind(cli, "2026-11-26T09:00", telegram_env(fake))      # what `nhacviec run` plans on the real day
    remind(cli, "2026-03-06T09:00", telegram_env(fake))
    report = remind(cli, "2026-03-19T10:00", telegram_env(fake))
    [chat] = report["chats"]
    assert report["late"] >= 1 and report["skipped"] >= 1 and "Gửi muộn do hệ thống tạm dừng" in chat["text"]
    assert "Hạn thứ Sáu (hạn 20/03/2026" in chat["text"]                          # its d3 of 17/3, late


def test_check_in_buttons_are_not_crowded_out_by_overdue_tasks(cli, engine):
    world = World(engine)
    unit = world.unit("VP")
    world.link(unit)
    for n in range(6):                        # first overdue reminder on Wed 1/4, the monthly check-in day
        world.assign(world.task(f"Báo cáo số {n}"), unit, date(2026, 3, 31))
    asked = world.assign(world.task("Phát động phong trào thi đua", kind="event"), unit, None)
    [chat] = json.loads(cli("reminders", "preview", "--date", "2026-04-01", "--json").output)["chats"]
    assert "❓ Hỏi tiến độ:" in chat["text"]
    assert [f"s:{asked.id}:done", f"ci:{asked.id}", f"s:{asked.id}:prog"] in chat["buttons"]


async def test_bare_xong_answers_the_reminder_that_remind_just_sent_for_a_past_moment(cli, settings, engine):
    chat = "6ede9afa66b88fe6d6a9"
    async with running_zalo(settings, engine, now=datetime.now(VN)) as h:
        await h.bot_says(chat, h.invite("VP"))
        env = {"NHACVIEC_ZALO_BOT_TOKEN": BOT_TOKEN, "NHACVIEC_ZALO_BOT_API_URL": h.bot.base_url}
        result = await asyncio.to_thread(cli, "remind", "--at", "2026-04-16T09:00", "--json", env=env)
        assert json.loads(result.output)["sent"] == 1                  # one task: NV 6, due 31/01/2026
        await h.bot_says(chat, "xong")
        assert "nhiệm vụ 6 (hạn 30/01) hoàn thành" in h.bot_texts(chat)[-1]
        [done] = h.rows(Assignment, Assignment.status == Status.DONE)
        assert done.due_on == date(2026, 1, 31)


def test_officers_set_the_cadence_of_a_plan_and_of_a_task(cli, engine):
    world = World(engine)
    unit = world.unit("VP")
    world.link(unit)
    first = world.task("Báo cáo quý")
    world.assign(first, unit, date(2026, 3, 30))
    plan = str(world.plan.id)

    def kinds(day: str) -> list[str]:
        chats = json.loads(cli("reminders", "preview", "--date", day, "--json").output)["chats"]
        return chats[0]["kinds"] if chats else []

    # offsets count working days back from Mon 30/3: d7 = 19/3, d10 = 16/3
    assert kinds("2026-03-20") == [] and "7, 3, 1, 0 ngày làm việc (mặc định)" in cli(
        "reminders", "cadence", "--plan", plan).output
    shown = json.loads(cli("reminders", "cadence", "--plan", plan, "--offsets", "10,0", "--json").output)
    assert shown["offsets"] == [10, 0] and shown["offsets_from"] == "plan"
    assert kinds("2026-03-16") == ["d10"] and kinds("2026-03-19") == []          # d7 is no longer sent
    cli("reminders", "cadence", "--plan", plan, "--task", first.number, "--offsets", "7")
    assert kinds("2026-03-16") == [] and kinds("2026-03-19") == ["d7"]
    again = cli("reminders", "cadence", "--plan", plan, "--task", first.number, "--offsets", "default").output
    assert "10, 0 ngày làm việc (theo kế hoạch)" in again
    bad = cli("reminders", "cadence", "--plan", plan, "--offsets", "bảy")
    assert bad.exit_code != 0 and "không hợp lệ" in bad.output
    assert cli("reminders", "cadence", "--plan", "999").exit_code != 0


def test_a_task_can_be_checked_in_weekly(cli, engine):
    world = World(engine)
    unit = world.unit("VP")
    world.link(unit)
    task = world.task("Thường xuyên rà soát TTHC", kind="continuous")
    world.assign(task, unit, None)
    preview = ["reminders", "preview", "--date", "2026-04-13", "--json"]     # a Monday, not the 1st of a month
    assert json.loads(cli(*preview).output)["chats"] == []
    shown = cli("reminders", "cadence", "--plan", str(world.plan.id), "--task", task.number, "--checkin", "weekly")
    assert "hằng tuần (riêng nhiệm vụ)" in shown.output
    [chat] = json.loads(cli(*preview).output)["chats"]
    assert chat["kinds"] == ["ci"]
