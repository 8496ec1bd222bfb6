"""End to end on Telegram: the real PTB Application against a fake Bot API server on 127.0.0.1."""
from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from storage.models import (Assignment, ChatLink, ChatState, ChatUser, Evidence, ProcessedUpdate, Status,
                            StatusChange, Task, Unit)
from tests.fakes import FakeFile
from tests.telegram_harness import running_bot

STAFF, OFFICER, STRANGER = 1001, 2002, 3003
PDF = b"%PDF-1.4\n% bao cao CCHC quy I\n" + b"0" * 2000 + b"\n%%EOF\n"


def texts_to(fake, chat_id: int) -> list[str]:
    return [m["text"] for m in fake.sent if str(m["chat_id"]) == str(chat_id)]


async def open_card(h, chat_id: int, number: str) -> dict:
    """/viec answers with ONE message listing the tasks; its "Mở NV …" button brings the task's card."""
    before = len(h.fake.sent)
    h.fake.push_message(chat_id, chat_id, "/viec")
    listing = (await h.fake.wait_for_sent_async(before + 1))[before]
    assert listing["text"].startswith("Đơn vị có") and f"NV {number}:" in listing["text"]
    labels = {b["text"]: b["callback_data"] for row in listing["reply_markup"]["inline_keyboard"] for b in row}
    assert f"✅ Hoàn thành NV {number}" in labels
    h.fake.push_callback(chat_id, chat_id, labels[f"Mở NV {number}"], listing["message_id"])
    await h.fake.wait_for_async(lambda: any(m["text"].startswith(f"📌 Nhiệm vụ {number}:") for m in h.fake.sent))
    assert len(h.fake.sent) == before + 2  # the list, then the card: nothing else
    return next(m for m in h.fake.sent[before:] if m["text"].startswith(f"📌 Nhiệm vụ {number}:"))


async def join(h, user_id: int, unit: str, role: str = "member") -> None:
    before = len(h.fake.sent)
    h.fake.push_message(user_id, user_id, f"/start {h.invite(unit, role)}", first_name=f"User{user_id}")
    await h.fake.wait_for_sent_async(before + 1)


async def test_join_list_done_with_pdf_and_officer_overdue(settings, engine):
    async with running_bot(settings, engine) as h:
        await join(h, STAFF, "VP")
        assert "Văn phòng Sở" in texts_to(h.fake, STAFF)[-1]
        [user] = h.rows(ChatUser, ChatUser.external_id == str(STAFF))
        [vp] = h.rows(Unit, Unit.code == "VP")
        assert user.unit_id == vp.id and user.role == "member"

        card = await open_card(h, STAFF, "1")
        assert "31/03/2026" in card["text"] and "quá hạn 15 ngày" in card["text"]
        labels = [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["✅ Đã hoàn thành", "⏳ Đang thực hiện", "📅 Xin gia hạn"]

        before = len(h.fake.sent)
        h.fake.push_message(STAFF, STAFF, "xong", reply_to=card["message_id"],
                            document=FakeFile("bao-cao-quy-1.pdf", PDF, "application/pdf"))
        await h.fake.wait_for_async(lambda: any("✅ Đã ghi nhận" in t for t in texts_to(h.fake, STAFF)))
        assert "nhiệm vụ 1 hoàn thành" in texts_to(h.fake, STAFF)[-1]
        [task1] = h.rows(Task, Task.number == "1")
        [done] = h.rows(Assignment, Assignment.task_id == task1.id, Assignment.unit_id == vp.id)
        assert done.status == Status.DONE
        [evidence] = h.rows(Evidence, Evidence.assignment_id == done.id)
        assert evidence.original_name == "bao-cao-quy-1.pdf"
        assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
        assert Path(evidence.stored_path).read_bytes() == PDF
        [change] = h.rows(StatusChange, StatusChange.assignment_id == done.id, StatusChange.field == "status")
        assert (change.before, change.after, change.channel, change.evidence_id) == ("open", "done", "telegram",
                                                                                     evidence.id)
        await join(h, OFFICER, "VP", role="officer")
        before = len(h.fake.sent)
        h.fake.push_message(OFFICER, OFFICER, "/overdue")
        await h.fake.wait_for_sent_async(before + 1)
        overdue = texts_to(h.fake, OFFICER)[-1]
        assert overdue.startswith("⚠️") and len(overdue) <= 4096
        before = len(h.fake.sent)
        h.fake.push_message(OFFICER, OFFICER, "/quahan VP")
        await h.fake.wait_for_sent_async(before + 1)
        overdue = texts_to(h.fake, OFFICER)[-1]
        vp_block = overdue.split("Văn phòng Sở (VP):")[1].split("\n\n")[0]
        assert "NV 3:" in vp_block and "NV 1:" not in vp_block
        assert "trễ 15 ngày" in vp_block


async def test_stranger_wrong_code_and_replayed_update(settings, engine):
    async with running_bot(settings, engine) as h:
        h.fake.push_message(STRANGER, STRANGER, "/viec")
        await h.fake.wait_for_sent_async(1)
        assert "mã mời" in texts_to(h.fake, STRANGER)[-1]
        h.fake.push_message(STRANGER, STRANGER, "/start SAIMA123")
        await h.fake.wait_for_sent_async(2)
        assert "không đúng" in texts_to(h.fake, STRANGER)[-1]
        assert h.rows(ChatLink) == []

        await join(h, STAFF, "VP")
        sent_before = len(h.fake.sent)
        update_id = h.fake.push_message(STAFF, STAFF, "/start")
        await h.fake.wait_for_sent_async(sent_before + 1)
        replay = next(u for u in h.fake.updates if u["update_id"] == update_id)
        h.fake.push_raw(replay)
        marker = h.fake.push_message(STAFF, STAFF, "/help")
        await h.fake.wait_for_sent_async(sent_before + 2)
        assert len(h.rows(ProcessedUpdate, ProcessedUpdate.key == f"tg:{update_id}")) == 1
        assert "/viec" in texts_to(h.fake, STAFF)[-1] and marker > update_id
        assert len(h.fake.sent) == sent_before + 2


async def test_button_pressed_twice_changes_once(settings, engine):
    async with running_bot(settings, engine) as h:
        await join(h, STAFF, "VP")
        card = await open_card(h, STAFF, "1")
        data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        h.fake.push_callback(STAFF, STAFF, data, card["message_id"])
        await h.fake.wait_for_async(lambda: len(h.fake.answers) >= 1)
        h.fake.push_callback(STAFF, STAFF, data, card["message_id"])
        await h.fake.wait_for_async(lambda: len(h.fake.answers) >= 2)
        assert "Đã hoàn thành" in h.fake.message(STAFF, card["message_id"])["text"]
        changes = h.rows(StatusChange, StatusChange.channel == "telegram", StatusChange.field == "status")
        assert len(changes) == 1 and changes[0].after == "done"
        assert h.fake.commands("en") and h.fake.commands("")


async def test_xong_again_on_a_done_task_writes_nothing(settings, engine):
    async with running_bot(settings, engine) as h:
        await join(h, STAFF, "VP")
        card = await open_card(h, STAFF, "1")
        for minutes in (0, 5):  # the second "xong", five minutes later, finds the task done
            h.services.clock.now += timedelta(minutes=minutes)
            before = len(h.fake.sent)
            h.fake.push_message(STAFF, STAFF, "xong", reply_to=card["message_id"])
            await h.fake.wait_for_sent_async(before + 1)
        assert texts_to(h.fake, STAFF)[-1].startswith("Đã ghi nhận trước đó: nhiệm vụ 1")
        [change] = h.rows(StatusChange, StatusChange.field == "status")
        [task] = h.rows(Assignment, Assignment.id == change.assignment_id)
        assert task.status == "done" and task.updated_at == change.at   # not touched by the second answer


async def test_the_command_menu_offers_web_in_both_languages(settings, engine):
    async with running_bot(settings, engine) as h:
        menu = {lang: {c["command"]: c["description"] for c in h.fake.commands(lang)} for lang in ("", "en")}
    assert menu[""]["web"] == "Đăng nhập trang làm việc" and menu["en"]["web"] == "Sign in to the desk"
    assert set(menu[""]) == set(menu["en"]) and {"viec", "invite", "web", "help"} <= set(menu[""])


async def test_the_command_menu_lists_report_extensions_and_people_as_help_does(settings, engine):
    async with running_bot(settings, engine) as h:
        menu = {lang: {c["command"]: c["description"] for c in h.fake.commands(lang)} for lang in ("", "en")}
        await join(h, OFFICER, "VP", role="officer")
        before = len(h.fake.sent)
        h.fake.push_message(OFFICER, OFFICER, "/help")
        help_text = (await h.fake.wait_for_sent_async(before + 1))[before]["text"]
    assert (menu[""]["baocao"], menu["en"]["baocao"]) == ("Báo cáo tổng hợp", "Summary report")
    assert (menu[""]["giahan"], menu["en"]["giahan"]) == ("Đề nghị gia hạn chờ duyệt",
                                                          "Extension requests awaiting a decision")
    assert (menu[""]["people"], menu["en"]["people"]) == ("Người đã tham gia", "People who have joined")
    assert (menu[""]["remove"], menu["en"]["remove"]) == ("Gỡ quyền một người", "Remove a person's access")
    assert set(menu[""]) == set(menu["en"])
    missing = [name for name in menu[""] if name != "help" and f"/{name}" not in help_text]
    assert not missing, f"in the menu but not in an officer's /help: {missing}"


async def test_officer_gets_the_report_with_its_word_excel_and_chart(settings, engine):
    from docx import Document
    import io

    async with running_bot(settings, engine) as h:
        await join(h, OFFICER, "VP", role="officer")
        before = len(h.fake.sent)
        h.fake.push_message(OFFICER, OFFICER, "/baocao II")
        sent = await h.fake.wait_for_sent_async(before + 4, timeout=90)  # the chart and files take seconds
        text, docx, xlsx, chart = sent[before:before + 4]
        assert text["method"] == "sendMessage" and "Quý II/2026" in text["text"]
        assert (docx["method"], xlsx["method"], chart["method"]) == ("sendDocument", "sendDocument", "sendPhoto")
        assert docx["file"].name.endswith(".docx") and xlsx["file"].name.endswith(".xlsx")
        assert chart["file"].content.startswith(b"\x89PNG")
        body = "\n".join(p.text for p in Document(io.BytesIO(docx["file"].content)).paragraphs)
        assert "Tình hình thực hiện nhiệm vụ cải cách hành chính Quý II/2026" in body


async def test_a_sticker_or_voice_note_is_answered_not_dropped(settings, engine):
    """A thumbs-up sticker or a spoken "xong rồi" cannot be read: the person is told so (nothing recorded), as on
    Zalo; in a group the bot stays quiet."""
    async with running_bot(settings, engine) as h:
        await join(h, STAFF, "VP")
        changes = len(h.rows(StatusChange))
        for content in ({"sticker": {"file_id": "stk1", "file_unique_id": "u1", "type": "regular", "width": 512,
                                     "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"}},
                        {"voice": {"file_id": "voc1", "file_unique_id": "u2", "duration": 3, "mime_type": "audio/ogg"}},
                        {"video_note": {"file_id": "vn1", "file_unique_id": "u3", "length": 240, "duration": 4}}):
            before = len(h.fake.sent)
            message = h.fake.build_message(STAFF, STAFF)
            message.pop("text", None)
            h.fake.push_raw({"message": {**message, **content}})
            await h.fake.wait_for_sent_async(before + 1)
            reply = texts_to(h.fake, STAFF)[-1]
            assert reply.startswith("Hệ thống chưa đọc được tin này") and "\"xong\"" in reply
        assert len(h.rows(StatusChange)) == changes

        group = -100500
        message = h.fake.build_message(group, STAFF, chat_type="group", title="Tổ CCHC")
        message.pop("text", None)
        h.fake.push_raw({"message": {**message, "sticker": {"file_id": "stk2", "file_unique_id": "u4",
                                                            "type": "regular", "width": 512, "height": 512,
                                                            "is_animated": False, "is_video": False}}})
        before = len(h.fake.sent)
        h.fake.push_message(STAFF, STAFF, "/help")   # handled after the sticker: the bot said nothing to the group
        await h.fake.wait_for_sent_async(before + 1)
        assert texts_to(h.fake, group) == []


async def test_a_bare_number_on_telegram_is_never_a_numbered_choice(settings, engine):
    """Telegram has buttons: "1" after a card answers none of them and gets no Zalo-style note about numbers."""
    async with running_bot(settings, engine) as h:
        await join(h, STAFF, "VP")
        await open_card(h, STAFF, "1")                        # "✅ Đã hoàn thành" is its first button
        changes = len(h.rows(StatusChange))
        before = len(h.fake.sent)
        h.fake.push_message(STAFF, STAFF, "1")
        await h.fake.wait_for_sent_async(before + 1)
        assert len(h.rows(StatusChange)) == changes and texts_to(h.fake, STAFF)[-1].startswith("Hệ thống chưa hiểu.")
        assert [s for s in h.rows(ChatState) if s.user_key.endswith("#choices")] == []
