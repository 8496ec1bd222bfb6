"""`nhacviec run` with chat tokens: every configured channel and the scheduler in one event loop."""
from __future__ import annotations

import asyncio
import errno
import gc
import logging
from datetime import datetime
from typing import Callable

from sqlalchemy.engine import Engine

from bot import telegram as tg
from bot.dispatch import Dispatcher
from bot.inbound import preflight, start_inbound, zalo_messengers
from bot.runtime import TelegramRuntime
from config import Settings
from handlers.context import Services
from scheduler.jobs import Runtime, start_scheduler, stop_scheduler
from storage.types import utcnow
from web.app import build_desk_app
from web.context import Desk

log = logging.getLogger(__name__)


def startup_problem(exc: BaseException, settings: Settings) -> str:
    """One clear paragraph for an officer when the bot cannot start; secrets masked, no traceback."""
    import httpx

    from config.redact import redact
    from i18n import _
    from storage.errors import describe
    explained = tg.explain_startup_error(exc, settings) or describe(exc) or _listen_problem(exc, settings)
    if explained is None and isinstance(exc, (httpx.TransportError, OSError)):
        explained = _("Không kết nối được máy chủ của kênh chat ({error}). Kiểm tra kết nối mạng và địa chỉ API "
                      "trong tệp .env.").format(error=type(exc).__name__)
    if explained is None:
        explained = _("Không khởi động được bot: {error}. Xem nhật ký để biết thêm.").format(error=exc)
    return redact(explained)


def _listen_problem(exc: BaseException, settings: Settings) -> str | None:
    """The webhook server could not listen on NHACVIEC_WEBHOOK_HOST:PORT (taken, not allowed, not this machine's)."""
    from i18n import _
    reasons = {errno.EADDRINUSE: _("một tiến trình khác đang dùng cổng này"),
               errno.EACCES: _("không có quyền dùng cổng này (cổng dưới 1024 cần quyền quản trị)"),
               errno.EADDRNOTAVAIL: _("địa chỉ này không thuộc máy chủ")}
    if not isinstance(exc, OSError) or exc.errno not in reasons:
        return None
    return _("Không mở được cổng nhận webhook {host}:{port}: {reason}. Mỗi tiến trình nhacviec run cần một cổng "
             "riêng (NHACVIEC_WEBHOOK_HOST, NHACVIEC_WEBHOOK_PORT); với nhiều worker, xem docs/DEPLOY.md mục 4.") \
        .format(host=settings.webhook_host, port=settings.webhook_port, reason=reasons[exc.errno])


def channels_configured(settings: Settings) -> bool:
    """True when at least one chat channel has credentials."""
    return bool(settings.telegram_token or settings.zalo_bot_token or settings.zalo_oa_app_id)


async def serve(settings: Settings, engine: Engine, stop: asyncio.Event, *,
                clock: Callable[[], datetime] = utcnow) -> None:
    """Start channels (and the scheduler), run until `stop` is set, then stop them cleanly."""
    preflight(settings)  # raises StartupRefused before anything starts
    services = Services(engine=engine, settings=settings, bot_username=settings.telegram_bot_username, clock=clock)
    dispatcher = Dispatcher(services, {})
    app = None
    if settings.telegram_token:
        app = tg.build_application(settings, polling=not settings.telegram_webhook_url)
        dispatcher.messengers[tg.CHANNEL] = tg.TelegramMessenger(app)
        TelegramRuntime(app, dispatcher)
    dispatcher.messengers.update(zalo_messengers(settings, engine))
    dispatcher.services.inline_buttons = {n: m.inline_buttons for n, m in dispatcher.messengers.items()}
    if app is not None:
        await app.initialize()
        me = await app.bot.get_me()
        services.bot_username = services.bot_username or me.username
        await tg.set_commands(app)
        await app.start()
        if app.updater is not None:
            await app.updater.start_polling(drop_pending_updates=False)
    desk = build_desk_app(Desk(engine=engine, settings=settings, clock=services.clock,
                               bot_username=services.bot_username, notify=_notifier(dispatcher)))
    inbound = await start_inbound(settings, dispatcher, telegram_app=app, desk=desk)  # Zalo, webhooks, the desk
    # Reminders: one interval job asking the database what is due, sent through the same messengers.
    scheduler = start_scheduler(Runtime(engine, settings, dispatcher.messengers, services.clock))
    log.info("nhacviec running")
    # What start-up built (modules, tables, the channels) lives as long as the process: keep the garbage collector
    # from walking its ~180,000 objects again in every full collection while updates are handled.
    gc.collect()
    gc.freeze()
    try:
        await stop.wait()
    finally:
        gc.unfreeze()
        await stop_scheduler(scheduler)
        await inbound.stop()
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            await app.stop()
            await app.shutdown()


def _notifier(dispatcher: Dispatcher):
    """What the desk sends to chats (a decided extension, to the unit) goes out through the bot's messengers."""
    async def notify(messages) -> None:
        for out in messages:
            await dispatcher.deliver(out, default_channel=out.channel, default_chat=out.chat_id)
    return notify
