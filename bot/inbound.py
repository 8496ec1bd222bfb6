"""Zalo channels and the webhook server, started and stopped around `nhacviec run` (see bot/serve.py).

Inbound: Bot Platform updates by webhook when NHACVIEC_PUBLIC_URL and NHACVIEC_ZALO_BOT_SECRET are set, by
long polling otherwise; OA events by webhook only (its URL is set in the Zalo developer console); Telegram
by webhook when NHACVIEC_TELEGRAM_WEBHOOK_URL is set. Everything goes through the same Dispatcher.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Callable

from sqlalchemy.engine import Engine
from telegram import Update

from bot import zalo_bot, zalo_oa
from bot.dispatch import Dispatcher
from bot.messenger import Messenger
from bot.webhooks import Background, WebhookHandlers, WebhookServer, build_app
from bot.zalo_channel import ChoiceMemory, reopen_chat, to_incoming
from config import Settings
from handlers.system import unreachable_notices
from services import people
from storage.db import make_engine, session_scope
from storage.types import utcnow
from zalo import ZaloError, ZaloInbound

log = logging.getLogger(__name__)


def zalo_messengers(settings: Settings, engine: Engine | None = None, *,
                    clock: Callable[[], datetime] = utcnow) -> dict[str, Messenger]:
    """A messenger for each configured Zalo channel (an engine is made from the settings when not given)."""
    if not settings.zalo_bot_token and not zalo_oa.oa_configured(settings):
        return {}
    engine = engine or make_engine(settings.database_url)
    choices = ChoiceMemory(engine, clock)
    messengers: dict[str, Messenger] = {}
    if settings.zalo_bot_token:
        messengers[zalo_bot.CHANNEL] = zalo_bot.build_bot_messenger(settings, choices)
    if zalo_oa.oa_configured(settings):
        messengers[zalo_oa.CHANNEL] = zalo_oa.build_oa_messenger(settings, engine, choices)
    return messengers


class ZaloInbox:
    """Turns Zalo messages and events into what the core understands, for both channels."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self._names: dict[str, str] = {}

    @property
    def engine(self) -> Engine:
        return self.dispatcher.services.engine

    async def on_bot(self, inbound: ZaloInbound) -> None:
        """A Bot Platform message."""
        await self._message(zalo_bot.CHANNEL, inbound)

    async def on_oa(self, inbound: ZaloInbound) -> None:
        """An OA event: an unfollow closes the chat, a message is handled like any other."""
        if inbound.event == "unfollow":
            await self._lost(zalo_oa.CHANNEL, inbound.chat_id, "blocked")
            return
        if inbound.event == "follow":
            return  # following says nothing yet; the person joins by sending an invite code
        if not inbound.user_name:
            inbound = _with_name(inbound, await self._oa_name(inbound.user_id))
        await self._message(zalo_oa.CHANNEL, inbound)

    async def _message(self, channel: str, inbound: ZaloInbound) -> None:
        incoming = to_incoming(channel, inbound)
        if incoming is None:
            return
        if reopen_chat(self.engine, channel=channel, chat_id=incoming.chat_id):
            log.info("a %s chat that could not be reached wrote again; its links are active", channel)
        await self.dispatcher.process(incoming)

    async def _oa_name(self, user_id: str) -> str:
        if user_id not in self._names:
            messenger = self.dispatcher.messengers.get(zalo_oa.CHANNEL)
            try:
                profile = await messenger.client.get_user(user_id) if messenger else {}
            except ZaloError as exc:
                log.info("no Zalo OA profile for a user: %s", exc)
                profile = {}
            self._names[user_id] = str(profile.get("display_name") or "")
        return self._names[user_id]

    async def _lost(self, channel: str, chat_id: str, reason: str) -> None:
        with session_scope(self.engine) as session:
            links = people.deactivate_chat(session, channel=channel, chat_id=chat_id, reason=reason)
            notices = unreachable_notices(session, links=links, reason=reason)
            session.commit()
        for out in notices:
            await self.dispatcher.deliver(out, default_channel=channel, default_chat=chat_id, notify=False)


def _with_name(inbound: ZaloInbound, name: str) -> ZaloInbound:
    return replace(inbound, user_name=name)


def telegram_secret(settings: Settings) -> str | None:
    """The webhook secret for Telegram: the configured one, or one derived from the bot token."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret.get_secret_value()
    if settings.telegram_token:
        return hashlib.sha256(b"nhacviec-webhook:" + settings.telegram_token.get_secret_value().encode()).hexdigest()
    return None


@dataclass
class Inbound:
    """What start_inbound started, to stop in reverse order."""

    server: WebhookServer | None = None
    background: Background = field(default_factory=Background)
    poller: zalo_bot.BotPoller | None = None
    opened: list = field(default_factory=list)

    async def stop(self) -> None:
        """Stop polling and serving, let work in hand finish, close the Zalo clients."""
        if self.poller is not None:
            await self.poller.stop()
        if self.server is not None:
            await self.server.stop()
        await self.background.close()
        for messenger in reversed(self.opened):
            await messenger.close()


async def start_inbound(settings: Settings, dispatcher: Dispatcher, *, telegram_app=None) -> Inbound:
    """Open the Zalo messengers in `dispatcher`, start Bot polling or webhooks, and the webhook server if needed."""
    started, inbox, hooks = Inbound(), ZaloInbox(dispatcher), WebhookHandlers()
    for name in (zalo_bot.CHANNEL, zalo_oa.CHANNEL):
        if name in dispatcher.messengers:
            await dispatcher.messengers[name].open()
            started.opened.append(dispatcher.messengers[name])
    bot = dispatcher.messengers.get(zalo_bot.CHANNEL)
    if bot is not None and _bot_webhook(settings):
        hooks.zalo_bot_secret, hooks.on_zalo_bot = settings.zalo_bot_secret.get_secret_value(), inbox.on_bot
        await _set_bot_webhook(bot.client, settings)
    elif bot is not None:
        started.poller = zalo_bot.BotPoller(bot.client, inbox.on_bot)
        await started.poller.start()
    oa = dispatcher.messengers.get(zalo_oa.CHANNEL)
    if oa is not None:
        hooks.verify_oa, hooks.on_zalo_oa = oa.client.verify_webhook, inbox.on_oa
    if telegram_app is not None and settings.telegram_webhook_url:
        hooks.telegram_secret = telegram_secret(settings)
        hooks.on_telegram = _telegram_feed(telegram_app)
        await telegram_app.bot.set_webhook(settings.telegram_webhook_url, secret_token=hooks.telegram_secret,
                                           allowed_updates=Update.ALL_TYPES)
    if hooks.on_zalo_bot or hooks.on_zalo_oa or hooks.on_telegram:
        started.server = WebhookServer(build_app(hooks, started.background), settings.webhook_host,
                                       settings.webhook_port)
        await started.server.start()
    return started


def _bot_webhook(settings: Settings) -> bool:
    if settings.public_url and not settings.zalo_bot_secret:
        log.warning("NHACVIEC_PUBLIC_URL is set but NHACVIEC_ZALO_BOT_SECRET is not: Zalo bot uses long polling")
    return bool(settings.public_url and settings.zalo_bot_secret)


def bot_webhook_url(settings: Settings) -> str:
    """Where Zalo should POST Bot Platform updates: NHACVIEC_PUBLIC_URL + /zalo/bot."""
    return (settings.public_url or "").rstrip("/") + "/zalo/bot"


async def _set_bot_webhook(client, settings: Settings) -> None:
    try:
        await client.set_webhook(bot_webhook_url(settings), settings.zalo_bot_secret.get_secret_value())
    except (ZaloError, ValueError) as exc:  # keep running: an earlier setWebhook may still be in force
        log.error("Zalo bot setWebhook failed, updates may not arrive: %s", exc)


def _telegram_feed(application):
    async def feed(payload: dict) -> None:
        await application.update_queue.put(Update.de_json(payload, application.bot))
    return feed
