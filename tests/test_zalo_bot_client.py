"""ZaloBotClient against a fake Bot Platform server, and parsing of Bot Platform updates."""
from __future__ import annotations

import asyncio
import socket
from datetime import datetime, timezone

import pytest

from tests.fakes.zalo_api import FakeZaloBot, bot_image_update, bot_text_update
from zalo.bot_client import ZaloBotClient
from zalo.errors import ZaloAuthError, ZaloError, ZaloNetworkError, ZaloRateLimited
from zalo.payloads import Attachment, parse_bot_update

TOKEN = "1459232241454765289:fake-secret"


class Sleeps:
    """An injected sleep that records the delays instead of waiting."""

    def __init__(self):
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def fake():
    with FakeZaloBot(TOKEN) as server:
        yield server


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
async def bot(fake, sleeps):
    async with ZaloBotClient(TOKEN, fake.base_url, sleep=sleeps) as client:
        yield client


async def test_send_message_posts_to_bot_token_url_and_returns_the_id(fake, bot):
    sent = await bot.send_message("6ede9afa66b88fe6d6a9", "Nhắc việc: hạn nộp báo cáo 15/07/2025")
    assert fake.sent == [{"method": "sendMessage", "message_id": sent.message_id,
                          "chat_id": "6ede9afa66b88fe6d6a9", "text": "Nhắc việc: hạn nộp báo cáo 15/07/2025"}]
    assert sent.sent_at is not None and sent.sent_at.year == 2025   # `date` is in milliseconds


async def test_text_length_is_checked_before_calling_zalo(fake, bot):
    await bot.send_message("c1", "x" * 2000)
    with pytest.raises(ValueError):
        await bot.send_message("c1", "x" * 2001)
    with pytest.raises(ValueError):
        await bot.send_message("c1", "")
    assert [call["text"] for call in fake.sent] == ["x" * 2000]


async def test_photo_and_chat_action(fake, bot):
    await bot.send_photo("c1", "https://example.org/chart.png", caption="Tiến độ tháng 7")
    await bot.send_chat_action("c1")
    assert fake.sent[0]["photo"] == "https://example.org/chart.png"
    assert fake.sent[0]["caption"] == "Tiến độ tháng 7"
    assert fake.sent[1] == {"method": "sendChatAction", "chat_id": "c1", "action": "typing"}


async def test_get_me_and_webhook_lifecycle(fake, bot):
    assert (await bot.get_me())["id"] == "1459232241454765289"
    await bot.set_webhook("https://nhacviec.example/zalo/bot", "secret-1234")
    assert (await bot.get_webhook_info())["url"] == "https://nhacviec.example/zalo/bot"
    assert fake.webhook["secret_token"] == "secret-1234"
    await bot.delete_webhook()
    assert (await bot.get_webhook_info())["url"] == ""
    with pytest.raises(ValueError):
        await bot.set_webhook("https://nhacviec.example/zalo/bot", "short")


async def test_empty_long_poll_408_means_no_updates(fake, bot):
    assert await bot.get_updates(timeout=1) == []
    assert fake.calls == ["getUpdates"]


async def test_get_updates_returns_the_single_update(fake, bot):
    fake.push_update(bot_text_update("chat-1", "xong 3"))
    updates = await bot.get_updates(timeout=1)
    assert len(updates) == 1 and updates[0]["message"]["text"] == "xong 3"
    assert await bot.get_updates(timeout=1) == []


async def test_long_poll_wakes_up_when_an_update_arrives(fake, sleeps):
    fake.poll_wait = 5.0
    async with ZaloBotClient(TOKEN, fake.base_url, sleep=sleeps) as client:
        poll = asyncio.create_task(client.get_updates(timeout=5))
        assert await asyncio.to_thread(fake.polling.wait, 30)   # the poll is waiting on the server
        fake.push_update(bot_text_update("chat-1", "hi"))
        updates = await asyncio.wait_for(poll, 60)
    assert updates[0]["message"]["text"] == "hi"


async def test_zalo_errors_are_typed_with_code_and_description(fake, bot):
    fake.fail_next("sendMessage", 400, "Bad Request: chat not found", http_status=400)
    with pytest.raises(ZaloError) as info:
        await bot.send_message("nobody", "hello")
    assert (info.value.code, info.value.message) == (400, "Bad Request: chat not found")
    assert not info.value.retryable and fake.sent == []


async def test_ok_false_with_http_200_is_an_error(fake, bot):
    fake.fail_next("sendMessage", 401, "Unauthorized", http_status=200)
    with pytest.raises(ZaloAuthError):
        await bot.send_message("c1", "hello")


async def test_403_is_the_bot_platforms_internal_error_retried_not_blocked(fake, bot, sleeps):
    fake.fail_next("getMe", 403, "Internal server error", http_status=200)
    assert (await bot.get_me())["account_name"] == "bot.fake"      # read calls are simply retried
    fake.fail_next("sendMessage", 403, "Internal server error", http_status=200)
    with pytest.raises(ZaloError) as info:                           # a send may have gone: the caller decides
        await bot.send_message("c1", "hello")
    assert info.value.retryable and not info.value.final and fake.sent == []


async def test_429_is_rate_limited_and_retryable(fake, bot, sleeps):
    fake.fail_next("sendMessage", 429, "Too Many Requests", http_status=429, retry_after=7)
    with pytest.raises(ZaloRateLimited) as info:
        await bot.send_message("c1", "hello")
    assert info.value.retryable and info.value.retry_after == 7
    assert sleeps.delays == []          # rate limits are left to the caller's queue


async def test_5xx_is_retried_with_exponential_backoff(fake, bot, sleeps):
    fake.fail_next("sendMessage", 503, "Service Unavailable", http_status=503, times=2)
    sent = await bot.send_message("c1", "hello")
    assert sleeps.delays == [0.5, 1.0]
    assert [call["message_id"] for call in fake.sent] == [sent.message_id]


async def test_500_on_a_send_is_not_repeated(fake, bot, sleeps):
    fake.fail_next("sendMessage", 500, "Internal", http_status=500)
    with pytest.raises(ZaloNetworkError) as info:
        await bot.send_message("c1", "hello")
    assert info.value.maybe_sent and info.value.retryable and sleeps.delays == []


async def test_reads_retry_any_5xx_until_retries_run_out(fake, bot, sleeps):
    fake.fail_next("getMe", 500, "Internal", http_status=500, times=4)
    with pytest.raises(ZaloNetworkError):
        await bot.get_me()
    assert sleeps.delays == [0.5, 1.0, 2.0]


async def test_unreachable_server_is_a_network_error_without_the_token(sleeps):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]     # closed again before the client connects
    async with ZaloBotClient(TOKEN, f"http://127.0.0.1:{port}", sleep=sleeps, retries=2) as client:
        with pytest.raises(ZaloNetworkError) as info:
            await client.send_message("c1", "hello")
    assert not info.value.maybe_sent and sleeps.delays == [0.5, 1.0]
    assert "fake-secret" not in str(info.value) and "fake-secret" not in repr(client)


async def test_wrong_token_is_an_auth_error(fake, sleeps):
    async with ZaloBotClient("1:wrong", fake.base_url, sleep=sleeps) as client:
        with pytest.raises(ZaloAuthError):
            await client.get_me()


# ---- parsing updates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("wrapped", [False, True])
def test_text_update_flat_or_wrapped(wrapped):
    update = bot_text_update("6ede9afa66b88fe6d6a9", "Xin chào", name="Ted",
                             message_id="2d758cb5e222177a4e35", date_ms=1750316131602, wrapped=wrapped)
    inbound = parse_bot_update(update)
    assert inbound.source == "bot" and inbound.event == "message.text.received"
    assert inbound.event_id == "message.text.received:2d758cb5e222177a4e35"
    assert (inbound.chat_id, inbound.user_id, inbound.user_name) == ("6ede9afa66b88fe6d6a9",) * 2 + ("Ted",)
    assert inbound.text == "Xin chào" and inbound.msg_id == "2d758cb5e222177a4e35"
    assert inbound.timestamp == datetime(2025, 6, 19, 6, 55, 31, 602000, tzinfo=timezone.utc)
    assert inbound.chat_type == "private" and inbound.attachments == []


def test_image_update_with_caption():
    inbound = parse_bot_update(bot_image_update("c1", "https://zalo.example/p.jpg", caption="minh chứng"))
    assert inbound.attachments == [Attachment("image", "https://zalo.example/p.jpg")]
    assert inbound.text == "minh chứng"


def test_image_url_in_nested_attachments_and_group_chat():
    update = {"event_name": "message.image.received",
              "message": {"from": {"id": 111}, "chat": {"id": 222, "chat_type": "GROUP"}, "message_id": 9,
                          "attachments": [{"payload": {"url": "https://zalo.example/n.jpg"}}]}}
    inbound = parse_bot_update(update)
    assert inbound.attachments == [Attachment("image", "https://zalo.example/n.jpg")]
    assert (inbound.chat_id, inbound.user_id, inbound.chat_type) == ("222", "111", "group")


def test_unsupported_content_is_still_an_inbound_without_text():
    update = {"event_name": "message.unsupported.received",
              "message": {"from": {"id": "u"}, "chat": {"id": "u"}, "message_id": "m"}}
    inbound = parse_bot_update(update)
    assert inbound.event == "message.unsupported.received" and inbound.text == ""


@pytest.mark.parametrize("update", [
    {"event_name": "message.reaction.received", "message": {"chat": {"id": "c"}}},
    {"event_name": "message.text.received"},
    {"ok": True, "result": {"url": "", "updated_at": 1}},
    {},
])
def test_unknown_or_malformed_updates_are_none(update):
    assert parse_bot_update(update) is None
