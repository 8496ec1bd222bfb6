"""Telegram's transport (bot/telegram.py JSONRequest): JSON calls through aiohttp, the rest through PTB's httpx.

Against the fake Bot API on 127.0.0.1: what the office's network settings ask (a proxy where Telegram is only
reachable through one) is honoured, and a stalled or unreachable Telegram comes back as the errors PTB and the
delivery layer know, so a reminder is retried instead of lost.
"""
from __future__ import annotations

import base64

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot import telegram as tg
from bot.messenger import SendError
from handlers.messages import OutFile, Outgoing
from tests.fakes import FakeTelegram
from tests.fakes.proxy import ForwardingProxy
from tests.fakes.telegram_api import refuse_internet

TOKEN = "123456:TRANSPORT"
CHAT = 4242


@pytest.fixture
def fake():
    with refuse_internet(), FakeTelegram(token=TOKEN) as server:
        server.build_message(CHAT, CHAT, "chào")
        yield server


@pytest.fixture
def proxy():
    with ForwardingProxy() as server:
        yield server


def _bot(fake: FakeTelegram, **timeouts) -> Bot:
    return Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.file_url, request=tg.JSONRequest(**timeouts))


def _texts(fake: FakeTelegram) -> list[str]:
    return [m.get("text") for m in fake.sent if str(m["chat_id"]) == str(CHAT)]


class _App:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot


async def test_a_message_and_a_file_go_through_the_offices_proxy(fake, proxy, monkeypatch):
    """Where Telegram is reachable only through a proxy, HTTP_PROXY (with its credentials) carries the messages."""
    monkeypatch.setenv("HTTP_PROXY", proxy.url.replace("http://", "http://cchc:bi-mat@"))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with _bot(fake) as bot:
        messenger = tg.TelegramMessenger(_App(bot))
        await messenger.send(str(CHAT), Outgoing(text="Báo cáo CCHC quý I: hạn 10/03/2026, còn 3 ngày"))
    assert _texts(fake) == ["Báo cáo CCHC quý I: hạn 10/03/2026, còn 3 ngày"]
    sends = [s for s in proxy.seen if s[1].endswith("/sendMessage")]
    assert len(sends) == 1 and sends[0][1].startswith(fake.base_url)
    assert sends[0][2] == "Basic " + base64.b64encode(b"cchc:bi-mat").decode()


async def test_no_proxy_keeps_the_call_direct(fake, proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with _bot(fake) as bot:
        await tg.TelegramMessenger(_App(bot)).send(str(CHAT), Outgoing(text="xong"))
    assert _texts(fake) == ["xong"]
    assert proxy.seen == []


async def test_a_stalled_telegram_times_out_as_a_retryable_failure(fake):
    """An answer that never comes is PTB's TimedOut, and for the delivery layer a failure to retry, not a final one."""
    fake.hold("sendMessage")
    try:
        async with _bot(fake, read_timeout=0.5) as bot:
            with pytest.raises(TimedOut) as timed_out:
                await bot.do_api_request("sendMessage", api_kwargs={"chat_id": CHAT, "text": "xong"})
            with pytest.raises(SendError) as failed:
                await tg.TelegramMessenger(_App(bot)).send(str(CHAT), Outgoing(text="xong"))
    finally:
        fake.release("sendMessage")
    assert not failed.value.final
    assert TOKEN not in str(timed_out.value) and TOKEN not in str(failed.value)  # what may reach a log line


async def test_telegram_gone_is_a_network_error(fake):
    """Telegram unreachable while the bot runs (down, a firewall): PTB's NetworkError, a failure to retry."""
    async with _bot(fake) as bot:
        messenger = tg.TelegramMessenger(_App(bot))
        await messenger.send(str(CHAT), Outgoing(text="trước"))
        fake.stop()
        with pytest.raises(NetworkError, match="aiohttp"):
            await bot.do_api_request("sendMessage", api_kwargs={"chat_id": CHAT, "text": "sau"})
        with pytest.raises(SendError) as failed:
            await messenger.send(str(CHAT), Outgoing(text="sau"))
    assert not failed.value.final and TOKEN not in str(failed.value)


async def test_files_still_go_as_multipart_beside_json_calls(fake):
    """Uploads stay on PTB's httpx path; a report file and a text message in one answer both arrive."""
    async with _bot(fake) as bot:
        sent = await tg.TelegramMessenger(_App(bot)).send(str(CHAT), Outgoing(
            text="Báo cáo quý I", files=[OutFile(name="baocao.xlsx", data=b"PK\x03\x04 xlsx",
                                                 mime="application/vnd.ms-excel")]))
    mine = [m for m in fake.sent if str(m["chat_id"]) == str(CHAT)]
    assert len(sent) == 2 and [m["message_id"] for m in mine] == [int(s.message_id) for s in sent]
    assert mine[0]["text"] == "Báo cáo quý I" and mine[1]["method"] == "sendDocument"
    assert (mine[1]["file"].name, mine[1]["file"].content) == ("baocao.xlsx", b"PK\x03\x04 xlsx")


async def test_a_connection_telegram_closed_while_idle_does_not_lose_the_next_message(fake):
    """Servers close kept-alive connections after a while, or when they restart. The next message must go out on a
    new connection, not fail on the closed one: a failed answer to a staff member is not sent again."""
    async with _bot(fake) as bot:
        messenger = tg.TelegramMessenger(_App(bot))
        await messenger.send(str(CHAT), Outgoing(text="Báo cáo CCHC quý I: hạn 10/03/2026, còn 3 ngày"))
        assert fake.close_idle_connections() >= 1  # meanwhile this event loop has not yet seen the close
        await messenger.send(str(CHAT), Outgoing(text="Đã ghi nhận: NV 14 hoàn thành."))
    assert _texts(fake) == ["Báo cáo CCHC quý I: hạn 10/03/2026, còn 3 ngày", "Đã ghi nhận: NV 14 hoàn thành."]
