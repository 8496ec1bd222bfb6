"""Staff answering loosely on Zalo, as they do from a phone: late numbers, colleagues answering first, a unit
that was removed. What each person reads, and what the records keep."""
from __future__ import annotations

import re

from datetime import timedelta

from sqlmodel import Session

from plans.service import import_plan
from services.plan_admin import remove_unit
from services.workspace import SAMPLE_PLAN
from services.status import Actor
from storage.models import Assignment, ExtensionRequest, StatusChange
from handlers.messages import Outgoing
from tests.fakes.zalo_api import bot_media_update, bot_text_update, oa_attachment_event
from tests.test_revisions import revise
from tests.zalo_harness import running_zalo

TED, HOA = "6ede9afa66b88fe6d6a9", "7a1b2c3d4e5f60718293"
OA_USER, STRANGER = "8811223344556677889", "5566778899aabbccddee"


def status_changes(h) -> list[StatusChange]:
    return h.rows(StatusChange, StatusChange.field == "status")


async def test_a_late_number_does_not_undo_what_a_colleague_finished(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.bot_says(HOA, h.invite("VP"), name="Hoa")
        await h.bot_says(TED, "đang làm")                     # Ted is asked which task, and waits
        assert h.bot_texts(TED)[-1].startswith("Đồng chí trả lời cho nhiệm vụ nào?")
        await h.bot_says(HOA, "xong", name="Hoa")
        await h.bot_says(HOA, "1", name="Hoa")               # Hoa closes the first task of the same list
        [closed] = status_changes(h)
        assert closed.after == "done"

        await h.bot_says(TED, "1")                            # Ted's "1" comes after it
        [a] = h.rows(Assignment, Assignment.id == closed.assignment_id)
        assert a.status == "done" and len(status_changes(h)) == 1
        answer = h.bot_texts(TED)[-1]
        assert "đã được Hoa ghi nhận hoàn thành ngày 15/04/2026" in answer and "giữ nguyên" in answer
        assert "1. ↩️ Mở lại" in answer and "đang thực hiện" not in answer.split("\n")[0].lower()


async def test_an_old_card_cannot_turn_finished_work_back_to_in_progress(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.bot_says(HOA, h.invite("VP"), name="Hoa")
        await h.bot_says(TED, "/viec")
        await h.bot_says(TED, "1")                            # the card of the first task: 2 = ⏳ Đang thực hiện
        assert "2. ⏳ Đang thực hiện" in h.bot_texts(TED)[-1]
        await h.bot_says(HOA, "/viec", name="Hoa")
        await h.bot_says(HOA, "1", name="Hoa")
        await h.bot_says(HOA, "1", name="Hoa")               # ✅ Đã hoàn thành
        [closed] = status_changes(h)

        await h.bot_says(TED, "2")
        [a] = h.rows(Assignment, Assignment.id == closed.assignment_id)
        assert a.status == "done" and len(status_changes(h)) == 1
        assert "đã được Hoa ghi nhận hoàn thành" in h.bot_texts(TED)[-1]


async def test_staff_of_a_removed_unit_change_nothing_and_are_told_why(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.bot_says(TED, "/viec")
        await h.bot_says(TED, "1")
        await h.bot_says(TED, "1")                            # done; the confirmation offers 1. ↩️ Mở lại
        [done] = status_changes(h)
        with Session(engine) as session:
            remove_unit(session, code="VP", force=True, actor=Actor(name="Văn phòng", channel="cli", role="officer"))
            session.commit()
        changes = len(h.rows(StatusChange))

        for text in ("1", "xong", "/viec"):
            await h.bot_says(TED, text)
            assert "Văn phòng Sở đã được gỡ khỏi danh sách nhắc việc" in h.bot_texts(TED)[-1]
        [a] = h.rows(Assignment, Assignment.id == done.assignment_id)
        assert a.status == "done" and len(h.rows(StatusChange)) == changes


async def test_a_sticker_or_a_voice_message_is_answered_not_lost(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.bot_says(TED, "xong")                       # asked which task
        for event in ("message.sticker.received", "message.voice.received", "message.unsupported.received"):
            before = len(h.bot_texts(TED))
            await h.post_bot(bot_media_update(TED, event, "https://zalo.example/m.aac"))
            [answer] = h.bot_texts(TED)[before:]
            assert answer.startswith("Hệ thống chưa đọc được") and "\"xong\", \"đang làm\"" in answer
        await h.bot_says(TED, "1")                          # the question asked before still stands
        assert len(status_changes(h)) == 1

        await h.oa_says(OA_USER, h.invite("VP"))
        await h.post_oa(oa_attachment_event(h.oa.app_id, OA_USER, "audio", "https://zalo.example/v.aac"))
        assert h.oa_texts(OA_USER)[-1].startswith("Hệ thống chưa đọc được")
        await h.post_bot(bot_media_update(STRANGER, "message.sticker.received", "https://zalo.example/s.png"))
        assert "chưa được liên kết với đơn vị nào" in h.bot_texts(STRANGER)[-1]
        assert len(status_changes(h)) == 1


async def test_done_on_friday_is_recorded_on_last_friday(settings, engine):
    async with running_zalo(settings, engine) as h:          # Wednesday 15/04/2026
        await h.bot_says(TED, h.invite("VP"))
        await h.bot_says(TED, "xong hôm thứ 6")
        assert h.bot_texts(TED)[-1].startswith("Đồng chí trả lời cho nhiệm vụ nào?")
        await h.bot_says(TED, "1")
        [change] = status_changes(h)
        [a] = h.rows(Assignment, Assignment.id == change.assignment_id)
        assert (a.status, a.done_on.isoformat(), a.promised_on) == ("done", "2026-04-10", None)
        assert "Ngày hoàn thành ghi nhận: 10/04/2026." in h.bot_texts(TED)[-1]


async def test_a_reminder_naming_a_monthly_task_twice_says_which_month_each_number_closes(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.remind()
        reminder = h.bot_texts(TED)[-1]
        choices = reminder.split("Trả lời bằng số:\n", 1)[1].splitlines()
        done = [c.split(". ", 1)[1] for c in choices if "✅" in c]
        assert len(done) == len(set(done)), done                  # each ✅ choice can be told apart
        assert "1. ✅ NV 6 (hạn 27/02)" in choices and "10. ✅ NV 6 (hạn 31/03)" in choices   # Sat 28/02: the Friday
        assert "4. ✅ NV 1" in choices                            # a task named once keeps its short label

        await h.bot_says(TED, "10")
        [change] = status_changes(h)
        [a] = h.rows(Assignment, Assignment.id == change.assignment_id)
        assert (a.status, a.due_on.isoformat()) == ("done", "2026-03-31")


async def test_a_number_typed_the_next_morning_is_explained_not_misunderstood(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.remind()                                      # 09:00, "1. ✅ NV 6 (hạn 28/02)" …
        h.clock.now += timedelta(hours=23)                    # answered at 08:00 the next day
        await h.bot_says(TED, "1")
        answer = h.bot_texts(TED)[-1]
        assert "Số 1 không còn ứng với lựa chọn nào" in answer and "/viec" in answer
        assert "chưa hiểu" not in answer and status_changes(h) == []


async def test_replies_speak_as_the_system_not_as_a_bot(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.bot_says(TED, "/viec")
        await h.bot_says(TED, "1")                            # the card of the first task
        await h.bot_says(TED, "đang làm")
        await h.bot_says(TED, "chưa xong ạ")
        not_done = h.bot_texts(TED)[-1]
        await h.bot_says(TED, "xin gia hạn đến 20/5")
        asked = h.bot_texts(TED)[-1]
        assert not_done.startswith("Đã ghi nhận: nhiệm vụ 6 (hạn 30/01) chưa hoàn thành. Hệ thống sẽ tiếp tục nhắc.")
        assert asked.startswith("Đã gửi đề nghị gia hạn nhiệm vụ 6 (hạn 30/01) đến 20/05/2026. Hệ thống sẽ báo khi "
                                "được duyệt.")
        assert all("Bot " not in text for text in h.bot_texts(TED)[1:])


async def test_a_quoted_reminder_of_a_task_dropped_by_a_revision_says_so(settings, engine, tmp_path):
    async with running_zalo(settings, engine) as h:
        await h.oa_says(OA_USER, h.invite("TCCB"))
        await h.oa_says(OA_USER, "/viec")
        await h.oa_says(OA_USER, "1")                         # the card of NV 4
        card = h.oa.sent[-1]
        assert card["message"]["text"].startswith("📌 Nhiệm vụ 4:")
        revised = tmp_path / "ke-hoach-dieu-chinh.md"         # the Sở revises the plan: row 4 is dropped
        revised.write_text(revise(SAMPLE_PLAN.read_text(encoding="utf-8"), delete="4"), encoding="utf-8")
        with Session(engine) as session:
            import_plan(session, path=revised, year=2026, actor="Văn phòng", confirm=True)
            session.commit()
        changes = len(h.rows(StatusChange))

        await h.oa_says(OA_USER, "xong rồi ạ", quote_msg_id=card["message_id"])
        answer = h.oa_texts(OA_USER)[-1]
        assert answer.startswith("Nhiệm vụ 4 trong tin đồng chí trả lời đã được bỏ khỏi kế hoạch")
        assert "/viec" in answer and len(h.rows(StatusChange)) == changes


async def test_answers_about_a_monthly_task_say_which_month_was_recorded(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.bot_says(TED, "NV 6 xong")                  # twelve months of NV 6: which one?
        await h.bot_says(TED, "2")                          # NV 6 (hạn 27/02)
        assert h.bot_texts(TED)[-1].startswith("✅ Đã ghi nhận: nhiệm vụ 6 (hạn 27/02) hoàn thành.")
        await h.bot_says(TED, "NV 6 xin gia hạn đến 20/5")
        await h.bot_says(TED, "2")                          # NV 6 (hạn 31/03), now second of the open ones
        assert h.bot_texts(TED)[-1].startswith("Đã gửi đề nghị gia hạn nhiệm vụ 6 (hạn 31/03) đến 20/05/2026.")
        await h.bot_says(TED, "NV 1 xong")                  # a task due once keeps its plain number
        assert h.bot_texts(TED)[-1].startswith("✅ Đã ghi nhận: nhiệm vụ 1 hoàn thành.")


async def test_an_extension_that_ends_before_the_deadline_says_both_days(settings, engine):
    async with running_zalo(settings, engine) as h:          # 15/04/2026
        await h.bot_says(TED, h.invite("VP"))
        await h.bot_says(TED, "NV 4 xin gia hạn 5 ngày")     # NV 4 is due 30/04: five days from today is earlier
        answer = h.bot_texts(TED)[-1]
        assert "20/04/2026" in answer and "30/04/2026" in answer and "sau hạn hiện tại" in answer
        assert h.rows(ExtensionRequest) == []


async def test_a_number_after_an_answer_without_numbers_records_nothing_on_the_older_question(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.bot_says(TED, "NV 3 đang làm")                # recorded, with "1. ✅ Đã hoàn thành" under it
        assert "1. ✅ Đã hoàn thành" in h.bot_texts(TED)[-1]
        await h.bot_says(TED, "NV 13 chưa xong")              # "Đã ghi nhận trước đó…": no numbers this time
        assert "Trả lời bằng số" not in h.bot_texts(TED)[-1]
        [in_progress] = status_changes(h)

        await h.bot_says(TED, "1")                            # NV 3 must not be closed by it
        assert [(c.assignment_id, c.after) for c in status_changes(h)] == [(in_progress.assignment_id, "in_progress")]
        answer = h.bot_texts(TED)[-1]
        assert answer.startswith("Số 1 không ứng với câu hỏi nào đang chờ trả lời")
        assert "/viec" in answer and "\"xong\"" in answer and "12 giờ" not in answer

        await h.bot_says(TED, "NV 4 xin gia hạn đến 20/5")    # after "✅ … (1. ↩️ Mở lại)", a reply without numbers
        await h.bot_says(TED, "1")
        assert len(status_changes(h)) == 1 and h.bot_texts(TED)[-1].startswith("Số 1 không ứng")

        await h.bot_says(TED, "/viec")                        # the latest message is numbered again: numbers work
        await h.bot_says(TED, "12")                           # a number matching none of them keeps them
        await h.bot_says(TED, "2")
        assert h.bot_texts(TED)[-1].startswith("📌 Nhiệm vụ 6:") and "hạn 27/02/2026" in h.bot_texts(TED)[-1]

        await h.bot_says(TED, "/help")
        h.clock.now += timedelta(hours=13)                    # past the 12 hours: the expiry is what is explained
        await h.bot_says(TED, "1")
        assert "Số 1 không còn ứng với lựa chọn nào (các số chỉ dùng được trong 12 giờ" in h.bot_texts(TED)[-1]
        assert len(status_changes(h)) == 1


async def test_a_number_beyond_the_choices_offered_says_which_numbers_stand(settings, engine):
    """Nine choices stand: "12" is not an expired number and must not be explained as one."""
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.bot_says(TED, "/viec")
        choices = h.bot_texts(TED)[-1].split("Trả lời bằng số:")[1]
        offered = len(re.findall(r"^(\d+)\. ", choices, flags=re.M))
        assert offered > 2
        await h.bot_says(TED, str(offered + 3))
        answer = h.bot_texts(TED)[-1]
        assert answer.startswith(f"Số {offered + 3} không có trong các lựa chọn của tin gần nhất (từ 1 đến {offered})")
        assert "12 giờ" not in answer and status_changes(h) == []
        await h.bot_says(TED, "2")                            # the choices still stand
        assert h.bot_texts(TED)[-1].startswith("📌 Nhiệm vụ")


async def test_a_notice_sent_outside_a_conversation_retires_the_numbers_before_it(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.remind()                                      # "1. ✅ NV 6 (hạn 27/02)" …
        notice = Outgoing(text="Đề nghị gia hạn nhiệm vụ 4 đã được đồng ý.", chat_id=TED, channel="zalo_bot")
        await h.dispatcher.deliver(notice, default_channel="zalo_bot", default_chat=TED)   # as the web desk does
        await h.bot_says(TED, "1")
        assert status_changes(h) == [] and h.bot_texts(TED)[-1].startswith("Số 1 không ứng")


async def test_in_a_group_each_person_answers_the_numbers_last_sent_to_them(settings, engine):
    async with running_zalo(settings, engine) as h:
        group = "g-8a1b2c3d4e5f"
        await h.post_bot(bot_text_update(group, h.invite("VP"), user_id=TED, chat_type="GROUP"))
        await h.post_bot(bot_text_update(group, "xong", user_id=TED, chat_type="GROUP"))
        assert h.bot_texts(group)[-1].startswith("Đồng chí trả lời cho nhiệm vụ nào?")
        await h.post_bot(bot_text_update(group, "/help", user_id=HOA, name="Hoa", chat_type="GROUP"))
        await h.post_bot(bot_text_update(group, "2", user_id=TED, chat_type="GROUP"))   # Hoa's answer had no numbers
        [change] = status_changes(h)                          # Ted's question is still the last one sent to Ted
        assert change.after == "done" and "hoàn thành" in h.bot_texts(group)[-1]

        assert "1. ↩️ Mở lại" in h.bot_texts(group)[-1]
        await h.post_bot(bot_text_update(group, "/help", user_id=TED, chat_type="GROUP"))
        await h.post_bot(bot_text_update(group, "1", user_id=TED, chat_type="GROUP"))   # Ted's latest: no numbers
        assert len(status_changes(h)) == 1 and h.bot_texts(group)[-1].startswith("Các lệnh:")
