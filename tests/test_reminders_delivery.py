"""Rounds against the fake Bot API: one message per chat, sent once, the right days, and errors handled."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from reminders import store
from reminders.rounds import run_round
from services.status import Actor, move_due
from storage.models import Assignment, ChatLink, MemberRole, MessageRef, ReminderState
from tests.fakes import BLOCKED, UPGRADED
from tests.reminders_world import World, at, sending

WED = date(2026, 3, 18)


@pytest.fixture
def world(engine):
    return World(engine)


def buttons(message: dict) -> list[str]:
    return [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def test_one_message_per_chat_lists_everything_due_with_dates_and_buttons(engine, settings, world):
    unit = world.unit("VP", name="Văn phòng Sở")
    link = world.link(unit)
    other = world.link(world.unit("TCCB"))
    due_today = world.assign(world.task("Báo cáo công tác CCHC quý I"), unit, WED)
    late = world.assign(world.task("Rà soát quy chế làm việc"), unit, date(2026, 3, 17))
    soon = world.assign(world.task("Kiểm tra CCHC tại trường"), unit, date(2026, 3, 27))  # d7: 7 working days
    world.assign(world.task("Không phải hôm nay"), unit, date(2026, 3, 24))
    world.assign(world.task("Của đơn vị khác"), world.get(type(unit), other.unit_id), WED)
    async with sending(engine, settings) as s:
        report = await s.round(at(WED, "08:00"))
        mine = [m for m in s.fake.sent if str(m["chat_id"]) == link.chat_id]
        assert report.tally.messages == 2 and len(mine) == 1
        text = mine[0]["text"]
        assert "Văn phòng Sở" in text and "18/03/2026" in text
        assert "hạn 17/03/2026, quá hạn 1 ngày" in text and "hạn 27/03/2026, còn 9 ngày" in text
        assert text.index("Rà soát quy chế") < text.index("Báo cáo công tác") < text.index("Kiểm tra CCHC")
        assert "Không phải hôm nay" not in text
        assert buttons(mine[0])[:3] == [f"s:{late.id}:done", f"sn:{late.id}:1", f"sn:{late.id}:3"]
        with Session(engine) as session:
            refs = set(session.exec(select(MessageRef.assignment_id).where(MessageRef.chat_id == link.chat_id)))
        assert refs == {due_today.id, late.id, soon.id}
        again = await s.round(at(WED, "08:01"))
        assert again.tally.messages == 0 and len(s.fake.sent) == 2
        restarted = await run_round(engine, s.settings, s.messengers, at(WED, "15:00"), me="otherhost:1:x")
        assert restarted.tally.messages == 0 and len(s.fake.sent) == 2
    assert {r.state for r in world.reminders()} == {ReminderState.SENT}


async def test_nothing_is_sent_outside_working_hours_or_on_days_off(engine, settings, world):
    unit = world.unit("KHTC")
    world.link(unit)
    world.assign(world.task(), unit, WED)
    async with sending(engine, settings) as s:
        for moment in (at(WED, "07:59"), at(WED, "17:00"), at(date(2026, 3, 21), "09:00")):
            report = await s.round(moment)
            assert not report.working
        assert s.fake.sent == [] and world.reminders() == []
        assert (await s.round(at(WED, "16:59"))).tally.messages == 1


async def test_done_stops_and_an_extension_moves_the_reminders(engine, settings, world):
    unit = world.unit("GDTrH")
    link = world.link(unit)
    finished = world.assign(world.task("Sẽ xong"), unit, WED)
    extended = world.assign(world.task("Sẽ gia hạn"), unit, WED)
    async with sending(engine, settings) as s:
        await s.round(at(date(2026, 3, 17), "09:00"))                 # d1 for both
        assert "Sẽ xong" in s.texts()[0] and "Sẽ gia hạn" in s.texts()[0]
        world.done(finished)
        with Session(engine) as session:
            a = session.get(Assignment, extended.id)
            move_due(session, assignment=a, new_due=date(2026, 3, 31), actor=Actor("Cán bộ", "cli"),
                     now=at(WED))
            session.commit()
        for day in (WED, date(2026, 3, 19)):
            await s.round(at(day, "09:00"))
        assert len(s.texts(link.chat_id)) == 1                        # nothing on 18 and 19/3
        await s.round(at(date(2026, 3, 20), "09:00"))                 # d7 of the new date (7 working days)
        await s.round(at(date(2026, 3, 26), "09:00"))                 # d3 of the new date
        texts = s.texts(link.chat_id)
        assert len(texts) == 3 and "Sẽ xong" not in texts[1] + texts[2]
        assert "hạn 31/03/2026, còn 11 ngày" in texts[1] and "hạn 31/03/2026, còn 5 ngày" in texts[2]


async def test_pending_reminder_of_a_task_done_meanwhile_is_skipped_not_sent(engine, settings, world):
    unit = world.unit("PC")
    world.link(unit)
    a = world.assign(world.task(), unit, WED)
    async with sending(engine, settings) as s:
        with Session(engine) as session:          # planned by an earlier round that could not send
            from reminders.rounds import plan_through
            from reminders.workcal import default_calendar
            plan_through(session, today=WED, now=at(WED), work=default_calendar(), settings=s.settings)
            session.commit()
        world.done(a)
        report = await s.round(at(WED, "09:00"))
        assert report.tally.skipped == 1 and s.fake.sent == []
    [row] = world.reminders()
    assert (row.state, row.last_error) == (ReminderState.SKIPPED, "not_open")


async def test_downtime_is_caught_up_in_one_late_message_and_old_days_are_skipped(engine, settings, world):
    unit = world.unit("TT")
    link = world.link(unit)
    world.assign(world.task("Hạn thứ Ba tuần trước"), unit, date(2026, 3, 10))   # d0 10/3, od 11/3: too old
    world.assign(world.task("Hạn thứ Hai"), unit, date(2026, 3, 16))             # d1 Fri 13/3, d0 Mon 16/3, od 17/3
    world.assign(world.task("Hạn thứ Sáu"), unit, date(2026, 3, 20))             # d3 Tue, d1 Thu
    async with sending(engine, settings) as s:
        await s.round(at(date(2026, 3, 6), "09:00"))        # first run: plans 6/3 only; then the bot stops
        before = len(s.texts(link.chat_id))
        report = await s.round(at(date(2026, 3, 19), "10:00"))
        [text] = s.texts(link.chat_id)[before:]
    assert "Gửi muộn do hệ thống tạm dừng" in text and report.tally.messages == 1
    assert "Hạn thứ Ba tuần trước (hạn 10/03/2026, quá hạn 9 ngày)" in text    # today's overdue reminder
    assert "Hạn thứ Hai" in text and "Hạn thứ Sáu" in text
    skipped = {(r.day, r.kind) for r in world.reminders(store_state(ReminderState.SKIPPED))}
    assert skipped >= {(date(2026, 3, 10), "d0"), (date(2026, 3, 11), "od"), (date(2026, 3, 13), "d1")}
    assert max(day for day, _kind in skipped) == date(2026, 3, 13)   # > 3 working days before 19/3
    sent = world.reminders(store_state(ReminderState.SENT))
    assert sorted((r.day, r.kind) for r in sent if r.late) == [
        (date(2026, 3, 16), "d0"), (date(2026, 3, 17), "d3"), (date(2026, 3, 17), "od"), (date(2026, 3, 17), "od")]
    caught_up = {r.message_id for r in sent if r.day >= date(2026, 3, 16)}
    assert report.tally.late == 4 and caught_up == {str(s.fake.sent[-1]["message_id"])}


def store_state(state):
    from storage.models import Reminder
    return Reminder.state == state


async def test_blocked_chat_is_marked_inactive_and_officers_are_told(engine, settings, world):
    office = world.unit("VPSO", name="Văn phòng Sở")
    officer = world.link(office, role=MemberRole.OFFICER)
    unit = world.unit("THPT", name="Trường THPT Chu Văn An")
    link = world.link(unit)
    world.assign(world.task(), unit, WED)
    async with sending(engine, settings) as s:
        s.fake.fail_next("sendMessage", 403, BLOCKED, chat_id=int(link.chat_id))
        report = await s.round(at(WED, "09:00"))
        notices = s.texts(officer.chat_id)
    assert report.tally.failed == 1
    assert world.get(ChatLink, link.id).active is False
    assert world.get(ChatLink, link.id).inactive_reason == "blocked"
    assert any("Trường THPT Chu Văn An" in t and "đã chặn bot" in t for t in notices)
    assert [r.state for r in world.reminders(store_state(ReminderState.FAILED))] == [ReminderState.FAILED]


async def test_429_retry_after_is_obeyed_without_sleeping(engine, settings, world):
    unit = world.unit("GDTX")
    world.link(unit)
    world.assign(world.task(), unit, WED)
    async with sending(engine, settings) as s:
        s.fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
        first = await s.round(at(WED, "09:00:00"))
        assert first.tally.deferred == 1 and s.fake.sent == []
        [row] = world.reminders()
        assert row.state == ReminderState.PENDING and row.next_attempt_at == at(WED, "09:00:07")
        early = await s.round(at(WED, "09:00:05"))
        assert early.tally.messages == 0
        assert [c["status"] for c in s.fake.calls if c["method"] == "sendMessage"] == [429]
        late = await s.round(at(WED, "09:00:08"))
        assert late.tally.messages == 1 and len(s.fake.sent) == 1


async def test_network_errors_are_retried_with_backoff_then_fail(engine, settings, world):
    unit = world.unit("MN")
    world.link(unit)
    world.assign(world.task(), unit, WED)
    async with sending(engine, settings) as s:
        s.fake.fail_next("sendMessage", 502, "Bad Gateway", times=2)
        t0 = at(WED, "09:00")
        await s.round(t0)
        [row] = world.reminders()
        assert (row.state, row.attempts, row.next_attempt_at) == ("pending", 1, t0 + timedelta(seconds=30))
        await s.round(t0 + timedelta(seconds=30))
        assert world.reminders()[0].next_attempt_at == t0 + timedelta(seconds=90)
        await s.round(t0 + timedelta(seconds=90))
        assert world.reminders()[0].state == ReminderState.SENT and len(s.fake.sent) == 1
        strict = s.settings.model_copy(update={"reminder_max_attempts": 1})
        world.assign(world.task("Lần hai"), unit, date(2026, 3, 19))
        s.fake.fail_next("sendMessage", 502, "Bad Gateway")
        report = await run_round(engine, strict, s.messengers, at(date(2026, 3, 19), "09:00"))
        assert report.tally.failed == 2  # the overdue one of yesterday's task and today's d0, one message


async def test_group_upgraded_to_supergroup_gets_the_reminder_at_its_new_id(engine, settings, world):
    unit = world.unit("NV")
    group = world.link(unit, kind="group", chat_id="-42")
    world.assign(world.task(), unit, WED)
    async with sending(engine, settings) as s:
        s.fake.fail_next("sendMessage", 400, UPGRADED, migrate_to_chat_id=-100042, chat_id=-42)
        report = await s.round(at(WED, "09:00"))
        assert report.tally.messages == 1 and [m["chat_id"] for m in s.fake.sent] == [-100042]
    assert world.get(ChatLink, group.id).chat_id == "-100042"


async def test_claims_of_a_dead_sender_are_recovered_and_sent_once(engine, settings, world):
    unit = world.unit("YT")
    world.link(unit)
    world.assign(world.task(), unit, WED)
    async with sending(engine, settings) as s:
        with Session(engine) as session:
            from reminders.rounds import plan_through
            from reminders.workcal import default_calendar
            plan_through(session, today=WED, now=at(WED), work=default_calendar(), settings=s.settings)
            ids = [r.id for r in store.due_rows(session, now=at(WED))]
            store.claim(session, ids=ids, now=at(WED), me=f"{store.HOST}:999999999:dead")
            session.commit()
        report = await s.round(at(WED, "09:00"))
        assert report.recovered == 1 and report.tally.messages == 1
        assert (await s.round(at(WED, "09:01"))).tally.messages == 0


async def test_english_chat_reads_english_dates_stay_dd_mm_yyyy(engine, settings, world):
    unit = world.unit("EN")
    link = world.link(unit, lang="en")
    world.assign(world.task(), unit, WED)
    async with sending(engine, settings) as s:
        await s.round(at(WED, "09:00"))
        [text] = s.texts(link.chat_id)
    assert "18/03/2026" in text


async def test_rows_of_a_channel_this_process_cannot_reach_wait_and_are_skipped_once_too_old(engine, settings,
                                                                                             world):
    unit = world.unit("ZL")
    zalo = world._add(ChatLink(channel="zalo_bot", chat_id="z-1", unit_id=unit.id))
    tg = world.link(unit)
    world.assign(world.task(), unit, WED)
    async with sending(engine, settings) as s:
        await s.round(at(WED, "09:00"))
        assert len(s.texts(tg.chat_id)) == 1
        assert [r.state for r in world.reminders() if r.link_id == zalo.id] == ["pending"]   # for `nhacviec run`
        await s.round(at(date(2026, 3, 24), "09:00"))                     # 4 working days later
    states = {(r.day, r.state, r.last_error) for r in world.reminders() if r.link_id == zalo.id}
    assert (WED, "skipped", "too_old") in states


async def test_a_round_faster_than_telegrams_overall_limit_is_paced_to_it_without_a_single_429(engine, settings,
                                                                                              world):
    """Telegram counts messages in every sliding second; PTB's default bucket lets a burst and a second's drip
    land in one second. Here the fake answers 429 past 12 messages in any second, as Telegram does past ~30."""
    task = world.task("Báo cáo CCHC quý I")
    links = []
    for n in range(40):
        unit = world.unit(f"T{n:02d}", kind="truong", name=f"Trường số {n}")
        links.append(world.link(unit))
        world.assign(task, unit, WED)
    async with sending(engine, settings, telegram_rate_per_second=12, reminder_send_concurrency=4) as s:
        s.fake.rate_limit(per_chat_per_sec=1, global_per_sec=12, group_per_min=20)
        report = await s.round(at(WED, "09:00"))
        assert s.fake.count_429 == 0
        assert report.tally.messages == 40
        assert sorted(str(m["chat_id"]) for m in s.fake.sent) == sorted(link.chat_id for link in links)
    assert {r.state for r in world.reminders()} == {ReminderState.SENT}
