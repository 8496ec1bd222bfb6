"""Zalo end to end: the real clients, webhook server and reminder round against fake Zalo servers on 127.0.0.1."""
from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.messenger import SendError
from handlers.messages import Button, Outgoing
from storage.models import (Assignment, ChatLink, Evidence, KeyValue, Reminder, StatusChange, Task, Unit)
from tests.fakes.zalo_api import FakeZaloBot, bot_image_update, bot_text_update, oa_follow_event
from tests.zalo_harness import BOT_TOKEN, VN, FileHost, handled, running_zalo

CHAT, OFFICER, OA_USER = "6ede9afa66b88fe6d6a9", "2468458835296117922", "8811223344556677889"
PHOTO = b"\xff\xd8\xff\xe0" + b"anh bien ban giao ban" * 200 + b"\xff\xd9"


def assignment(h, number: str, due: str, unit: str = "VP") -> Assignment:
    [vp] = h.rows(Unit, Unit.code == unit)
    tasks = {t.id for t in h.rows(Task, Task.number == number)}
    return next(a for a in h.rows(Assignment, Assignment.unit_id == vp.id)
                if a.task_id in tasks and a.due_on.isoformat() == due)


def link(h, channel: str, chat_id: str) -> ChatLink:
    [found] = h.rows(ChatLink, ChatLink.channel == channel, ChatLink.chat_id == chat_id)
    return found


async def test_bot_unit_joins_is_reminded_answers_by_number_and_word(settings, engine):
    with FileHost({"anh.jpg": PHOTO}) as cdn:
        async with running_zalo(settings, engine) as h:
            await h.bot_says(CHAT, h.invite("VP"))
            assert "Chào mừng Ted! Đồng chí đã tham gia Văn phòng Sở" in h.bot_texts(CHAT)[-1]
            assert link(h, "zalo_bot", CHAT).active

            report = await h.remind()
            assert (report.tally.messages, report.tally.sent) == (1, 5)
            reminder = h.bot_texts(CHAT)[-1]
            assert reminder.startswith("🔔 Nhắc việc ngày 15/04/2026 — Văn phòng Sở")
            assert "Trả lời bằng số:\n1. ✅ NV 6 (hạn 27/02)\n2. ⏰ 1 ngày" in reminder and len(reminder) <= 2000

            await h.bot_says(CHAT, "1")
            first = assignment(h, "6", "2026-02-28")
            assert first.status == "done" and "nhiệm vụ 6 (hạn 27/02) hoàn thành" in h.bot_texts(CHAT)[-1]

            await h.post_bot(bot_image_update(CHAT, cdn.url("anh.jpg")))
            [evidence] = h.rows(Evidence, Evidence.assignment_id == first.id)
            assert evidence.sha256 == hashlib.sha256(PHOTO).hexdigest() and evidence.channel == "zalo_bot"
            assert Path(evidence.stored_path).read_bytes() == PHOTO

            await h.bot_says(CHAT, "xong")
            assert h.bot_texts(CHAT)[-1].startswith("Đồng chí trả lời cho nhiệm vụ nào?")
            assert "\n2. NV 1 (hạn 31/03): Triển khai công tác CCHC" in h.bot_texts(CHAT)[-1]
            await h.bot_says(CHAT, "2")
            assert assignment(h, "1", "2026-03-31").status == "done"
            changes = h.rows(StatusChange, StatusChange.channel == "zalo_bot", StatusChange.field == "status")
            assert sorted(c.after for c in changes) == ["done", "done"]

            h.oa.users[OFFICER] = "Chị Lan"
            await h.oa_says(OFFICER, h.invite("VP", "officer"))
            assert h.oa_texts(OFFICER)[-1].startswith("Chào mừng Chị Lan!")
            before = len(h.oa_texts(OFFICER))
            await h.oa_says(OFFICER, "/status VP")
            status = h.oa_texts(OFFICER)[before:]
            assert status[0].startswith("Tình hình của Văn phòng Sở:") and "Đã hoàn thành: 2" in status[0]
            assert len(status) > 1 and all(len(part) <= 2000 for part in status)


async def test_oa_quote_of_a_reminder_applies_to_its_task(settings, engine):
    async with running_zalo(settings, engine, now=datetime(2026, 4, 16, 9, 0, tzinfo=VN)) as h:
        await h.oa_says(OA_USER, h.invite("VP"))
        report = await h.remind()
        assert report.tally.sent == 1
        [reminder] = [m for m in h.oa.sent if m["kind"] == "cs" and "Nhắc việc" in m["message"]["text"]]
        h.clock.now += timedelta(hours=2)
        await h.oa_says(OA_USER, "xong", quote_msg_id=reminder["message_id"])
        assert assignment(h, "6", "2026-01-31").status == "done"
        assert "nhiệm vụ 6 (hạn 30/01) hoàn thành" in h.oa_texts(OA_USER)[-1]
        assert link(h, "zalo_oa", OA_USER).last_inbound_at == h.clock.now   # the OA's 7-day window starts again


async def test_oa_past_seven_days_gets_the_approved_zbs_template(settings, engine):
    async with running_zalo(settings, engine, zalo_oa_template_id="7895417a7d3f9461cd2e") as h:
        h.oa.templates["7895417a7d3f9461cd2e"] = {"nhiem_vu", "han", "don_vi", "ma"}
        await h.oa_says(OA_USER, h.invite("VP"))
        h.oa.interacted(OA_USER, days_ago=8)
        h.dispatcher.messengers["zalo_oa"]._seen.clear()   # as after a restart: only Zalo's look-up knows
        consultations = len([m for m in h.oa.sent if m["kind"] == "cs"])
        report = await h.remind()
        assert report.tally.sent == 5 and report.tally.failed == 0
        [sent] = [m for m in h.oa.sent if m["kind"] == "template"]
        assert sent["user_id"] == OA_USER and sent["template_id"] == "7895417a7d3f9461cd2e"
        # 28/02/2026 is a Saturday: the working day the text reminder names too (NHACVIEC_DAY_OFF_RULE=before)
        assert sent["template_data"]["han"] == "27/02/2026" and sent["template_data"]["don_vi"] == "Văn phòng Sở"
        assert sent["template_data"]["nhiem_vu"].startswith("NV 6: Tổ chức Hội nghị giao ban về CCHC (và 4")
        assert len([m for m in h.oa.sent if m["kind"] == "cs"]) == consultations   # no -230 tried first
        assert link(h, "zalo_oa", OA_USER).active


async def test_oa_closed_window_without_template_tells_officers_until_the_unit_writes(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(OFFICER, h.invite("VP", "officer"))
        await h.oa_says(OA_USER, h.invite("VP"))
        h.oa.not_interacted.add(OA_USER)
        report = await h.remind()
        unit_link = link(h, "zalo_oa", OA_USER)
        assert (unit_link.active, unit_link.inactive_reason) == (False, "zalo_unreachable")
        assert report.tally.failed == 5 and report.tally.deferred == 0      # final at once: no retries
        assert any("Văn phòng Sở trên Zalo OA (không liên lạc được trên Zalo" in t for t in h.bot_texts(OFFICER))

        h.oa.not_interacted.discard(OA_USER)
        await h.oa_says(OA_USER, "/viec")
        assert link(h, "zalo_oa", OA_USER).active
        h.clock.now += timedelta(days=1)
        assert (await h.remind()).tally.sent >= 1


async def test_oa_blocked_or_unfollowed_is_final(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(OFFICER, h.invite("VP", "officer"))
        await h.oa_says(OA_USER, h.invite("VP"))
        h.oa.blocked.add(OA_USER)
        await h.remind()
        assert link(h, "zalo_oa", OA_USER).inactive_reason == "blocked"
        assert "Văn phòng Sở trên Zalo OA (đã chặn bot)" in h.bot_texts(OFFICER)[-1]

        h.oa.blocked.discard(OA_USER)
        await h.oa_says(OA_USER, "/viec")
        assert link(h, "zalo_oa", OA_USER).active
        await h.post_oa(oa_follow_event(h.oa.app_id, OA_USER, event="unfollow"))
        assert link(h, "zalo_oa", OA_USER).inactive_reason == "blocked"


async def test_oa_expired_access_token_is_refreshed_once(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.oa_says(OA_USER, h.invite("VP"))   # the seeded token's expiry is unknown: refreshed on first use
        assert h.oa.refresh_calls == ["refresh-1"]
        h.oa.expire_access_tokens()                  # -216 on the next call
        messenger = h.dispatcher.messengers["zalo_oa"]
        await asyncio.gather(*(messenger.send(OA_USER, Outgoing(text=f"tin {i}")) for i in range(3)))
        assert h.oa.refresh_calls == ["refresh-1", "refresh-2"] and h.oa.double_spends == []
        assert [m["access_token"] for m in h.oa.sent[-3:]] == ["access-3"] * 3
        [stored] = h.rows(KeyValue, KeyValue.key == "zalo_oa")
        assert '"refresh_token": "refresh-3"' in stored.value


async def test_rate_limits_hold_the_channel_and_retry_later(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(CHAT, h.invite("VP"))
        h.bot.fail_next("sendMessage", 429, "Too Many Requests", http_status=429, retry_after=7)
        report = await h.remind()
        assert (report.tally.sent, report.tally.deferred) == (0, 5)
        pending = h.rows(Reminder, Reminder.state == "pending")
        assert {r.next_attempt_at for r in pending} == {h.clock.now + timedelta(seconds=7)}
        h.clock.now += timedelta(seconds=8)
        assert (await h.remind()).tally.sent == 5

        await h.oa_says(OA_USER, h.invite("VP"))
        h.oa.fail_next("cs", -32, "Rate limited")
        with pytest.raises(SendError) as limited:
            await h.dispatcher.messengers["zalo_oa"].send(OA_USER, Outgoing(text="Nhắc việc"))
        assert (limited.value.final, limited.value.retry_after) == (False, 60.0)   # the OA limit is per minute
        h.oa.fail_next("cs", -211, "Out of quota")
        with pytest.raises(SendError) as quota:
            await h.dispatcher.messengers["zalo_oa"].send(OA_USER, Outgoing(text="Nhắc việc"))
        assert (quota.value.final, quota.value.retry_after, quota.value.reason) == (False, 3600.0, "quota")


async def test_long_text_split_at_2000_and_choices_answered_by_number(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(CHAT, h.invite("VP"))
        a = assignment(h, "6", "2026-02-28")
        lines = [f"Dòng {i}: " + "nội dung báo cáo " * 6 for i in range(60)]
        out = Outgoing(text="\n".join(lines), buttons=[[Button("✅ NV 6", f"s:{a.id}:done")]])
        before = len(h.bot.sent)
        sent = await h.dispatcher.messengers["zalo_bot"].send(CHAT, out)
        parts = [m["text"] for m in h.bot.sent[before:]]
        assert len(sent) == len(parts) >= 3 and all(len(p) <= 2000 for p in parts)
        assert parts[-1].endswith("Trả lời bằng số:\n1. ✅ NV 6")
        assert "\n".join(parts).startswith("\n".join(lines[:3]))
        await h.bot_says(CHAT, "1")   # the messenger remembered the choices of a message sent outside an update
        assert assignment(h, "6", "2026-02-28").status == "done"


async def test_bot_long_polling_without_a_public_url(settings, engine):
    async with running_zalo(settings, engine, polling=True) as h:
        assert h.inbound.server is not None       # the OA still needs its webhook
        assert "deleteWebhook" in h.bot.calls and h.bot.webhook["url"] == ""
        async with handled(h.inbound.poller):
            h.bot.push_update(bot_text_update(CHAT, h.invite("VP"), wrapped=True))
        assert "Văn phòng Sở" in h.bot_texts(CHAT)[-1]
        assert link(h, "zalo_bot", CHAT).active


def test_cli_sets_the_bot_webhook_and_replaces_oa_tokens(cli, engine):
    with FakeZaloBot(BOT_TOKEN) as bot:
        env = {"NHACVIEC_ZALO_BOT_TOKEN": BOT_TOKEN, "NHACVIEC_ZALO_BOT_API_URL": bot.base_url,
               "NHACVIEC_ZALO_BOT_SECRET": "bot-webhook-secret-1234",
               "NHACVIEC_PUBLIC_URL": "https://nhacviec.example.vn/"}
        result = cli("zalo", "set-webhook", env=env)
        assert "https://nhacviec.example.vn/zalo/bot" in result.output
        assert bot.webhook["url"] == "https://nhacviec.example.vn/zalo/bot"
        assert bot.webhook["secret_token"] == "bot-webhook-secret-1234"
        assert "Webhook: https://nhacviec.example.vn/zalo/bot" in cli("zalo", "info", env=env).output
        cli("zalo", "delete-webhook", env=env)
        assert bot.webhook["url"] == ""
        short = cli("zalo", "set-webhook", env={**env, "NHACVIEC_ZALO_BOT_SECRET": "short"})
        assert short.exit_code == 1 and "8–256" in short.output

    assert "Chưa có token Zalo OA" in cli("zalo", "tokens", "show").output
    cli("zalo", "tokens", "set", "--access", "acc-new", "--refresh", "ref-new", "--expires-in", "3600")
    shown = cli("zalo", "tokens", "show").output
    assert "Access token hết hạn lúc" in shown and "acc-new" not in shown and "ref-new" not in shown
    with Session(engine) as session:
        stored = session.get(KeyValue, "zalo_oa")
    assert '"access_token": "acc-new"' in stored.value and '"refresh_token": "ref-new"' in stored.value
