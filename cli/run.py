"""`nhacviec run`: the bot's main job."""
from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime
from typing import Callable

import click

from bot.inbound import StartupRefused
from bot.serve import channels_configured, serve
from cli.app import App, fail, pass_app
from cli.chat import start_console
from i18n import _
from storage.types import utcnow


def register(main: click.Group) -> None:
    main.add_command(run_cmd)


@click.command("run")
@click.option("--console", "force_console", is_flag=True, help="Luôn mở kênh console.")
@click.option("--at", "start_at", default=None,
              help="Diễn tập: đồng hồ của bot bắt đầu từ thời điểm này (2026-03-10T08:30, giờ Việt Nam) rồi chạy tiếp.")
@pass_app
def run_cmd(app: App, force_console: bool, start_at: str | None) -> None:
    """Chạy bot: mọi kênh đã cấu hình và bộ lập lịch nhắc việc."""
    console = force_console or not channels_configured(app.settings)
    logging.basicConfig(level=logging.WARNING if console else logging.INFO,  # the console is a chat, not a log
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines print request URLs, which hold bot tokens
    from config.redact import install
    install(app.settings)  # and in case any other line does: every log line is masked
    if console:
        click.echo(_("Chưa cấu hình Zalo hay Telegram: mở kênh console trên không gian làm việc mẫu.\n"
                     "Để kết nối Zalo: trong ứng dụng Zalo mở OA \"Zalo Bot Manager\" → Tạo bot, ghi "
                     "NHACVIEC_ZALO_BOT_TOKEN=<token> vào tệp .env (xem .env.example và mục Zalo của README) rồi chạy "
                     "lại make run. Telegram: tạo bot với @BotFather, ghi NHACVIEC_TELEGRAM_TOKEN=<token>."))
        start_console(app, unit_code=None, officer=True, sample=True,
                      clock=_clock(start_at, app.settings.timezone) if start_at else utcnow)
        return
    try:
        asyncio.run(_serve(app, _clock(start_at, app.settings.timezone) if start_at else utcnow))
    except StartupRefused as exc:  # a configuration that would lose messages in production
        fail(str(exc))
    except Exception as exc:  # bad token, no network, database trouble: say what to do, no traceback
        from bot.serve import startup_problem
        logging.getLogger(__name__).debug("start-up failed", exc_info=True)
        fail(startup_problem(exc, app.settings))


def _clock(start_at: str, tz: str) -> Callable[[], datetime]:
    """A clock that reads `start_at` now and runs on from there (reminder drills, tests of several workers)."""
    from cli.reminders import _moment
    offset = _moment(start_at, tz) - utcnow()
    return lambda: utcnow() + offset


async def _serve(app: App, clock: Callable[[], datetime]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(app.settings, app.engine, stop, clock=clock)
