"""Staff of units and schools answering from a phone on Zalo across a plan's life: a Sở that starts mid-year,
loose answers, a plan revised after units answered. What each person reads, and what the records keep."""
from __future__ import annotations

import asyncio

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from plans.service import import_plan
from reports.summary import build_report
from reports.texts import evidence_text
from services.workspace import SAMPLE_PLAN, SAMPLE_UNITS
from services.queries import unit_by_code
from storage.models import Assignment, Evidence, ExtensionRequest, StatusChange
from tests.fakes.zalo_api import bot_image_update, bot_text_update
from tests.test_revisions import revise
from tests.zalo_harness import FileHost, running_zalo
from units.directory import load_directory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TED = "6ede9afa66b88fe6d6a9"
OFFICER = "8811223344556677889"
HOA, GROUP = "7a1b2c3d4e5f60718293", "g-8a1b2c3d4e5f"


def unit_id(engine, code: str) -> int:
    with Session(engine) as session:
        return unit_by_code(session, code).id


def status_changes(h) -> list[StatusChange]:
    return h.rows(StatusChange, StatusChange.field == "status")


def choice(text: str, starts: str) -> str:
    """The number of the first numbered choice of `text` that starts with `starts`."""
    for line in text.split("Trả lời bằng số:\n", 1)[1].splitlines():
        number, _sep, label = line.partition(". ")
        if label.startswith(starts):
            return number
    raise AssertionError(f"no choice {starts!r} in {text!r}")


async def test_the_words_of_an_answer_are_kept_when_the_task_is_picked_by_number(settings, engine):
    """ "Which task?" answered by "2": the history, the report's document number and the extension request keep
    what the unit wrote, never the "2"."""
    async with running_zalo(settings, engine) as h:          # 15/04/2026
        await h.bot_says(TED, h.invite("VP"))
        await h.bot_says(TED, "Đã ban hành KH số 45/KH-SGDĐT ngày 03/01/2026")
        await h.bot_says(TED, choice(h.bot_texts(TED)[-1], "NV 1 "))
        assert h.bot_texts(TED)[-1].startswith("✅ Đã ghi nhận: nhiệm vụ 1 hoàn thành.")
        [done] = status_changes(h)
        assert done.note == "Đã ban hành KH số 45/KH-SGDĐT ngày 03/01/2026"
        with Session(engine) as session:
            report = build_report(session, as_of=date(2026, 4, 15), roles=("lead",))
        [row] = [r for r in report.rows if r.view.id == done.assignment_id]
        assert evidence_text(row) == "Số văn bản: 45/KH-SGDĐT"   # the report's evidence column: 03/01/2026 is a day

        await h.bot_says(TED, "chưa xong, xin gia hạn thêm 1 tuần")
        await h.bot_says(TED, choice(h.bot_texts(TED)[-1], "NV 3 "))
        assert h.bot_texts(TED)[-1].startswith("Đã gửi đề nghị gia hạn nhiệm vụ 3 đến 22/04/2026.")
        [request] = h.rows(ExtensionRequest)
        assert request.reason == "chưa xong, xin gia hạn thêm 1 tuần"

        await h.bot_says(TED, "/viec")
        await h.bot_says(TED, choice(h.bot_texts(TED)[-1], "Mở NV 6 "))
        await h.bot_says(TED, "2")                            # ⏳ Đang thực hiện on the card: no words to keep
        progress = status_changes(h)[-1]
        [a] = h.rows(Assignment, Assignment.id == progress.assignment_id)
        assert (a.status, progress.note) == ("in_progress", None)


def start_mid_year(engine, today: date) -> None:
    """The Sở starts using nhacviec on `today`: what fell due before is imported as not tracked."""
    with Session(engine) as session:
        load_directory(session, path=SAMPLE_UNITS)
        import_plan(session, path=SAMPLE_PLAN, year=2026, actor="Văn phòng", today=today)
        session.commit()


async def test_a_day_done_in_a_month_before_tracking_began_is_not_recorded_on_a_later_month(settings, engine):
    """Mid-July, "NV 6 xong ngày 25/6" is June's meeting (not tracked): never July's, which is still to be held."""
    start_mid_year(engine, date(2026, 7, 15))
    async with running_zalo(settings, engine, now=datetime(2026, 7, 15, 9, 0, tzinfo=VN)) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.bot_says(TED, "NV 6 xong ngày 25/6")
        answer = h.bot_texts(TED)[-1]
        assert "25/06/2026" in answer and "nhiệm vụ 6 (hạn 30/06)" in answer and "Không theo dõi" in answer
        assert "Trả lời bằng số" not in answer and status_changes(h) == []

        await h.bot_says(TED, "NV 6 xong ngày 3/7")          # July's period: the one occurrence it can be
        assert h.bot_texts(TED)[-1].startswith("✅ Đã ghi nhận: nhiệm vụ 6 (hạn 31/07) hoàn thành.")
        [change] = status_changes(h)
        [a] = h.rows(Assignment, Assignment.id == change.assignment_id)
        assert (a.due_on, a.done_on) == (date(2026, 7, 31), date(2026, 7, 3))

        await h.bot_says(TED, "xong ngày 10/7")              # no number: nothing open began before 10/7 but NV 6's
        answer = h.bot_texts(TED)[-1]                        # July, done already; later months are not offered
        assert "hạn 28/08" not in answer and len(status_changes(h)) == 1


def drop_task(engine, tmp_path, number: str) -> None:
    """The officer re-imports the plan with row `number` dropped and the rows after it renumbered."""
    revised = tmp_path / "ke-hoach-dieu-chinh.md"
    revised.write_text(revise(SAMPLE_PLAN.read_text(encoding="utf-8"), delete=number), encoding="utf-8")
    with Session(engine) as session:
        import_plan(session, path=revised, year=2026, actor="Văn phòng", confirm=True)
        session.commit()


async def test_an_answer_to_the_card_of_a_dropped_task_never_lands_on_the_task_renumbered_into_its_place(
        settings, engine, tmp_path):
    """KTCN leads NV 13 and NV 14. Its staff open NV 13's card; the plan drops row 13, so NV 14 becomes NV 13.
    "xong rồi ạ" is about the card they read: they are told it left the plan, and the other task stays open."""
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("KTCN"))
        await h.bot_says(TED, "/viec")
        await h.bot_says(TED, choice(h.bot_texts(TED)[-1], "Mở NV 13 "))
        assert h.bot_texts(TED)[-1].startswith("📌 Nhiệm vụ 13: Xây dựng và triển khai Kế hoạch phổ biến")
        drop_task(engine, tmp_path, "13")
        changes = len(h.rows(StatusChange))

        await h.bot_says(TED, "1")                            # the card's "1. ✅ Đã hoàn thành"
        answer = h.bot_texts(TED)[-1]
        assert answer.startswith("Nhiệm vụ 13 trong tin đồng chí trả lời đã được bỏ khỏi kế hoạch") and "/viec" in answer
        await h.bot_says(TED, "xong rồi ạ")                   # in words, about the same card
        assert h.bot_texts(TED)[-1] == answer
        assert len(h.rows(StatusChange)) == changes
        assert {a.status for a in h.rows(Assignment, Assignment.unit_id == unit_id(engine, "KTCN"),
                                         Assignment.status != "cancelled")} == {"open"}


async def test_a_photo_of_the_signed_report_goes_to_the_task_its_caption_names_and_never_to_a_partner_task(
        settings, engine):
    """KTCN leads NV 13 and NV 14 and only takes part (phối hợp) in many others, whose lead units report them."""
    with FileHost({"bc.jpg": b"\xff\xd8\xff\xe0 bao cao da ky", "bc2.jpg": b"\xff\xd8\xff\xe0 bien ban"}) as cdn:
        async with running_zalo(settings, engine) as h:
            await h.bot_says(TED, h.invite("KTCN"))
            await h.post_bot(bot_image_update(TED, cdn.url("bc.jpg"), caption="đã nộp báo cáo NV 14"))
            [change] = status_changes(h)
            [a] = h.rows(Assignment, Assignment.id == change.assignment_id)
            [evidence] = h.rows(Evidence)
            assert (a.role, a.status, a.due_on, evidence.assignment_id) == ("lead", "done", date(2026, 12, 31), a.id)
            assert "nhiệm vụ 14 hoàn thành, kèm tài liệu kiểm chứng" in h.bot_texts(TED)[-1]

            h.clock.now += timedelta(minutes=30)
            await h.post_bot(bot_image_update(TED, cdn.url("bc2.jpg")))    # later, no words: which task is it for?
            question = h.bot_texts(TED)[-1]
            offered = question.split("Trả lời bằng số:\n", 1)[1].splitlines()
            assert [line.split(" (")[0] for line in offered] == ["1. NV 13", "2. NV 14"]   # its own tasks only


async def test_a_request_for_more_time_overtaken_by_a_revision_never_shortens_the_deadline(settings, engine, tmp_path):
    """TCCB asks for NV 21 until 20/05 and NV 4 until 25/05; the revised plan gives NV 21 (now NV 20) until 30/06
    and drops NV 4. The officer answering the requests afterwards changes no deadline."""
    async with running_zalo(settings, engine) as h:          # 15/04/2026
        await h.bot_says(TED, h.invite("TCCB"))
        await h.oa_says(OFFICER, h.invite("VP", role="officer"))
        await h.bot_says(TED, "NV 21 xin gia hạn đến 20/5")
        await h.bot_says(TED, "NV 4 xin gia hạn đến 25/5")
        assert "nhiệm vụ 4:" in h.oa_texts(OFFICER)[-1] and "1. Đồng ý" in h.oa_texts(OFFICER)[-1]
        revised = tmp_path / "ke-hoach-dieu-chinh.md"
        revised.write_text(revise(SAMPLE_PLAN.read_text(encoding="utf-8"), delete="4",
                                  deadlines={"21": "Tháng 6 năm 2026"}), encoding="utf-8")
        with Session(engine) as session:
            import_plan(session, path=revised, year=2026, actor="Văn phòng", confirm=True)
            session.commit()
        changes, told = len(h.rows(StatusChange)), len(h.bot_texts(TED))

        await h.oa_says(OFFICER, "1")                        # "Đồng ý" on NV 4's request: the task left the plan
        assert "bỏ khỏi kế hoạch" in h.oa_texts(OFFICER)[-1] and "gặp lỗi" not in h.oa_texts(OFFICER)[-1]
        await h.oa_says(OFFICER, "/giahan")
        assert "nhiệm vụ 20:" in h.oa_texts(OFFICER)[-1]
        await h.oa_says(OFFICER, "1")                        # "Đồng ý" to 20/05, when the plan now says 30/06
        answer = h.oa_texts(OFFICER)[-1]
        assert "30/06/2026" in answer and "20/05/2026" in answer and "Đã đồng ý" not in answer
        [a] = h.rows(Assignment, Assignment.id == h.rows(ExtensionRequest)[0].assignment_id)
        assert a.due_on == date(2026, 6, 30)
        assert len(h.rows(StatusChange)) == changes and len(h.bot_texts(TED)) == told   # the unit is told nothing


async def test_a_month_the_revision_took_out_of_a_task_cannot_be_answered_from_an_old_reminder(
        settings, engine, tmp_path):
    """The 15/04 reminder lists NV 6's February meeting; the revised plan holds NV 6 quarterly, so February's
    occurrence is cancelled. A "1" typed at the reminder, or "xong" quoting it on the OA, records nothing on it."""
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.oa_says(OFFICER, h.invite("VP"))             # a second person of Văn phòng, on the OA
        await h.remind()
        assert "1. ✅ NV 6" in h.bot_texts(TED)[-1] and "hạn 27/02/2026" in h.bot_texts(TED)[-1]
        [reminder] = [m for m in h.oa.sent if m["user_id"] == OFFICER and "🔔" in m["message"].get("text", "")]
        revised = tmp_path / "ke-hoach-dieu-chinh.md"
        revised.write_text(revise(SAMPLE_PLAN.read_text(encoding="utf-8"), deadlines={"6": "Hằng quý"}),
                           encoding="utf-8")
        with Session(engine) as session:
            import_plan(session, path=revised, year=2026, actor="Văn phòng", confirm=True)
            session.commit()
        [february] = [a for a in h.rows(Assignment, Assignment.unit_id == unit_id(engine, "VP"))
                      if a.due_on == date(2026, 2, 28)]
        assert february.status == "cancelled"
        changes = len(h.rows(StatusChange))

        await h.bot_says(TED, "1")                            # "1. ✅ NV 6" of the reminder
        answer = h.bot_texts(TED)[-1]
        assert answer.startswith("Nhiệm vụ 6 (hạn 27/02) trong tin đồng chí trả lời đã được bỏ khỏi kế hoạch")
        await h.oa_says(OFFICER, "xong rồi ạ", quote_msg_id=reminder["message_id"])
        asked = h.oa_texts(OFFICER)[-1]                       # the reminder's other tasks still stand
        assert asked.startswith("Đồng chí trả lời cho nhiệm vụ nào?") and "NV 1 (hạn 31/03)" in asked
        assert "NV 6 (hạn 27/02)" not in asked
        [february] = h.rows(Assignment, Assignment.id == february.id)
        assert february.status == "cancelled" and len(h.rows(StatusChange)) == changes


async def test_two_photos_of_a_signed_report_sent_one_after_the_other_are_both_kept(settings, engine):
    """Page 1 with "xong rồi ạ", page 2 right after it; the unit then says which task: both pages are its evidence
    and the task is done."""
    pages = {"trang1.jpg": b"\xff\xd8\xff\xe0 trang 1", "trang2.jpg": b"\xff\xd8\xff\xe0 trang 2"}
    with FileHost(pages) as cdn:
        async with running_zalo(settings, engine) as h:
            await h.bot_says(TED, h.invite("KTCN"))
            await h.post_bot(bot_image_update(TED, cdn.url("trang1.jpg"), caption="xong rồi ạ"))
            await h.post_bot(bot_image_update(TED, cdn.url("trang2.jpg")))
            question = h.bot_texts(TED)[-1]
            assert question.count(".jpg") == 2                    # the question names both files
            await h.bot_says(TED, choice(question, "NV 14 "))
            [change] = status_changes(h)
            [a] = h.rows(Assignment, Assignment.id == change.assignment_id)
            kept = h.rows(Evidence)
            assert a.status == "done" and a.due_on == date(2026, 12, 31)
            assert sorted(e.size for e in kept) == sorted(len(p) for p in pages.values())
            assert {e.assignment_id for e in kept} == {a.id}


async def test_in_a_group_a_loose_answer_is_not_taken_for_the_task_the_bot_just_discussed_with_a_colleague(
        settings, engine):
    """TCCB's group: Hoa says NV 21 is under way. Ted's "xong rồi ạ" right after may be about any of the unit's
    tasks: he is asked which, and NV 21 stays as Hoa said. His own card, opened before, still counts for him."""
    async with running_zalo(settings, engine) as h:
        await h.post_bot(bot_text_update(GROUP, h.invite("TCCB"), user_id=HOA, name="Hoa", chat_type="GROUP"))
        await h.post_bot(bot_text_update(GROUP, "NV 21 đang làm", user_id=HOA, name="Hoa", chat_type="GROUP"))
        assert h.bot_texts(GROUP)[-1].startswith("⏳ Đã ghi nhận: nhiệm vụ 21 đang thực hiện.")
        await h.post_bot(bot_text_update(GROUP, "xong rồi ạ", user_id=TED, chat_type="GROUP"))
        assert h.bot_texts(GROUP)[-1].startswith("Đồng chí trả lời cho nhiệm vụ nào?")
        assert [c.after for c in status_changes(h)] == ["in_progress"]

        await h.post_bot(bot_text_update(GROUP, "/viec", user_id=TED, chat_type="GROUP"))
        await h.post_bot(bot_text_update(GROUP, choice(h.bot_texts(GROUP)[-1], "Mở NV 24 "), user_id=TED,
                                         chat_type="GROUP"))
        await h.post_bot(bot_text_update(GROUP, "NV 21 xong rồi nhé", user_id=HOA, name="Hoa", chat_type="GROUP"))
        await h.post_bot(bot_text_update(GROUP, "xong rồi ạ", user_id=TED, chat_type="GROUP"))   # his card: NV 24
        assert h.bot_texts(GROUP)[-1].startswith("✅ Đã ghi nhận: nhiệm vụ 24 hoàn thành.")


async def test_after_the_check_in_asks_for_a_date_an_answer_about_another_task_is_not_taken_for_it(settings, engine):
    """The check-in of 02/03 asks VP when NV 2 ("Theo Kế hoạch của Sở Nội vụ") is due. Ted answers about NV 6
    instead: "NV 6 xong ngày 27/2" is February's meeting done on 27/02, never NV 2 due on 27/02/2027."""
    async with running_zalo(settings, engine, now=datetime(2026, 3, 2, 9, 0, tzinfo=VN)) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.remind()                                      # long: sent in two parts, the choices in the first
        await h.bot_says(TED, choice(h.bot_texts(TED)[-2], "📅 Báo hạn"))
        assert h.bot_texts(TED)[-1].startswith("Nhiệm vụ 2 cần hoàn thành trước ngày nào?")

        await h.bot_says(TED, "NV 6 xong ngày 27/2")           # January's meeting, or February's?
        await h.bot_says(TED, choice(h.bot_texts(TED)[-1], "NV 6 (hạn 27/02)"))
        changes = h.rows(StatusChange, StatusChange.field.in_(["status", "due_on"]))
        assert [(c.field, c.after) for c in changes] == [("status", "done")]
        [a] = h.rows(Assignment, Assignment.id == changes[0].assignment_id)
        assert (a.due_on, a.done_on) == (date(2026, 2, 28), date(2026, 2, 27))
        assert h.bot_texts(TED)[-1].startswith("✅ Đã ghi nhận: nhiệm vụ 6 (hạn 27/02) hoàn thành.")

        await h.bot_says(TED, "hạn 20/3 ạ")                   # the date it asked for still answers it
        assert h.bot_texts(TED)[-1].startswith("📅 Đã ghi hạn nhiệm vụ 2: 20/03/2026.")


async def test_a_task_due_before_tracking_began_is_named_with_its_deadline_not_called_missing(settings, engine):
    """Mid-July, "NV 1 xong rồi ạ": NV 1 was due 31/03, before the Sở started tracking. The unit is told that,
    not that it has no task 1; nothing is recorded, and the reminders and the overdue list leave it out."""
    start_mid_year(engine, date(2026, 7, 15))
    async with running_zalo(settings, engine, now=datetime(2026, 7, 15, 9, 0, tzinfo=VN)) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.oa_says(OFFICER, h.invite("VP", role="officer"))
        await h.bot_says(TED, "NV 1 xong rồi ạ")
        answer = h.bot_texts(TED)[-1]
        assert "31/03/2026" in answer and "không theo dõi" in answer.lower() and status_changes(h) == []
        await h.oa_says(OFFICER, "/overdue")
        assert h.oa_texts(OFFICER)[-1].startswith("Không có nhiệm vụ nào quá hạn.")


async def test_a_photo_and_the_words_sent_right_after_it_apply_in_the_order_sent(settings, engine):
    """Zalo delivers each message as its own webhook, handled as its own task. A report's photo for NV 14 is slow
    to download; "/viec" typed a moment later must wait for it: the list must already show NV 14 as done, and the
    answers come in the order the messages were sent. Another chat is not held up meanwhile."""
    from tests.fakes.zalo_api import post_bot_update
    from tests.zalo_harness import BOT_SECRET
    with FileHost({"baocao.jpg": b"\xff\xd8\xff\xe0 bao cao"}) as cdn:
        async with running_zalo(settings, engine) as h:
            await h.bot_says(TED, h.invite("KTCN"))
            await h.bot_says("other-unit-chat", h.invite("TCCB"))
            before = len(h.bot_texts(TED))
            cdn.held.add("baocao.jpg")
            await post_bot_update(h.url + "/zalo/bot", bot_image_update(TED, cdn.url("baocao.jpg"),
                                                                       caption="NV 14 xong"), BOT_SECRET)
            await post_bot_update(h.url + "/zalo/bot", bot_text_update(TED, "/viec"), BOT_SECRET)
            others = len(h.bot_texts("other-unit-chat"))
            await post_bot_update(h.url + "/zalo/bot", bot_text_update("other-unit-chat", "/viec"), BOT_SECRET)
            assert await asyncio.to_thread(h.bot.wait_for, lambda: len(h.bot_texts("other-unit-chat")) > others, 60)
            assert h.bot_texts("other-unit-chat")[-1].startswith("Đơn vị có")  # not held up by TED's photo
            assert len(h.bot_texts(TED)) == before        # nothing for TED yet: his photo comes first
            cdn.release()
            await h.inbound.background.drain()
            photo_answer, list_answer = h.bot_texts(TED)[before:]
            assert "NV 14" in photo_answer or "14" in photo_answer
            assert list_answer.startswith("Đơn vị có") and "\n14." not in list_answer
            [kept] = h.rows(Evidence)
            [done] = h.rows(Assignment, Assignment.id == kept.assignment_id)
            assert done.status == "done"


async def test_slow_photos_from_many_chats_never_take_more_turns_than_the_database_has_connections(
        settings, engine, monkeypatch):
    """Each chat's turn holds a database connection while its photo downloads. Many schools sending report photos
    at once get at most MAX_TURNS turns at a time (more would block the event loop on the connection pool); the
    others wait their turn and every photo is kept."""
    from bot import inbound
    from tests.fakes.zalo_api import post_bot_update
    from tests.zalo_harness import BOT_SECRET
    monkeypatch.setattr(inbound, "MAX_TURNS", 2)
    chats = [f"school-{i}" for i in range(3)]
    with FileHost({f"{chat}.jpg": b"\xff\xd8\xff\xe0 " + chat.encode() for chat in chats}) as cdn:
        async with running_zalo(settings, engine) as h:
            code = h.invite("KTCN", uses=10)
            for chat in chats:
                await h.bot_says(chat, code)
            cdn.held.update(f"{chat}.jpg" for chat in chats)
            for chat in chats:
                await post_bot_update(h.url + "/zalo/bot", bot_image_update(chat, cdn.url(f"{chat}.jpg"),
                                                                           caption="NV 14 xong"), BOT_SECRET)
            assert await asyncio.to_thread(cdn.wait_in_flight, 2)
            cdn.release()
            await h.inbound.background.drain()
            assert cdn.most_in_flight == 2
            assert sorted(e.size for e in h.rows(Evidence)) == sorted(len(f"xxxxx{chat}") for chat in chats)
