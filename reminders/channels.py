"""Messengers for sending reminders outside `nhacviec run` (the `nhacviec remind` command).

`build_messengers` is the one place that knows which channels are configured; the Zalo work adds
its messengers here. `open_messengers` starts and stops whatever a messenger needs around a use.
"""
from __future__ import annotations

from contextlib import AsyncExitStack, asynccontextmanager
from typing import AsyncIterator

from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot import telegram as tg
from bot.inbound import zalo_messengers
from bot.messenger import Messenger
from config import Settings


def overall_limit(rate: int) -> tuple[float, float]:
    """(max_rate, time_period) for AIORateLimiter's overall bucket: never more than `rate` in any second.

    PTB's default bucket holds a whole second's worth: a burst of `rate`, then `rate` per second,
    so one sliding second can see nearly twice the limit and Telegram answers 429. A small bucket
    (1.5 % of the rate) leaking at rate − bucket keeps every second at or under `rate` while still
    absorbing the moments the sender was busy.
    """
    rate = max(1, rate)
    burst = max(1, round(rate * 0.015))
    leak = max(rate - burst, rate / 2)
    return burst, burst / leak


def telegram_application(settings: Settings) -> Application:
    """A PTB Application for sending only: rate limiter at the configured pace, no polling, no job queue.

    With max_retries=0 a 429's retry_after comes back to the round, which schedules the retry
    instead of sleeping.
    """
    max_rate, period = overall_limit(settings.telegram_rate_per_second)
    limiter = AIORateLimiter(overall_max_rate=max_rate, overall_time_period=period, max_retries=0)
    return (ApplicationBuilder().token(settings.telegram_token.get_secret_value())
            .base_url(settings.telegram_api_url).base_file_url(settings.telegram_file_base)
            .rate_limiter(limiter).updater(None).job_queue(None).build())


def build_messengers(settings: Settings) -> dict[str, Messenger]:
    """A messenger for every configured channel, keyed by channel name."""
    messengers: dict[str, Messenger] = {}
    if settings.telegram_token:
        messengers[tg.CHANNEL] = tg.TelegramMessenger(telegram_application(settings))
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
