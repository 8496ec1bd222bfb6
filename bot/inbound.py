"""Zalo channels and the webhook server, started and stopped around `nhacviec run` (see bot/serve.py).

Inbound: Bot Platform updates by webhook when NHACVIEC_PUBLIC_URL and NHACVIEC_ZALO_BOT_SECRET are set, by
long polling otherwise; OA events by webhook only (its URL is set in the Zalo developer console); Telegram
by webhook when NHACVIEC_TELEGRAM_WEBHOOK_URL is set. Everything goes through the same Dispatcher.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from telegram import Update

from bot import zalo_bot, zalo_oa
from bot.dispatch import Dispatcher
from bot.journal import DbJournal, JournalSweeper, take_over_pending
from bot.messenger import Messenger
from bot.webhooks import Background, WebhookHandlers, WebhookServer, build_app
from bot.zalo_channel import ChoiceMemory, to_incoming
from config import Settings
from handlers.messages import Outgoing
from handlers.system import unreachable_notices
from i18n import _
from services import conversation, people
from storage.db import make_engine, session_scope
from storage.types import utcnow
from zalo import ZaloError, ZaloInbound

log = logging.getLogger(__name__)
FUTURE_SKEW = timedelta(minutes=10)   # clocks differ a little; an event from further ahead is not genuine
MAX_TURNS = 10  # Zalo chats handled at the same time (see ZaloInbox._turns)


class StartupRefused(Exception):
    """`nhacviec run` must not start with this configuration; the message says why, in the reader's language."""


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
        messengers[zalo_oa.CHANNEL] = zalo_oa.build_oa_messenger(settings, engine, choices, clock)
    return messengers


class ZaloInbox:
    """Turns Zalo messages and events into what the core understands, for both channels."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self._names: dict[str, str] = {}
        self._chats: dict[tuple[str, str], list] = {}  # (channel, chat id) -> [lock, holders and waiters]
        # Chats handled at once. Each turn holds a database connection, across a photo's download too: more turns
        # than the pool's connections (SQLite and PostgreSQL: 5 + 10 overflow) would block the event loop on the
        # pool itself for its 30 s time-out; the rest are left for deliveries, rounds and the journal.
        self._turns = asyncio.Semaphore(MAX_TURNS)

    @contextlib.asynccontextmanager
    async def _in_order(self, channel: str, chat_id: str):
        """One event of a chat at a time, in the order they arrived.

        Webhook events are handled as tasks of their own, so that one chat's slow download does not hold up the
        others; a chat's own messages must still apply in order: a photo and the "xong" sent right after it, the
        "xong" must not be read while the photo is still downloading. Tasks start in arrival order and take the
        lock before their first await; asyncio's lock serves its waiters first come, first served."""
        key = (channel, chat_id)
        entry = self._chats.setdefault(key, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0], self._turns:
                yield
        finally:
            entry[1] -= 1
            if not entry[1]:
                del self._chats[key]

    @property
    def engine(self) -> Engine:
        return self.dispatcher.services.engine

    async def on_bot(self, inbound: ZaloInbound) -> None:
        """A Bot Platform message."""
        async with self._in_order(zalo_bot.CHANNEL, inbound.chat_id):
            await self._message(zalo_bot.CHANNEL, inbound)

    async def on_oa(self, inbound: ZaloInbound) -> None:
        """An OA event: an unfollow closes the chat, a message is handled like any other.

        Stale events (older than NHACVIEC_ZALO_OA_EVENT_MAX_AGE_HOURS, or dated in the future) are refused,
        and follow/unfollow are applied once: a signed event replayed later changes nothing.
        """
        async with self._in_order(zalo_oa.CHANNEL, inbound.chat_id):
            await self._oa_event(inbound)

    async def _oa_event(self, inbound: ZaloInbound) -> None:
        if not self._fresh(inbound):
            log.warning("refused a Zalo OA %s event dated outside the accepted window", inbound.event)
            return
        if inbound.event in ("follow", "unfollow"):
            if not self._first_time(zalo_oa.CHANNEL, inbound.event_id):
                log.info("a replayed Zalo OA %s event was ignored", inbound.event)
                return
            if inbound.event == "unfollow":
                await self._lost(zalo_oa.CHANNEL, inbound.chat_id, "blocked")
                return
            self._interacted(inbound)          # following opens the consultation window, as writing does
            await self._greet_follower(inbound.chat_id)
            return
        self._interacted(inbound)
        if not inbound.user_name:
            inbound = _with_name(inbound, await self._oa_name(inbound.user_id))
        await self._message(zalo_oa.CHANNEL, inbound)

    def _fresh(self, inbound: ZaloInbound) -> bool:
        if inbound.timestamp is None:
            return True
        now = self.dispatcher.services.clock()
        max_age = timedelta(hours=self.dispatcher.services.settings.zalo_oa_event_max_age_hours)
        return now - max_age <= inbound.timestamp <= now + FUTURE_SKEW

    def _first_time(self, channel: str, key: str) -> bool:
        with session_scope(self.engine) as session:
            first = conversation.claim_update(session, channel=channel, key=key)
            try:
                session.commit()
            except IntegrityError:  # the same event handled at the same moment elsewhere
                return False
        return first

    def _interacted(self, inbound: ZaloInbound) -> None:
        messenger = self.dispatcher.messengers.get(zalo_oa.CHANNEL)
        if messenger is not None:
            messenger.saw_interaction(inbound.user_id, inbound.timestamp or self.dispatcher.services.clock())

    async def _greet_follower(self, chat_id: str) -> None:
        """A new follower learns how to join; one already linked is welcomed back by its links reopening."""
        if people.reopen_chat(self.engine, channel=zalo_oa.CHANNEL, chat_id=chat_id):
            return
        with session_scope(self.engine) as session:
            linked = people.chat_has_links(session, channel=zalo_oa.CHANNEL, chat_id=chat_id)
        if not linked:
            await self.dispatcher.deliver(Outgoing(text=_(
                "Cảm ơn đồng chí đã quan tâm Zalo OA nhắc việc cải cách hành chính của Sở. Để nhận nhắc việc của "
                "đơn vị, hãy gửi mã mời do Văn phòng Sở cấp (chỉ cần gửi mã, ví dụ: AB12CD).")),
                default_channel=zalo_oa.CHANNEL, default_chat=chat_id, notify=False)

    async def _disclose_once(self, channel: str, incoming) -> None:
        """The Zalo Bot's terms: a person writing for the first time is told they talk to automated software."""
        with session_scope(self.engine) as session:
            known = people.find_user(session, channel=channel, external_id=incoming.sender_id) is not None
        if not known:
            await self.dispatcher.deliver(Outgoing(text=_(
                "ℹ️ Đồng chí đang nhắn tin với trợ lý tự động (chatbot) nhắc việc cải cách hành chính của Sở. "
                "Tin nhắn được hệ thống xử lý tự động; khi cần trao đổi trực tiếp, xin liên hệ Văn phòng Sở.")),
                default_channel=channel, default_chat=incoming.chat_id, notify=False)

    async def _message(self, channel: str, inbound: ZaloInbound) -> None:
        incoming = to_incoming(channel, inbound)
        if incoming is None:
            return
        if channel == zalo_bot.CHANNEL and incoming.chat_type == "private":
            await self._disclose_once(channel, incoming)
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
    webhook_report: "WebhookReport | None" = None
    sweeper: JournalSweeper | None = None

    async def stop(self) -> None:
        """Stop polling and serving, let work in hand finish, close the Zalo clients."""
        if self.sweeper is not None:
            await self.sweeper.stop()
        if self.poller is not None:
            await self.poller.stop()
        if self.server is not None:
            await self.server.stop()
        await self.background.close()
        for messenger in reversed(self.opened):
            await messenger.close()


async def start_inbound(settings: Settings, dispatcher: Dispatcher, *, telegram_app=None, desk=None) -> Inbound:
    """Open the Zalo messengers in `dispatcher`, start the web server if needed (webhooks; the officers' desk at /
    when `desk` is given), then Bot polling or setWebhook.

    setWebhook comes after the server listens: Zalo probes the URL when it is set.
    """
    started, inbox, hooks = Inbound(), ZaloInbox(dispatcher), WebhookHandlers()
    bot = dispatcher.messengers.get(zalo_bot.CHANNEL)
    bot_webhook = bot is not None and _bot_webhook(settings)
    for name in (zalo_bot.CHANNEL, zalo_oa.CHANNEL):
        if name in dispatcher.messengers:
            await dispatcher.messengers[name].open()
            started.opened.append(dispatcher.messengers[name])
    if bot_webhook:
        hooks.zalo_bot_secret, hooks.on_zalo_bot = settings.zalo_bot_secret.get_secret_value(), inbox.on_bot
    oa = dispatcher.messengers.get(zalo_oa.CHANNEL)
    if oa is not None:
        hooks.verify_oa, hooks.on_zalo_oa = oa.client.verify_webhook, inbox.on_oa
    if telegram_app is not None and settings.telegram_webhook_url:
        hooks.telegram_secret = telegram_secret(settings)
        hooks.on_telegram = _telegram_feed(telegram_app)
    if hooks.on_zalo_bot or hooks.on_zalo_oa or hooks.on_telegram:
        hooks.journal = DbJournal(inbox.engine, dispatcher.services.clock)
    if hooks.on_zalo_bot or hooks.on_zalo_oa or hooks.on_telegram or desk is not None:
        started.server = WebhookServer(build_app(hooks, started.background, desk), settings.webhook_host,
                                       settings.webhook_port)
        await started.server.start()
    if hooks.journal is not None:  # what this worker's last run, or a worker that died, left unfinished
        await take_over_pending(hooks.journal, hooks, started.background)
        started.sweeper = JournalSweeper(hooks.journal, hooks, started.background,
                                         settings.webhook_takeover_seconds)
        started.sweeper.start()
    if bot_webhook:
        started.webhook_report = await set_bot_webhook(bot.client, settings)
    elif bot is not None:
        started.poller = zalo_bot.BotPoller(bot.client, inbox.on_bot)
        await started.poller.start()
    if hooks.on_telegram:
        await telegram_app.bot.set_webhook(settings.telegram_webhook_url, secret_token=hooks.telegram_secret,
                                           allowed_updates=Update.ALL_TYPES)
    return started


def preflight(settings: Settings) -> None:
    """Before anything starts: long polling may miss events, so it is for development only (loud warning);
    with NHACVIEC_ENV=production a Zalo Bot without a webhook refuses to start (StartupRefused); so does an S3
    evidence store without its endpoint, bucket or keys."""
    from services.evidence import problems
    missing = problems(settings)
    if missing:
        raise StartupRefused(_("NHACVIEC_EVIDENCE_STORE=s3 nhưng chưa đặt {names}: tài liệu kiểm chứng sẽ không lưu "
                               "được. Hãy đặt các giá trị này trong tệp .env (xem docs/DEPLOY.md) rồi chạy lại.").format(
            names=", ".join(missing)))
    if not settings.zalo_bot_token or _bot_webhook(settings):
        return
    if settings.production:
        raise StartupRefused(_("NHACVIEC_ENV=production nhưng Zalo Bot chưa có webhook: long polling có thể bỏ sót "
                               "tin nhắn nên không được dùng khi vận hành thật. Hãy đặt NHACVIEC_PUBLIC_URL "
                               "(địa chỉ HTTPS công khai) và NHACVIEC_ZALO_BOT_SECRET (8–256 ký tự) rồi chạy lại."))
    log.warning("CẢNH BÁO: Zalo Bot đang nhận tin bằng long polling — chỉ dùng khi phát triển, có thể bỏ sót tin "
                "nhắn. Khi vận hành thật hãy đặt NHACVIEC_PUBLIC_URL và NHACVIEC_ZALO_BOT_SECRET (webhook).")


def _bot_webhook(settings: Settings) -> bool:
    if settings.public_url and not settings.zalo_bot_secret:
        log.warning("NHACVIEC_PUBLIC_URL is set but NHACVIEC_ZALO_BOT_SECRET is not: Zalo bot uses long polling")
    return bool(settings.public_url and settings.zalo_bot_secret)


def bot_webhook_url(settings: Settings) -> str:
    """Where Zalo should POST Bot Platform updates: NHACVIEC_PUBLIC_URL + /zalo/bot."""
    return (settings.public_url or "").rstrip("/") + "/zalo/bot"


async def set_bot_webhook(client, settings: Settings, url: str | None = None) -> WebhookReport:
    """Call setWebhook and read Zalo's verification of the URL; the outcome is logged and returned."""
    url = url or bot_webhook_url(settings)
    try:
        result = await client.set_webhook(url, settings.zalo_bot_secret.get_secret_value())
    except (ZaloError, ValueError) as exc:  # keep running: an earlier setWebhook may still be in force
        log.error("Zalo Bot: đặt webhook thất bại, tin nhắn có thể không đến: %s", exc)
        return WebhookReport(url, ok=False, detail=str(exc))
    report = webhook_report(url, result)
    if report.ok:
        log.info("Zalo Bot: đã đặt webhook %s (%s)", url, report.detail or "Zalo không gửi kết quả kiểm tra")
    else:
        log.error("Zalo Bot: Zalo không kiểm tra được webhook %s (%s); tin nhắn sẽ không đến cho tới khi sửa "
                  "địa chỉ công khai hoặc mã bí mật", url, report.detail)
    return report


@dataclass
class WebhookReport:
    """What setWebhook answered: whether Zalo could reach and verify the URL, and its words for it."""

    url: str
    ok: bool
    detail: str = ""


def webhook_report(url: str, result: dict) -> WebhookReport:
    """Read setWebhook's answer; a `verification` object, when Zalo sends one, says whether the probe passed."""
    verification = result.get("verification") if isinstance(result, dict) else None
    if not isinstance(verification, dict):
        return WebhookReport(url, ok=True)
    status = str(verification.get("status", "")).lower()
    passed = verification.get("success", verification.get("ok"))
    ok = passed is True or status in ("success", "ok", "verified", "passed")
    if passed is False or status in ("failed", "fail", "error"):
        ok = False
    detail = ", ".join(f"{k}={verification[k]}" for k in ("status", "http_status", "message", "description")
                       if verification.get(k) not in (None, ""))
    return WebhookReport(url, ok=ok, detail=detail)


def _telegram_feed(application):
    """Handle one webhook update to the end (the journal marks it done after), one at a time in this worker
    as the application's own queue would."""
    turn = asyncio.Lock()

    async def feed(payload: dict) -> None:
        async with turn:
            await application.process_update(Update.de_json(payload, application.bot))
    return feed
