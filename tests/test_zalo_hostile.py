"""Hostile and broken input on the Zalo channels: nested bodies, replayed or stale OA events, media URLs
pointing inside our network, malformed Bot updates. Each is refused or skipped and changes nothing else."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from storage.models import ChatLink, ChatUser, Evidence, ProcessedUpdate
from tests.fakes.zalo_api import (bot_image_update, bot_text_update, oa_attachment_event, oa_follow_event,
                                  sign_oa_event)
from tests.zalo_harness import BOT_SECRET, OA_SECRET, FileHost, handled, running_zalo

UNIT, OFFICER, CHAT = "8811223344556677889", "2468458835296117922", "6ede9afa66b88fe6d6a9"
PDF = b"%PDF-1.4\n% bao cao\n" + b"0" * 500 + b"\n%%EOF\n"


async def post(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(url, content=body, headers=headers)


def link_of(h, chat_id: str) -> ChatLink:
    [found] = h.rows(ChatLink, ChatLink.channel == "zalo_oa", ChatLink.chat_id == chat_id)
    return found


async def test_deeply_nested_bodies_are_refused_with_400_not_500(settings, engine):
    async with running_zalo(settings, engine) as h:
        nested = b'{"a":' * 100_000 + b"1" + b"}" * 100_000   # under 1 MB, far deeper than json can read
        assert len(nested) < 1024 * 1024
        oa = await post(h.url + "/zalo/oa", nested, {"X-ZEvent-Signature": "mac=00"})
        bot = await post(h.url + "/zalo/bot", nested, {"X-Bot-Api-Secret-Token": BOT_SECRET})
        assert (oa.status_code, bot.status_code) == (400, 400)
        await h.inbound.background.drain()
        assert h.rows(ChatUser) == [] and h.rows(ProcessedUpdate) == []


async def test_replayed_unfollow_and_stale_events_change_nothing(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(OFFICER, h.invite("VP", "officer"))
        await h.oa_says(UNIT, h.invite("VP"))
        unfollow = oa_follow_event(h.oa.app_id, UNIT, event="unfollow")
        raw, headers = sign_oa_event(unfollow, OA_SECRET)
        assert (await post(h.url + "/zalo/oa", raw, headers)).status_code == 200
        await h.inbound.background.drain()
        assert link_of(h, UNIT).inactive_reason == "blocked"
        notices = len(h.bot_texts(OFFICER))

        await h.oa_says(UNIT, "/viec")                       # the unit follows again and writes
        assert link_of(h, UNIT).active
        h.clock.now += timedelta(hours=2)
        assert (await post(h.url + "/zalo/oa", raw, headers)).status_code == 200   # the same signed bytes
        await h.inbound.background.drain()
        assert link_of(h, UNIT).active and len(h.bot_texts(OFFICER)) == notices

        stale = oa_follow_event(h.oa.app_id, UNIT, event="unfollow",
                                timestamp_ms=int((h.clock() - timedelta(days=2)).timestamp() * 1000))
        await h.post_oa(stale)                              # signed, never seen, but two days old
        assert link_of(h, UNIT).active and len(h.bot_texts(OFFICER)) == notices


async def test_media_urls_inside_our_network_are_not_fetched(settings, engine):
    with FileHost({"bao-cao.pdf": PDF}, redirects={"r.pdf": "http://169.254.169.254/latest/meta-data"}) as cdn:
        async with running_zalo(settings, engine) as h:
            await h.oa_says(UNIT, h.invite("VP"))

            async def send_file(url: str) -> None:
                await h.post_oa(oa_attachment_event(h.oa.app_id, UNIT, "file", url, name="bao-cao.pdf"))
                assert "là tài liệu kiểm chứng của nhiệm vụ nào?" in h.oa_texts(UNIT)[-1]
                await h.oa_says(UNIT, "3")

            await send_file(cdn.url("bao-cao.pdf").replace("127.0.0.1", "localhost"))  # not on the allow-list
            assert "Không tải được tệp từ Zalo" in h.oa_texts(UNIT)[-1]
            await send_file(cdn.url("r.pdf"))               # an allowed host redirecting inside the network
            assert "Không tải được tệp từ Zalo" in h.oa_texts(UNIT)[-1]
            assert h.rows(Evidence) == [] and cdn.fetched == ["r.pdf"]   # the redirect was not followed

            await send_file(cdn.url("bao-cao.pdf"))        # 127.0.0.1 is allowed in tests, explicitly, by settings
            [evidence] = h.rows(Evidence)
            assert evidence.original_name == "bao-cao.pdf"


async def test_bot_polling_survives_malformed_updates_and_reads_updates_without_ids(settings, engine):
    async with running_zalo(settings, engine, polling=True) as h:
        broken = bot_image_update(CHAT, "https://zalo.example/a.jpg")
        broken["message"]["attachments"] = 5
        broken["message"]["photo_url"] = {"nested": ["odd"]}
        first = bot_text_update(CHAT, h.invite("VP"))
        second = bot_text_update(CHAT, "/help")
        for update in (first, second):
            del update["message"]["message_id"]
        async with handled(h.inbound.poller, count=3, timeout=20):   # 5 is not even an update
            for update in (5, broken, first, second):
                h.bot.push_update(update)
        texts = h.bot_texts(CHAT)
        assert "trợ lý tự động" in texts[0]                 # first contact: told it is automated software
        assert "Văn phòng Sở" in texts[1] and len(texts) == 3
        assert not h.inbound.poller._task.done()
        async with handled(h.inbound.poller, timeout=20):   # still polling
            h.bot.push_update(bot_text_update(CHAT, "/help"))
        assert len(h.bot_texts(CHAT)) == 4
