"""`nhacviec reminders preview` and `nhacviec remind`: what officers run to look ahead and to catch up."""
from __future__ import annotations

import json
from datetime import date

import pytest

from storage.models import KeyValue
from tests.fakes import FakeTelegram, refuse_internet
from tests.reminders_world import TOKEN, World

WED = date(2026, 3, 18)


@pytest.fixture
def world(engine):
    w = World(engine)
    unit = w.unit("VP", name="Văn phòng Sở")
    w.link(unit)
    w.assign(w.task("Báo cáo công tác CCHC quý I"), unit, WED)
    w.assign(w.task("Rà soát quy chế"), unit, date(2026, 3, 27))  # 7 working days after 18/03
    return w


@pytest.fixture
def fake():
    with refuse_internet(), FakeTelegram(token=TOKEN) as server:
        yield server


def env_for(fake: FakeTelegram) -> dict:
    return {"NHACVIEC_TELEGRAM_TOKEN": TOKEN, "NHACVIEC_TELEGRAM_API_URL": fake.base_url}


def test_preview_lists_each_chat_message_and_writes_nothing(cli, world):
    result = cli("reminders", "preview", "--date", "2026-03-18", "--json")
    data = json.loads(result.output)
    [chat] = data["chats"]
    assert data["working_day"] and chat["chat_id"] == "1001" and chat["kinds"] == ["d0", "d7"]
    assert "hạn hôm nay 18/03/2026" in chat["text"] and "hạn 27/03/2026, còn 9 ngày" in chat["text"]
    assert world.reminders() == [] and world.get(KeyValue, "reminders.planned_through") is None
    text = cli("reminders", "preview", "--date", "2026-03-18").output
    assert "1 cuộc trò chuyện" in text and "Báo cáo công tác CCHC quý I" in text


def test_preview_of_a_holiday_says_nothing_goes_out(cli, world):
    assert "ngày nghỉ" in cli("reminders", "preview", "--date", "2026-04-30").output
    assert cli("reminders", "preview", "--date", "30/04/2026").exit_code != 0


def test_remind_dry_run_shows_the_message_and_sends_nothing(cli, world, fake):
    result = cli("remind", "--at", "2026-03-18T09:00", "--dry-run", env=env_for(fake))
    assert "Chạy thử" in result.output and "sẽ gửi 1 tin nhắn (2 nhắc việc" in result.output
    assert "hạn hôm nay 18/03/2026" in result.output
    assert fake.sent == [] and world.reminders() == []


def test_remind_delivers_through_telegram_once(cli, world, fake):
    early = cli("remind", "--at", "2026-03-18T07:30", env=env_for(fake))      # naive = Vietnam time
    assert "ngoài giờ làm việc" in early.output and fake.sent == []
    result = cli("remind", "--at", "2026-03-18T01:30:00+00:00", env=env_for(fake))   # 08:30 in Hà Nội
    assert "đã gửi 1 tin nhắn (2 nhắc việc, 0 gửi muộn)" in result.output
    again = json.loads(cli("remind", "--at", "2026-03-18T10:00", "--json", env=env_for(fake)).output)
    assert again["messages"] == 0 and len(fake.sent) == 1
    assert {r.state for r in world.reminders()} == {"sent"}


def test_remind_without_a_channel_keeps_reminders_waiting(cli, world):
    result = cli("remind", "--at", "2026-03-18T09:00")
    assert "Chưa cấu hình kênh nào" in result.output
    assert {r.state for r in world.reminders()} == {"pending"} and len(world.reminders()) == 2
    assert cli("remind", "--at", "hôm nay").exit_code != 0


def test_remind_says_so_when_the_channel_cannot_be_reached(cli, world, fake):
    env = env_for(fake) | {"NHACVIEC_TELEGRAM_TOKEN": "999:WRONG"}
    result = cli("remind", "--at", "2026-03-18T09:00", env=env)
    assert result.exit_code != 0 and "Không kết nối được kênh gửi tin" in result.output
    assert world.reminders() == []          # nothing planned, so the next round still finds it all


def test_remind_waits_out_a_short_429_and_delivers_in_the_same_command(cli, world, fake):
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    result = cli("remind", "--at", "2026-03-18T09:00", "--json", env=env_for(fake))
    data = json.loads(result.output)
    assert (data["sent"], data["deferred"], data["failed"]) == (2, 0, 0)
    assert len(fake.sent) == 1 and "18/03/2026" in fake.sent[0]["text"]
    assert [r.state for r in world.reminders()] == ["sent", "sent"]


@pytest.mark.parametrize(("rule", "day", "kinds", "phrase"), [
    ("before", "2026-01-29", ["d1"], "hạn 30/01/2026, còn 1 ngày; hạn ghi 31/01/2026 là ngày nghỉ"),
    ("after", "2026-01-30", ["d1"], "hạn 02/02/2026, còn 3 ngày; hạn ghi 31/01/2026 là ngày nghỉ"),
])
def test_a_deadline_on_a_day_off_follows_the_configured_rule(cli, engine, rule, day, kinds, phrase):
    w = World(engine)
    unit = w.unit("TCCB")
    w.link(unit)
    w.assign(w.task("Báo cáo tháng 1"), unit, date(2026, 1, 31))  # a Saturday
    env = {"NHACVIEC_DAY_OFF_RULE": rule}
    [chat] = json.loads(cli("reminders", "preview", "--date", day, "--json", env=env).output)["chats"]
    assert chat["kinds"] == kinds and phrase in chat["text"]
    effective_day = {"before": "2026-01-30", "after": "2026-02-02"}[rule]  # "còn 1 ngày" is never on the due day
    [due] = json.loads(cli("reminders", "preview", "--date", effective_day, "--json", env=env).output)["chats"]
    assert due["kinds"] == ["d0"]
