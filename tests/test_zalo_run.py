"""Starting the Zalo channels as `nhacviec run` does: webhook verification, and long polling kept to development."""
from __future__ import annotations

import asyncio
import logging

from pydantic import SecretStr

from bot.inbound import preflight, set_bot_webhook
from storage.models import ChatLink, InboundEvent
from tests.fakes.zalo_api import bot_text_update, post_bot_update
from tests.zalo_harness import BOT_SECRET, BOT_TOKEN, running_zalo

CHAT = "6ede9afa66b88fe6d6a9"


async def test_set_webhook_after_the_server_listens_and_its_verification_is_checked(settings, engine, caplog):
    async with running_zalo(settings, engine) as h:
        assert h.bot.probes == [200]                      # Zalo probed our URL: the server was already listening
        assert h.inbound.webhook_report.ok and "http_status=200" in h.inbound.webhook_report.detail
        wrong = h.services.settings.model_copy(
            update={"zalo_bot_secret": SecretStr("a-secret-our-server-does-not-know")})
        with caplog.at_level(logging.ERROR):
            report = await set_bot_webhook(h.dispatcher.messengers["zalo_bot"].client, wrong)
        assert not report.ok and h.bot.probes[-1] == 401
        assert "Zalo không kiểm tra được webhook" in caplog.text and BOT_TOKEN not in caplog.text


def test_production_refuses_long_polling_and_development_warns(cli, settings, caplog):
    env = {"NHACVIEC_ZALO_BOT_TOKEN": BOT_TOKEN, "NHACVIEC_ENV": "production"}
    result = cli("run", env=env)
    assert result.exit_code == 1
    assert "NHACVIEC_ENV=production nhưng Zalo Bot chưa có webhook" in result.output
    assert "NHACVIEC_PUBLIC_URL" in result.output and BOT_TOKEN not in result.output

    with caplog.at_level(logging.WARNING):
        preflight(settings.model_copy(update={"zalo_bot_token": SecretStr(BOT_TOKEN)}))
    assert "CẢNH BÁO: Zalo Bot đang nhận tin bằng long polling" in caplog.text


async def test_a_bot_message_answered_but_not_handled_is_handled_after_a_restart(settings, engine):
    async with running_zalo(settings, engine) as h:
        code = h.invite("VP")
        gate = asyncio.Event()

        async def crash_midway(incoming) -> None:   # the process stops while the update is being handled
            await gate.wait()

        h.dispatcher.process = crash_midway
        response = await post_bot_update(h.url + "/zalo/bot", bot_text_update(CHAT, code), BOT_SECRET)
        assert response.status_code == 200              # Zalo will never send it again
        await h.inbound.background.close(timeout=0)     # work in hand is lost with the process
    assert not h.rows(ChatLink)
    async with running_zalo(settings, engine) as again:   # `nhacviec run` starts again
        await again.inbound.background.drain()
        assert "Văn phòng Sở" in again.bot_texts(CHAT)[-1]
        [joined] = again.rows(ChatLink, ChatLink.chat_id == CHAT)
        assert joined.active
        [event] = again.rows(InboundEvent)
        assert event.done_at is not None
    async with running_zalo(settings, engine) as third:   # handled events are not handled twice
        await third.inbound.background.drain()
        assert third.bot_texts(CHAT) == []


async def test_a_zalo_bot_group_is_linked_by_the_invite_code_like_a_telegram_group(settings, engine):
    async with running_zalo(settings, engine) as h:
        group, member = "g-8a1b2c3d4e5f", "6ede9afa66b88fe6d6a9"
        # In a group the bot only receives replies to it and @mentions: the code is sent as a reply.
        await h.post_bot(bot_text_update(group, h.invite("VP"), user_id=member, chat_type="GROUP"))
        [linked] = h.rows(ChatLink, ChatLink.chat_id == group)
        assert linked.channel == "zalo_bot" and linked.kind == "group" and linked.active
        assert "Văn phòng Sở" in h.bot_texts(group)[-1]
