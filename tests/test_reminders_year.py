"""Reminders over stretches of the year as units and officers receive them, with the day-off rule."""
from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta

import pytest

from storage.models import MemberRole
from tests.reminders_world import World, at, sending


@pytest.fixture
def world(engine):
    return World(engine)


@pytest.mark.parametrize("rule, digest_on_monday", [("after", False), ("before", True)])
def test_officer_digest_follows_the_day_off_rule(engine, settings, world, rule, digest_on_monday):
    # A deadline on Saturday 20/06/2026: with "after" it means Monday 22/06, due that day, not late; the officer's
    # digest must not list the unit as overdue while the unit's reminder says "hạn hôm nay" (as /overdue does).
    office = world.unit("VPSO", name="Văn phòng Sở")
    officer = world.link(office, role=MemberRole.OFFICER)
    school = world.unit("THCS", name="Trường THCS Lê Lợi")
    staff = world.link(school)
    world.assign(world.task("Tự đánh giá chỉ số CCHC"), school, date(2026, 6, 20))

    async def go():
        async with sending(engine, settings.model_copy(update={"day_off_rule": rule})) as s:
            await s.round(at(date(2026, 6, 22)))
            await s.round(at(date(2026, 6, 23)))
            return s.texts(staff.chat_id), s.texts(officer.chat_id)

    unit_texts, officer_texts = asyncio.run(go())
    monday = [t for t in officer_texts if "22/06/2026" in t.splitlines()[0]]
    if digest_on_monday:
        assert "hạn 19/06/2026, quá hạn 3 ngày" in unit_texts[0]
        # the day the unit's reminder names, not the Saturday written
        assert monday and "Trường THCS Lê Lợi: 1 phân công, trễ nhất từ 19/06/2026" in monday[0]
    else:
        assert "hạn hôm nay 22/06/2026" in unit_texts[0]
        assert not [t for t in monday if "quá hạn" in t]
        # late from Tuesday: the digest then names the unit
        tuesday = [t for t in officer_texts if "23/06/2026" in t.splitlines()[0]]
        assert tuesday and "Trường THCS Lê Lợi: 1 phân công, trễ nhất từ 22/06/2026" in tuesday[0]


@pytest.mark.parametrize("rule, due, overdue_says, due_says", [
    # Monday 27/04/2026 is the nghỉ bù of Giỗ Tổ: the week's summary comes on Tuesday 28/04
    ("before", date(2026, 4, 27), "hạn 24/04/2026", None),
    ("after", date(2026, 4, 27), None, "hạn 28/04/2026"),
    # Tết Đinh Mùi: 04–10/02/2027 off, the week's summary comes on Thursday 11/02
    ("before", date(2027, 2, 9), "hạn 03/02/2027", None),
    ("after", date(2027, 2, 9), None, "hạn 11/02/2027"),
])
def test_weekly_summary_after_a_monday_off_puts_a_deadline_where_it_falls(engine, settings, world, rule, due,
                                                                          overdue_says, due_says):
    office = world.unit("VPSO", name="Văn phòng Sở")
    officer = world.link(office, role=MemberRole.OFFICER)
    school = world.unit("THCS", name="Trường THCS Lê Lợi")
    world.link(school)
    world.assign(world.task("Tự đánh giá chỉ số CCHC"), school, due)
    summary_day = date(2026, 4, 28) if due.year == 2026 else date(2027, 2, 11)

    async def go():
        async with sending(engine, settings.model_copy(update={"day_off_rule": rule})) as s:
            await s.round(at(summary_day))
            return s.texts(officer.chat_id)

    text = "\n".join(t for t in asyncio.run(go()) if "Tổng hợp tuần" in t)
    overdue_part, _sep, due_part = text.partition("đến hạn trong tuần này")
    if overdue_says:   # due before the summary's day: late, never "due this week"
        assert "mới quá hạn" in overdue_part and overdue_says in overdue_part
        assert not due_part
    else:              # due on the summary's day
        assert "mới quá hạn" not in text and due_says in due_part


def test_weekly_summary_missed_on_its_day_goes_out_late_once(engine, settings, world):
    # The server was off the whole of Monday 09/03/2026: Tuesday's first round still brings the week's summary,
    # marked late, and only once; the week after comes on its Monday again.
    office = world.unit("VPSO", name="Văn phòng Sở")
    officer = world.link(office, role=MemberRole.OFFICER)
    school = world.unit("THCS", name="Trường THCS Lê Lợi")
    world.link(school)
    world.assign(world.task("Tự đánh giá chỉ số CCHC"), school, date(2026, 3, 12))
    world.assign(world.task("Báo cáo quý I"), school, date(2026, 3, 19))

    async def go():
        async with sending(engine, settings) as s:
            await s.round(at(date(2026, 3, 6)))                       # Friday
            for day in (date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 16)):
                await s.round(at(day))
                await s.round(at(day, "15:00"))
            return s.texts(officer.chat_id)

    weeks = [t for t in asyncio.run(go()) if "Tổng hợp tuần" in t]
    assert len(weeks) == 2
    assert "Gửi muộn" in weeks[0]
    assert "Tổng hợp tuần 09/03/2026–15/03/2026" in weeks[0] and "hạn 12/03/2026" in weeks[0]
    assert "Tổng hợp tuần 16/03/2026–22/03/2026" in weeks[1] and "Gửi muộn" not in weeks[1]


def test_summary_after_a_week_off_covers_the_week_before_it(engine, settings, world):
    # Tết Bính Ngọ: 16–20/02/2026 all off, no summary that week. Monday 23/02's summary must still name what fell
    # due and what was done in the week before Tết (09–13/02), which no summary ever showed as late or done.
    office = world.unit("VPSO", name="Văn phòng Sở")
    officer = world.link(office, role=MemberRole.OFFICER)
    school = world.unit("THCS", name="Trường THCS Lê Lợi")
    world.link(school)
    late = world.assign(world.task("Tự đánh giá chỉ số CCHC"), school, date(2026, 2, 12))
    done = world.assign(world.task("Báo cáo tháng 1"), school, date(2026, 2, 13))
    world.assign(world.task("Rà soát TTHC"), school, date(2026, 2, 25))

    async def go():
        async with sending(engine, settings) as s:
            await s.round(at(date(2026, 2, 9)))
            world.update(type(done), done.id, status="done", done_on=date(2026, 2, 13))
            await s.round(at(date(2026, 2, 23)))
            return s.texts(officer.chat_id)

    weeks = [t for t in asyncio.run(go()) if "Tổng hợp tuần" in t]
    assert len(weeks) == 2 and "Tổng hợp tuần 23/02/2026–01/03/2026" in weeks[1]
    after_tet = weeks[1]
    assert "phân công mới quá hạn (hạn từ 09/02/2026 đến 22/02/2026)" in after_tet
    assert "NV 1: Tự đánh giá chỉ số CCHC — hạn 12/02/2026" in after_tet
    assert "phân công hoàn thành từ 09/02/2026 đến 22/02/2026" in after_tet and "NV 2: Báo cáo tháng 1" in after_tet
    assert late.id


def test_a_revision_moving_a_deadline_keeps_a_later_approved_extension(engine, settings, cli, tmp_path):
    # TCCB was granted NV 21 until 20/06/2026; the revised plan then moves the task's deadline from 30/04 to 31/05.
    # The unit keeps the later day the Sở approved (not reminded as overdue from 01/06); a revision moving the
    # deadline past the extension moves it.
    from services.workspace import SAMPLE_PLAN
    from tests.test_console import chat
    from tests.test_revisions import revise

    chat(engine, settings, ["/viec", "2", "#2 xin gia hạn đến 20/6"], unit="TCCB")
    assert "Đã đồng ý gia hạn nhiệm vụ 21" in chat(engine, settings, ["/giahan", "#1 đồng ý"], officer=True)
    revised = tmp_path / "ke-hoach-dieu-chinh.md"
    for month, due in (("Tháng 5/2026", "hạn 19/06/2026, còn 65 ngày; hạn ghi 20/06/2026"),
                       ("Tháng 7/2026", "hạn 31/07/2026")):
        revised.write_text(revise(SAMPLE_PLAN.read_text(encoding="utf-8"), deadlines={"21": month}), encoding="utf-8")
        assert cli("import", str(revised), "--year", "2026").exit_code == 0
        listed = chat(engine, settings, ["/viec"], unit="TCCB")
        assert re.search(r"NV 21: Triển khai thực hiện Nghị quyết[^\n]*\(" + due, listed), listed


async def test_a_telegram_chat_that_blocked_the_bot_and_writes_again_is_reminded_again(settings, engine):
    # A unit's officer blocked the bot (its link closed, officers told), then unblocked it and wrote /viec:
    # the chat is reachable again, so its reminders must resume, as on Zalo.
    from tests.telegram_harness import running_bot
    from tests.test_telegram_e2e import OFFICER, STAFF, join, texts_to
    from tests.test_telegram_events import member_update
    from storage.models import ChatLink

    async with running_bot(settings, engine) as h:
        await join(h, OFFICER, "VP", role="officer")
        await join(h, STAFF, "TCCB")
        h.fake.push_raw(member_update(STAFF, "private", "kicked"))
        await h.fake.wait_for_async(lambda: any("đã chặn bot" in t for t in texts_to(h.fake, OFFICER)))
        h.fake.push_raw(member_update(STAFF, "private", "member"))
        before = len(texts_to(h.fake, STAFF))
        h.fake.push_message(STAFF, STAFF, "/viec")
        await h.fake.wait_for_async(lambda: len(texts_to(h.fake, STAFF)) > before)
        [link] = h.rows(ChatLink, ChatLink.chat_id == str(STAFF))
        assert link.active and link.inactive_reason is None


async def test_a_due_date_given_on_a_holiday_is_confirmed_with_the_day_reminders_use(engine, settings, world):
    # "📅 Báo hạn" answered with 30/4 (Ngày Chiến thắng): the unit is told the day the reminders will name,
    # not only the holiday it typed.
    from handlers import reminder_buttons
    from handlers.context import Services, Turn
    from handlers.messages import Incoming
    from handlers.router import handle
    from services import people

    unit = world.unit("KHTC")
    link = world.link(unit)
    a = world.assign(world.task("Thường xuyên cập nhật", kind="continuous"), unit, None)
    svc = Services(engine=engine, settings=settings, clock=lambda: at(date(2026, 4, 1), "09:00"))
    await handle(Incoming(channel="telegram", chat_id=link.chat_id, sender_id=link.chat_id, sender_name="Chị Lan",
                          button_data=f"ci:{a.id}", button_message_id="1", update_key="tg:1"), svc)
    from sqlmodel import Session
    with Session(engine, expire_on_commit=False) as session:
        user = people.find_user(session, channel="telegram", external_id=link.chat_id)
        incoming = Incoming(channel="telegram", chat_id=link.chat_id, sender_id=link.chat_id, text="30/4")
        turn = Turn(services=svc, session=session, incoming=incoming, user=user)
        assert await reminder_buttons.on_text(turn, incoming.text)
        session.commit()
    said = turn.out[0].text
    assert "30/04/2026" in said and "29/04/2026" in said, said

    async def reminded():
        async with sending(engine, settings) as s:
            await s.round(at(date(2026, 4, 28)))
            return s.texts(link.chat_id)

    assert "hạn 29/04/2026, còn 1 ngày; hạn ghi 30/04/2026 là ngày nghỉ" in (await reminded())[0]


@pytest.mark.parametrize("rule, due, listed_on, said", [
    # Quốc khánh 2026: 29/08–02/09 off. "before": a 02/09 deadline means Friday 28/08, due the week of 24/08
    ("before", date(2026, 9, 2), date(2026, 8, 24), "hạn 28/08/2026"),
    # "after": a Saturday 29/08 deadline means Thursday 03/09, due the week of 31/08 (summary on Thu 03/09)
    ("after", date(2026, 8, 29), date(2026, 9, 3), "hạn 03/09/2026"),
])
def test_due_this_week_is_the_week_the_deadline_falls_due(engine, settings, world, rule, due, listed_on, said):
    office = world.unit("VPSO", name="Văn phòng Sở")
    officer = world.link(office, role=MemberRole.OFFICER)
    school = world.unit("THCS", name="Trường THCS Lê Lợi")
    world.link(school)
    world.assign(world.task("Báo cáo sơ kết"), school, due)

    async def go():
        async with sending(engine, settings.model_copy(update={"day_off_rule": rule})) as s:
            for day in (date(2026, 8, 24), date(2026, 9, 3)):
                await s.round(at(day))
            return s.texts(officer.chat_id)

    weeks = {}
    for text in asyncio.run(go()):
        if "Tổng hợp tuần" in text:
            day = "24/08/2026" if "Tổng hợp tuần 24/08/2026" in text else "03/09/2026"
            weeks[day] = text.partition("đến hạn trong tuần này")[2]
    assert said in weeks.get(listed_on.strftime("%d/%m/%Y"), "")
    assert not [d for d, part in weeks.items() if d != listed_on.strftime("%d/%m/%Y") and said in part]


def test_a_sunday_deadline_due_monday_by_after_is_newly_overdue_the_week_after(engine, settings, world):
    # "after": Sunday 16/08/2026 means Monday 17/08; late from Tuesday. The week of 17/08 lists it as due, the
    # summary of 24/08 as newly overdue: every deadline shows once in each list, none falls between two summaries.
    office = world.unit("VPSO", name="Văn phòng Sở")
    officer = world.link(office, role=MemberRole.OFFICER)
    school = world.unit("THCS", name="Trường THCS Lê Lợi")
    world.link(school)
    world.assign(world.task("Báo cáo sơ kết"), school, date(2026, 8, 16))

    async def go():
        async with sending(engine, settings.model_copy(update={"day_off_rule": "after"})) as s:
            for day in (date(2026, 8, 10), date(2026, 8, 17), date(2026, 8, 24)):
                await s.round(at(day))
            return [t for t in s.texts(officer.chat_id) if "Tổng hợp tuần" in t]

    weeks = asyncio.run(go())
    assert len(weeks) == 2
    assert "Tổng hợp tuần 17/08/2026" in weeks[0] and "đến hạn trong tuần này:\n• [THCS] NV 1" in weeks[0]
    assert "Tổng hợp tuần 24/08/2026" in weeks[1] and "mới quá hạn (hạn trong tuần trước):\n• [THCS] NV 1" in weeks[1]
    assert "hạn 17/08/2026" in weeks[1]


@pytest.mark.parametrize("rule", ["before", "after"])
def test_over_a_year_every_deadline_is_due_in_one_summary_and_newly_overdue_in_one(engine, world, rule):
    # A deadline on every day from 20/01/2026 to 28/02/2027 (Tết Bính Ngọ and Đinh Mùi, 30/4–1/5, 2/9, make-up days):
    # each is listed once as due (in the week it falls due, by the rule) and once as newly overdue, never early.
    from sqlmodel import Session

    from calendars.workdays import WorkCalendar
    from reminders.weekly import is_weekly_day, week_start, week_summary

    work = WorkCalendar(day_off_rule=rule)
    unit = world.unit("THCS")
    task = world.task()
    dues, day = {}, date(2026, 1, 20)
    while day <= date(2027, 2, 28):
        dues[world.assign(task, unit, day).id] = day
        day += timedelta(days=1)
    due_in, overdue_in = {}, {}
    with Session(engine) as session:
        day = date(2026, 1, 5)
        while day <= date(2027, 3, 31):
            if is_weekly_day(day, work):
                summary = week_summary(session, day=day, roles=("lead",), work=work)
                for v in summary.due_this_week:
                    due_in.setdefault(v.id, []).append(day)
                for v in summary.newly_overdue:
                    overdue_in.setdefault(v.id, []).append(day)
            day += timedelta(days=1)
    for aid, due in dues.items():
        [listed] = due_in[aid]
        [late] = overdue_in[aid]
        assert week_start(listed) == week_start(work.effective(due)) and listed <= work.met_by(due) < late, due
