"""Telegram events the bot must survive: groups, supergroup upgrades, being blocked or removed, 429."""
from __future__ import annotations

import time

from handlers.messages import Outgoing
from storage.models import Assignment, ChatLink, Status
from tests.fakes import BLOCKED, UPGRADED
from tests.telegram_harness import running_bot
from tests.test_telegram_e2e import OFFICER, STAFF, join, texts_to

GROUP = -100500


def member_update(chat_id: int, chat_type: str, status: str, user_id: int = STAFF) -> dict:
    chat = {"id": chat_id, "type": chat_type, "title": "Nhóm VP"} if chat_type != "private" else {
        "id": chat_id, "type": "private", "first_name": "A"}
    bot = {"id": 123456, "is_bot": True, "first_name": "Nhắc việc", "username": "nhacviec_bot"}
    return {"my_chat_member": {
        "chat": chat, "from": {"id": user_id, "is_bot": False, "first_name": "A"}, "date": int(time.time()),
        "old_chat_member": {"user": bot, "status": "member"},
        "new_chat_member": {"user": bot, "status": status, **({"until_date": 0} if status == "kicked" else {})}}}


async def test_group_joins_and_is_reminded_and_moves_on_supergroup_upgrade(settings, engine):
    async with running_bot(settings, engine) as h:
        code = h.invite("VP")
        h.fake.push_message(GROUP, STAFF, f"/start@nhacviec_bot {code}", chat_type="group", title="Nhóm VP")
        await h.fake.wait_for_sent_async(1)
        assert "Nhóm này đã được liên kết với Văn phòng Sở" in texts_to(h.fake, GROUP)[-1]
        [link] = h.rows(ChatLink)
        assert (link.chat_id, link.kind, link.active) == (str(GROUP), "group", True)

        h.fake.push_raw({"message": {**h.fake.build_message(GROUP, STAFF, "", chat_type="group", title="Nhóm VP"),
                                     "migrate_to_chat_id": -100999}})
        await h.fake.wait_for_async(lambda: h.rows(ChatLink)[0].chat_id == "-100999")

        await join(h, OFFICER, "VP", role="officer")
        h.fake.fail_next("sendMessage", 400, UPGRADED, migrate_to_chat_id=-100777, chat_id=-100999)
        before = len(h.fake.sent)
        h.fake.push_message(OFFICER, OFFICER, "/overdue VP")
        await h.fake.wait_for_sent_async(before + 1)
        await h.runtime.dispatcher.deliver(Outgoing(text="Nhắc việc thử"), default_channel="telegram",
                                           default_chat="-100999")
        assert texts_to(h.fake, -100777)[-1] == "Nhắc việc thử"
        assert {l.chat_id for l in h.rows(ChatLink, ChatLink.kind == "group")} == {"-100777"}


async def test_blocked_bot_marks_link_inactive_and_tells_officers(settings, engine):
    async with running_bot(settings, engine) as h:
        await join(h, OFFICER, "VP", role="officer")
        await join(h, STAFF, "TCCB")
        h.fake.push_raw(member_update(STAFF, "private", "kicked"))
        await h.fake.wait_for_async(lambda: any("Không gửi được" in t for t in texts_to(h.fake, OFFICER)))
        [link] = h.rows(ChatLink, ChatLink.chat_id == str(STAFF))
        assert not link.active and link.inactive_reason == "blocked"
        notice = texts_to(h.fake, OFFICER)[-1]
        assert "Phòng Tổ chức cán bộ" in notice and "Telegram" in notice and "đã chặn bot" in notice


async def test_send_failure_blocked_is_final_and_429_is_retried(settings, engine):
    async with running_bot(settings, engine) as h:
        await join(h, OFFICER, "VP", role="officer")
        await join(h, STAFF, "TCCB")
        h.fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=STAFF)
        await h.runtime.dispatcher.deliver(Outgoing(text="Lần 1"), default_channel="telegram", default_chat=str(STAFF))
        assert texts_to(h.fake, STAFF)[-1] == "Lần 1"
        h.fake.fail_next("sendMessage", 403, BLOCKED, chat_id=STAFF)
        await h.runtime.dispatcher.deliver(Outgoing(text="Lần 2"), default_channel="telegram", default_chat=str(STAFF))
        assert "Lần 2" not in texts_to(h.fake, STAFF)
        [link] = h.rows(ChatLink, ChatLink.chat_id == str(STAFF))
        assert not link.active
        assert "đã chặn bot" in texts_to(h.fake, OFFICER)[-1]
        assert h.rows(Assignment, Assignment.status == Status.DONE) == []
