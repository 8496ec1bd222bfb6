"""Button data that is not what the bot sent (tampered, cut short, from an old version, in odd digits), pressed
through the real Telegram polling path: the person reads that the button no longer works, nothing changes, no
"Hệ thống gặp lỗi" (the answer to a fault of ours) and no traceback in the log."""
from __future__ import annotations

import logging

from storage.models import Assignment, ExtensionRequest, Status, StatusChange, Task, Unit
from tests.test_telegram_e2e import join, open_card, texts_to
from tests.telegram_harness import running_bot

STAFF, OFFICER = 1001, 2002
GONE = "Nút này không còn dùng được. Gõ /viec để xem lại nhiệm vụ."
FAULT = "Hệ thống gặp lỗi"


async def _press(h, chat_id: int, data: str, message_id: int) -> str:
    """Press; every press is answered (answerCallbackQuery): what the person then reads is the one new message."""
    pressed = sum(1 for u in h.fake.updates if "callback_query" in u)
    await h.fake.wait_for_async(lambda: len(h.fake.answers) >= pressed)      # earlier presses all answered
    before = len(h.fake.sent)
    h.fake.push_callback(chat_id, chat_id, data, message_id)
    await h.fake.wait_for_async(lambda: len(h.fake.answers) > pressed)
    assert len(h.fake.sent) == before + 1, (data, [c for c in h.fake.calls if c["method"] != "getUpdates"][-4:])
    return texts_to(h.fake, chat_id)[-1]


async def test_a_status_button_with_a_tampered_answer_marks_nothing_done(settings, engine):
    async with running_bot(settings, engine) as h:
        await join(h, STAFF, "VP")
        card = await open_card(h, STAFF, "1")
        done = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]       # "s:<id>:done"
        assignment_id = int(done.split(":")[1])
        for forged in (f"s:{assignment_id}:xong", f"s:{assignment_id}:", f"s:{assignment_id}:DONE ",
                       f"s:{assignment_id}:prog:1", f"pick:{assignment_id}:zz:-", f"pick:{assignment_id}:done:-:x"):
            assert await _press(h, STAFF, forged, card["message_id"]) == GONE, forged
        [a] = h.rows(Assignment, Assignment.id == assignment_id)
        assert a.status == Status.OPEN
        assert h.rows(StatusChange, StatusChange.channel == "telegram") == []
        assert "Đã hoàn thành" not in h.fake.message(STAFF, card["message_id"])["text"]


async def test_malformed_buttons_of_staff_and_officers_are_old_buttons_not_faults(settings, engine, caplog):
    async with running_bot(settings, engine) as h:
        await join(h, STAFF, "VP")
        await join(h, OFFICER, "VP", role="officer")
        card = await open_card(h, STAFF, "1")
        assignment_id = int(card["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[1])
        before = len(h.fake.sent)
        h.fake.push_message(OFFICER, OFFICER, "/overdue")
        await h.fake.wait_for_sent_async(before + 1)
        listing = h.fake.sent[-1]
        caplog.clear()
        with caplog.at_level(logging.ERROR):
            for data in ("s:²:done", "s:99999999999999999999999:done", "sn:99999999999999999999999:1",
                         "open:99999999999999999999999"):
                assert await _press(h, STAFF, data, card["message_id"]) == GONE, data
            for data in ("xa:", "xa:1", "xa:abc:ok", "xa:1:ok:3", "p:", "p:x", "p:overdue:-:abc",
                         "p:overdue:-:99999999999999999999999", "p:pick:zz,-:1", "p:pick:done,xx:1",
                         "p:pick:ext,abc:1"):
                assert await _press(h, OFFICER, data, listing["message_id"]) == GONE, data
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
        assert all(FAULT not in m["text"] for m in h.fake.sent)
        [a] = h.rows(Assignment, Assignment.id == assignment_id)
        assert a.status == Status.OPEN and h.rows(StatusChange, StatusChange.channel == "telegram") == [] and h.rows(ExtensionRequest) == []
        assert {u.code for u in h.rows(Unit)} and h.rows(Task)
