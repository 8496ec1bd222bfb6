"""Starting the Zalo channels as `nhacviec run` does: webhook verification, long polling kept to development, the
journal that keeps a Zalo Bot message across a restart, groups, and the real command in a process of its own."""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading

import httpx
from pydantic import SecretStr
from sqlmodel import Session

from bot.inbound import preflight, set_bot_webhook
from services.invites import create_invite
from services.queries import unit_by_code
from services.workspace import ensure_sample_workspace
from storage.models import ChatLink, InboundEvent
from storage.types import utcnow
from tests.conftest import REPO
from tests.fakes.zalo_api import FakeZaloBot, bot_text_update, post_bot_update
from tests.zalo_harness import BOT_SECRET, BOT_TOKEN, PUBLIC_URL, free_port, running_zalo

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


def test_nhacviec_run_in_production_serves_the_zalo_bot_webhook(db_url, tmp_path, engine):
    """The real command in a process of its own: webhook server first, setWebhook verified, a unit joins."""
    ensure_sample_workspace(engine)
    with Session(engine) as session:
        code = create_invite(session, unit=unit_by_code(session, "VP"), role="member", uses=1, expires_days=7,
                             created_by="test", now=utcnow()).code
        session.commit()
    with FakeZaloBot(BOT_TOKEN) as bot:
        port = free_port()
        bot.probe = lambda url: url.replace(PUBLIC_URL, f"http://127.0.0.1:{port}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("NHACVIEC_")}
        env.update({"NHACVIEC_DATABASE_URL": db_url, "NHACVIEC_DATA_DIR": str(tmp_path),
                    "NHACVIEC_EVIDENCE_DIR": str(tmp_path / "evidence"), "NHACVIEC_ENV": "production",
                    "NHACVIEC_ZALO_BOT_TOKEN": BOT_TOKEN, "NHACVIEC_ZALO_BOT_API_URL": bot.base_url,
                    "NHACVIEC_ZALO_BOT_SECRET": BOT_SECRET, "NHACVIEC_PUBLIC_URL": PUBLIC_URL,
                    "NHACVIEC_WEBHOOK_HOST": "127.0.0.1", "NHACVIEC_WEBHOOK_PORT": str(port)})
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "run"], cwd=REPO, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=lambda: (proc.wait(), bot.notify()), daemon=True).start()  # wakes us if it dies
        try:
            assert bot.wait_for(lambda: bot.probes == [200] or proc.poll() is not None) and bot.probes == [200]
            assert bot.webhook["url"] == PUBLIC_URL + "/zalo/bot"
            answer = httpx.post(f"http://127.0.0.1:{port}/zalo/bot", json=bot_text_update(CHAT, code),
                                headers={"X-Bot-Api-Secret-Token": BOT_SECRET})
            assert answer.status_code == 200
            assert bot.wait_for(lambda: any("Văn phòng Sở" in m.get("text", "") for m in bot.sent))
        finally:
            proc.send_signal(signal.SIGTERM)
            output, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, output
        assert "trợ lý tự động" in bot.sent[0]["text"] and BOT_TOKEN not in output

