"""Messengers for every configured channel, for sending outside `nhacviec run` (`nhacviec remind`).

`build_messengers` is the one place that knows which channels are configured; the Zalo work adds
its messengers here. `open_messengers` starts and stops whatever a messenger needs around a use.
"""
from __future__ import annotations

from contextlib import AsyncExitStack, asynccontextmanager
from typing import AsyncIterator

from bot import telegram as tg
from bot.inbound import zalo_messengers
from bot.messenger import Messenger
from config import Settings


def build_messengers(settings: Settings) -> dict[str, Messenger]:
    """A messenger for every configured channel, keyed by channel name."""
    messengers: dict[str, Messenger] = {}
    if settings.telegram_token:
        messengers[tg.CHANNEL] = tg.TelegramMessenger(tg.sending_application(settings))
    messengers.update(zalo_messengers(settings))  # Zalo Bot Platform and OA, when configured
    return messengers


@asynccontextmanager
async def open_messengers(messengers: dict[str, Messenger]) -> AsyncIterator[dict[str, Messenger]]:
    """Initialise each messenger's client (PTB's bot: getMe) for the block, shut it down after."""
    async with AsyncExitStack() as stack:
        for messenger in messengers.values():
            client = getattr(messenger, "bot", None) or messenger
            if hasattr(client, "initialize") and hasattr(client, "shutdown"):
                await client.initialize()
                stack.push_async_callback(client.shutdown)
            elif hasattr(messenger, "open") and hasattr(messenger, "close"):
                await messenger.open()
                stack.push_async_callback(messenger.close)
        yield messengers
