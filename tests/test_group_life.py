"""A unit's group chat used as a unit uses it: linked with a code, answered by several members, re-used."""
from __future__ import annotations

from storage.models import Assignment, ChatLink, StatusChange, Unit
from tests.fakes.zalo_api import bot_text_update
from tests.zalo_harness import running_zalo

TED, HOA, OFFICER = "6ede9afa66b88fe6d6a9", "7a1b2c3d4e5f60718293", "1122334455667788aabb"
GROUP = "g-8a1b2c3d4e5f"


def in_group(h, who: str, text: str, name: str = "Ted"):
    return h.post_bot(bot_text_update(GROUP, text, user_id=who, name=name, chat_type="GROUP"))


def unit_of(h, assignment_id: int) -> str:
    [a] = h.rows(Assignment, Assignment.id == assignment_id)
    [u] = h.rows(Unit, Unit.id == a.unit_id)
    return u.code


async def test_a_group_given_another_units_code_answers_for_one_unit_only(settings, engine):
    """TCCB's group is later given Văn phòng's code. The group then belongs to one unit, VP: its answers close
    VP's tasks, TCCB's reminders stop going there, and the group and the officers are told so (never two units
    in one group, with answers going to whichever the database returns first)."""
    async with running_zalo(settings, engine) as h:
        await h.bot_says(OFFICER, h.invite("VP", role="officer"), name="Cán bộ CCHC")
        await in_group(h, HOA, h.invite("TCCB"), name="Hoa")
        await in_group(h, TED, "/start " + h.invite("VP"))
        moved = h.bot_texts(GROUP)[-1]
        assert "Văn phòng Sở" in moved and "Phòng Tổ chức cán bộ" in moved
        links = h.rows(ChatLink, ChatLink.chat_id == GROUP, ChatLink.active == True)  # noqa: E712
        assert [link.unit_id for link in links] == [h.rows(Unit, Unit.code == "VP")[0].id]
        notice = h.bot_texts(OFFICER)[-1]
        assert "Phòng Tổ chức cán bộ" in notice and "Zalo" in notice

        await in_group(h, TED, "NV 6 xong")
        await in_group(h, TED, "1")
        [change] = h.rows(StatusChange, StatusChange.field == "status")
        assert unit_of(h, change.assignment_id) == "VP" and change.actor_name == "Ted"


async def test_a_button_under_a_list_sent_before_the_group_became_a_supergroup_still_answers_for_the_unit(
        settings, engine):
    """Văn phòng's Telegram group is upgraded to a supergroup (its id changes). The list the bot sent before is
    still in the chat's history; a member presses "✅ Hoàn thành NV 1" under it: the task is done, recorded under
    her name, and she is not told she has not joined."""
    from tests.telegram_harness import running_bot
    from tests.test_telegram_e2e import STAFF, texts_to

    old, new = -500, -1001234567890
    async with running_bot(settings, engine) as h:
        h.fake.push_message(old, STAFF, f"/start@nhacviec_bot {h.invite('VP')}", chat_type="group", title="Nhóm VP",
                            first_name="Lan")
        h.fake.push_message(old, STAFF, "/viec", chat_type="group", title="Nhóm VP", first_name="Lan")
        [_linked, listing] = await h.fake.wait_for_sent_async(2)
        h.fake.push_raw({"message": {**h.fake.build_message(old, STAFF, "", chat_type="group", title="Nhóm VP"),
                                     "migrate_to_chat_id": new}})
        await h.fake.wait_for_async(lambda: h.rows(ChatLink)[0].chat_id == str(new))

        labels = {b["text"]: b["callback_data"] for row in listing["reply_markup"]["inline_keyboard"] for b in row}
        h.fake.push_callback(old, STAFF, labels["✅ Hoàn thành NV 1"], listing["message_id"], first_name="Lan")
        await h.fake.wait_for_async(lambda: len(h.fake.sent) > 2)
        answer = texts_to(h.fake, old)[-1]
        assert "chưa được liên kết" not in answer and "nhiệm vụ 1 hoàn thành" in answer
        [change] = h.rows(StatusChange, StatusChange.field == "status")
        assert (change.after, change.actor_name, unit_of(h, change.assignment_id)) == ("done", "Lan", "VP")


async def test_an_officer_answering_in_a_units_group_answers_for_that_unit(settings, engine):
    """The CCHC officer (of Văn phòng Sở) is in TCCB's group and writes "NV 4 xong" there. The group reads "✅ Đã
    ghi nhận: nhiệm vụ 4 hoàn thành" as its own NV 4: that is the one recorded, not Văn phòng's NV 4. Her /viec
    there lists TCCB's tasks; her commands still see every unit."""
    async with running_zalo(settings, engine) as h:
        await h.bot_says(OFFICER, h.invite("VP", role="officer"), name="Lan")
        await in_group(h, HOA, h.invite("TCCB"), name="Hoa")
        await in_group(h, OFFICER, "NV 4 xong", name="Lan")
        assert h.bot_texts(GROUP)[-1].startswith("✅ Đã ghi nhận: nhiệm vụ 4 hoàn thành.")
        [change] = h.rows(StatusChange, StatusChange.field == "status")
        assert (change.after, change.actor_name, unit_of(h, change.assignment_id)) == ("done", "Lan", "TCCB")

        await in_group(h, OFFICER, "NV 21 đang làm", name="Lan")
        assert h.bot_texts(GROUP)[-1].startswith("⏳ Đã ghi nhận: nhiệm vụ 21 đang thực hiện.")
        await in_group(h, OFFICER, "/viec", name="Lan")
        assert "NV 23:" in h.bot_texts(GROUP)[-1] and "NV 6:" not in h.bot_texts(GROUP)[-1]
        before = len(h.bot_texts(GROUP))
        await in_group(h, OFFICER, "/status VP", name="Lan")
        assert h.bot_texts(GROUP)[before].startswith("Tình hình của Văn phòng Sở")
        assert [unit_of(h, c.assignment_id) for c in h.rows(StatusChange, StatusChange.field == "status")] == [
            "TCCB", "TCCB"]


async def test_the_numbers_of_a_reminder_sent_to_a_zalo_group_answer_it_for_any_member(settings, engine):
    """The 28/04 reminder reaches TCCB's Zalo group with "Trả lời bằng số: 1. ✅ NV 4 …". Ted, who never talked to
    the bot, answers "1": NV 4 is done under his name (it was met with silence). Hoa had asked the bot something
    of her own later: her "1" answers her question, never the reminder."""
    from datetime import datetime, timedelta
    from tests.zalo_harness import VN

    async with running_zalo(settings, engine, now=datetime(2026, 4, 28, 8, 0, tzinfo=VN)) as h:
        await in_group(h, HOA, h.invite("TCCB"), name="Hoa")
        h.clock.now += timedelta(hours=1)
        await h.remind()
        reminder = h.bot_texts(GROUP)[-1]
        assert reminder.startswith("🔔 Nhắc việc ngày 28/04/2026") and "1. ✅ NV 4" in reminder
        h.clock.now += timedelta(minutes=5)
        await in_group(h, HOA, "/viec", name="Hoa")
        h.clock.now += timedelta(minutes=5)

        await in_group(h, TED, "1")
        assert h.bot_texts(GROUP)[-1].startswith("✅ Đã ghi nhận: nhiệm vụ 4 hoàn thành.")
        [change] = h.rows(StatusChange, StatusChange.field == "status")
        assert (change.after, change.actor_name, unit_of(h, change.assignment_id)) == ("done", "Ted", "TCCB")

        await in_group(h, HOA, "2", name="Hoa")             # the 2nd line of her /viec: a card, not "⏰ 1 ngày"
        assert h.bot_texts(GROUP)[-1].startswith("📌 Nhiệm vụ 21:")


async def test_a_member_of_another_unit_answering_in_a_units_group_is_told_whose_task_was_recorded(settings, engine):
    """Ted belongs to Văn phòng Sở (his own link) and sits in TCCB's group. His "NV 4 xong" there is Văn phòng's
    NV 4, as the README says; the confirmation the whole group reads names Văn phòng Sở, so TCCB does not take
    its own NV 4 (still open) for done."""
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("VP"))
        await in_group(h, HOA, h.invite("TCCB"), name="Hoa")
        await in_group(h, TED, "NV 4 xong")
        answer = h.bot_texts(GROUP)[-1]
        assert answer.startswith("✅ Đã ghi nhận: nhiệm vụ 4 hoàn thành.") and "Văn phòng Sở" in answer
        [change] = h.rows(StatusChange, StatusChange.field == "status")
        assert (change.actor_name, unit_of(h, change.assignment_id)) == ("Ted", "VP")

        await in_group(h, HOA, "NV 21 xong", name="Hoa")   # the group's own: no unit named
        assert "Văn phòng Sở" not in h.bot_texts(GROUP)[-1] and "Phòng Tổ chức" not in h.bot_texts(GROUP)[-1]
