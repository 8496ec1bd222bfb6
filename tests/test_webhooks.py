"""The webhook server through real HTTP on 127.0.0.1: signatures, replays, payload shapes, Telegram mode."""
from __future__ import annotations

import asyncio
import json

import httpx
from pydantic import SecretStr

from bot import telegram as tg
from bot.dispatch import Dispatcher
from bot.inbound import start_inbound
from bot.runtime import TelegramRuntime
from bot.webhooks import Background, WebhookHandlers, WebhookServer, build_app
from handlers.context import Services
from storage.models import ChatLink, ChatUser, ProcessedUpdate
from tests.fakes import FakeTelegram
from tests.fakes.zalo_api import bot_text_update, oa_text_event, sign_oa_event
from tests.zalo_harness import OA_SECRET, running_zalo

USER = "8811223344556677889"


def counts(h) -> tuple[int, int, int]:
    return len(h.rows(ChatUser)), len(h.rows(ChatLink)), len(h.rows(ProcessedUpdate))


async def post(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(url, content=body, headers=headers)


async def test_oa_signature_vectors(settings, engine):
    async with running_zalo(settings, engine) as h:
        event = oa_text_event(h.oa.app_id, USER, h.invite("VP"))
        raw, headers = sign_oa_event(event, OA_SECRET)
        mac = headers["X-ZEvent-Signature"]
        reserialised = json.dumps(event, ensure_ascii=False, indent=1).encode()
        flipped = mac[:-1] + ("0" if mac[-1] != "0" else "1")
        _, wrong_secret = sign_oa_event(event, "not-the-oa-secret")
        other_app = {**event, "app_id": "1111111111"}
        other_raw, other_headers = sign_oa_event(other_app, OA_SECRET)
        refused = [
            (raw, {**headers, "X-ZEvent-Signature": flipped}),                          # bad MAC
            (raw, {"Content-Type": "application/json"}),                               # missing
            (raw, wrong_secret),                                                       # signed with another key
            (reserialised, headers),                                                   # body re-serialised
            (other_raw, other_headers),                                                # another app's event
        ]
        for body, hdrs in refused:
            response = await post(h.url + "/zalo/oa", body, hdrs)
            assert response.status_code == 401, hdrs
        assert (await post(h.url + "/zalo/oa", b"not json", headers)).status_code == 400
        await h.inbound.background.drain()
        assert counts(h) == (0, 0, 0) and h.oa.sent == []

        bare = {**headers, "X-ZEvent-Signature": mac.removeprefix("mac=")}  # the prefix is optional
        response = await post(h.url + "/zalo/oa", raw, bare)
        await h.inbound.background.drain()
        assert response.status_code == 200 and response.json()["error"] == 0
        assert counts(h) == (1, 1, 1) and "Văn phòng Sở" in h.oa_texts(USER)[-1]


async def test_bot_secret_header_vectors_and_bad_bodies(settings, engine):
    async with running_zalo(settings, engine) as h:
        update = bot_text_update(USER, h.invite("VP"))
        for secret in ("wrong-secret-value", "", "bot-webhook-secret-123"):
            assert (await h.post_bot(update, secret=secret)).status_code == 401
        missing = await post(h.url + "/zalo/bot", json.dumps(update).encode(), {"Content-Type": "application/json"})
        assert missing.status_code == 401
        good = {"X-Bot-Api-Secret-Token": "bot-webhook-secret-1234", "Content-Type": "application/json"}
        assert (await post(h.url + "/zalo/bot", b"[1, 2", good)).status_code == 400
        assert (await post(h.url + "/zalo/bot", b"{" + b" " * (1024 * 1024) + b"}", good)).status_code == 413
        await h.inbound.background.drain()
        assert counts(h) == (0, 0, 0) and h.bot.sent == []
        assert (await post(h.url + "/zalo/nothing", b"{}", good)).status_code == 404

        assert (await h.post_bot(update)).status_code == 200
        assert counts(h) == (1, 1, 1)


async def test_replayed_events_are_applied_once(settings, engine):
    async with running_zalo(settings, engine) as h:
        join = oa_text_event(h.oa.app_id, USER, h.invite("VP", uses=1))
        raw, headers = sign_oa_event(join, OA_SECRET)
        answers = await asyncio.gather(*(post(h.url + "/zalo/oa", raw, headers) for _ in range(3)))
        await h.inbound.background.drain()
        assert [a.status_code for a in answers] == [200, 200, 200]
        again = await post(h.url + "/zalo/oa", raw, headers)   # Zalo retries after a slow answer
        await h.inbound.background.drain()
        assert again.status_code == 200
        assert len(h.rows(ProcessedUpdate, ProcessedUpdate.channel == "zalo_oa")) == 1
        assert len(h.oa.sent) == 1 and "Văn phòng Sở" in h.oa_texts(USER)[0]

        flat = bot_text_update(USER, "/help", message_id="2d758cb5e222177a4e35")
        wrapped = {"ok": True, "result": flat}               # the documented shape; OpenClaw sees the flat one
        await h.post_bot(flat)
        await h.post_bot(wrapped)
        [seen] = h.rows(ProcessedUpdate, ProcessedUpdate.channel == "zalo_bot")
        assert seen.key == "message.text.received:2d758cb5e222177a4e35"
        assert len(h.bot.sent) == 2 and "trợ lý tự động" in h.bot.sent[0]["text"]   # first contact: disclosed
        await h.post_bot(bot_text_update(USER, "/help", wrapped=True))
        assert len(h.bot.sent) == 3


async def test_answers_before_processing_and_logs_failures(caplog):
    release, seen = asyncio.Event(), []

    async def slow(inbound) -> None:
        await release.wait()
        seen.append(inbound.text)
        raise RuntimeError("handler bug")

    background = Background()
    server = WebhookServer(build_app(WebhookHandlers(zalo_bot_secret="s3cret-token", on_zalo_bot=slow), background),
                           "127.0.0.1", 0)
    await server.start()
    try:
        body = json.dumps(bot_text_update("c1", "xong")).encode()
        response = await post(f"http://127.0.0.1:{server.port}/zalo/bot", body,
                              {"X-Bot-Api-Secret-Token": "s3cret-token"})
        assert response.status_code == 200 and seen == []
        release.set()
        await background.drain()
        assert seen == ["xong"] and "processing a webhook event failed" in caplog.text
    finally:
        await server.stop()


async def test_telegram_webhook_mode(settings, engine):
    with FakeTelegram(token="123456:TEST-TOKEN") as fake:
        cfg = settings.model_copy(update={
            "telegram_token": SecretStr("123456:TEST-TOKEN"), "telegram_api_url": fake.base_url,
            "telegram_file_url": fake.file_url, "telegram_webhook_url": "https://nhacviec.example.vn/telegram",
            "telegram_webhook_secret": SecretStr("tg-secret-abc"), "webhook_port": 0})
        app = tg.build_application(cfg, polling=False)
        dispatcher = Dispatcher(Services(engine=engine, settings=cfg), {tg.CHANNEL: tg.TelegramMessenger(app)})
        TelegramRuntime(app, dispatcher)
        await app.initialize()
        await app.start()
        inbound = await start_inbound(cfg, dispatcher, telegram_app=app)
        try:
            url = f"http://127.0.0.1:{inbound.server.port}/telegram"
            update = json.dumps({"update_id": 501, "message": fake.build_message(77, 77, "/help")}).encode()
            wrong = await post(url, update, {"X-Telegram-Bot-Api-Secret-Token": "nope"})
            assert wrong.status_code == 401
            assert (await post(url, update, {})).status_code == 401
            good = await post(url, update, {"X-Telegram-Bot-Api-Secret-Token": "tg-secret-abc",
                                            "Content-Type": "application/json"})
            assert good.status_code == 200
            await fake.wait_for_sent_async(1)
            assert "mã mời" in fake.sent[0]["text"] and len(fake.sent) == 1
            info = [c for c in fake.calls if c["method"] == "setWebhook"][-1]
            assert info["params"]["url"] == "https://nhacviec.example.vn/telegram"
        finally:
            await inbound.stop()
            await app.stop()
            await app.shutdown()
