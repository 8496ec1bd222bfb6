"""The buttons under a reminder: snooze for this chat, and a check-in's "Báo hạn" that gives a task its date."""
from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlmodel import Session, select

from handlers import reminder_buttons
from handlers.context import Services, Turn
from handlers.messages import Incoming
from handlers.router import handle
from services import people
from storage.models import Assignment, ChatState, ReminderSnooze, StatusChange
from tests.reminders_world import World, at, sending

WED = date(2026, 3, 18)
_updates = itertools.count(1)


@pytest.fixture
def world(engine):
    return World(engine)


def press(link, data: str) -> Incoming:
    return Incoming(channel="telegram", chat_id=link.chat_id, sender_id=link.chat_id, sender_name="Chị Lan",
                    button_data=data, button_message_id="1", update_key=f"tg:{next(_updates)}")


def services(engine, settings, when):
    return Services(engine=engine, settings=settings, clock=lambda: when)


async def test_snooze_three_days_silences_this_chat_only_then_reminds_once(engine, settings, world):
    unit = world.unit("VP")
    lan, group = world.link(unit), world.link(unit, kind="group")
    a = world.assign(world.task("Báo cáo kết quả tự đánh giá"), unit, WED)
    async with sending(engine, settings) as s:
        await s.round(at(WED, "08:00"))                                   # d0 to both chats
        [reply] = await handle(press(lan, f"sn:{a.id}:3"), services(engine, s.settings, at(WED, "09:00")))
        assert "Sẽ nhắc lại nhiệm vụ 1 vào 23/03/2026" in reply.text
        for day in (date(2026, 3, 19), date(2026, 3, 20), date(2026, 3, 23)):
            await s.round(at(day, "08:00"))
        assert len(s.texts(lan.chat_id)) == 2 and len(s.texts(group.chat_id)) == 3   # group: d0, od 19, od 23
        assert "hạn 18/03/2026, quá hạn 5 ngày" in s.texts(lan.chat_id)[-1]
    kinds = {(r.day, r.kind) for r in world.reminders() if r.link_id == lan.id and r.state == "sent"}
    assert kinds == {(WED, "d0"), (date(2026, 3, 23), "snz")}


async def test_snooze_pressed_in_a_chat_that_does_not_follow_the_unit_is_refused(engine, settings, world):
    unit, other = world.unit("A"), world.unit("B")
    outsider = world.link(other)
    a = world.assign(world.task(), unit, WED)
    with Session(engine) as session:     # an officer of another unit's chat: allowed to change, not linked
        people.find_user(session, channel="telegram", external_id=outsider.chat_id).role = "officer"
        session.commit()
    [reply] = await handle(press(outsider, f"sn:{a.id}:1"), services(engine, settings, at(WED)))
    assert "không nhận nhắc việc của Phòng A" in reply.text
    assert world.reminders() == [] and not list(Session(engine).exec(select(ReminderSnooze)))


async def test_check_in_date_button_gives_the_task_a_due_date_and_its_reminders(engine, settings, world):
    unit = world.unit("TCCB")
    link = world.link(unit)
    a = world.assign(world.task("Triển khai theo kế hoạch của Sở Nội vụ", kind="event"), unit, None)
    async with sending(engine, settings) as s:
        await s.round(at(date(2026, 3, 2), "08:00"))                      # first working day: check-in
        [checkin] = s.fake.sent
        assert "thực hiện đến đâu" in checkin["text"]
        assert [b["callback_data"] for b in checkin["reply_markup"]["inline_keyboard"][0]] == [
            f"s:{a.id}:done", f"ci:{a.id}", f"s:{a.id}:prog"]
        svc = services(engine, s.settings, at(date(2026, 3, 2), "09:00"))
        [ask] = await handle(press(link, f"ci:{a.id}"), svc)
        assert [b.data for b in ask.buttons[0]] == [f"cid:{a.id}:2026-03-09", f"cid:{a.id}:2026-03-16",
                                                    f"cid:{a.id}:2026-04-01"]
        [done] = await handle(press(link, f"cid:{a.id}:2026-03-16"), svc)
        assert "Đã ghi hạn nhiệm vụ 1: 16/03/2026" in done.text
        await s.round(at(date(2026, 3, 5), "08:00"))                      # d7 (7 working days) of the new date
        assert "hạn 16/03/2026, còn 11 ngày" in s.fake.sent[-1]["text"]
    assert world.get(Assignment, a.id).due_on == date(2026, 3, 16)
    with Session(engine) as session:
        [change] = session.exec(select(StatusChange).where(StatusChange.field == "due_on"))
        assert (change.before, change.after, change.actor_name) == (None, "2026-03-16", "Chị Lan")


async def test_typed_date_answers_the_check_in_question(engine, settings, world):
    unit = world.unit("KHTC")
    link = world.link(unit)
    a = world.assign(world.task("Thường xuyên cập nhật", kind="continuous"), unit, None)
    svc = services(engine, settings, at(date(2026, 3, 2), "09:00"))
    await handle(press(link, f"ci:{a.id}"), svc)
    with Session(engine, expire_on_commit=False) as session:
        user = people.find_user(session, channel="telegram", external_id=link.chat_id)
        incoming = Incoming(channel="telegram", chat_id=link.chat_id, sender_id=link.chat_id, text="hạn 20/4 ạ")
        turn = Turn(services=svc, session=session, incoming=incoming, user=user)
        assert await reminder_buttons.on_text(turn, incoming.text)
        session.commit()
        assert not list(session.exec(select(ChatState).where(ChatState.kind == "await_due")))
    assert world.get(Assignment, a.id).due_on == date(2026, 4, 20)
    assert "20/04/2026" in turn.out[0].text


def test_typed_dates_are_read_in_the_vietnamese_order():
    today = date(2026, 11, 20)
    assert reminder_buttons.parse_day("ngày 5/1", today) == date(2027, 1, 5)
    assert reminder_buttons.parse_day("25/12/2026", today) == date(2026, 12, 25)
    assert reminder_buttons.parse_day("2026-12-03", today) == date(2026, 12, 3)
    assert reminder_buttons.parse_day("31/2", today) is None and reminder_buttons.parse_day("xong", today) is None
