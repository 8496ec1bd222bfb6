"""`nhacviec console` and `nhacviec invite`."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from typing import Callable

import click
from sqlmodel import Session

from bot.console import console_identity, run_console
from cli.app import App, fail, pass_app
from handlers.context import Services
from services.labels import role_name
from i18n import _, fmt_date
from services import queries
from services.invites import InviteError, create_invite, deep_link
from storage.types import utcnow


def register(main: click.Group) -> None:
    main.add_command(console_cmd)
    main.add_command(invite_cmd)


@click.command("console")
@click.option("--as", "unit_code", help="Vào vai cán bộ của đơn vị (mã).")
@click.option("--officer", is_flag=True, help="Vào vai cán bộ theo dõi CCHC.")
@click.option("--sample", is_flag=True, help="Dùng không gian làm việc mẫu (cơ sở dữ liệu riêng data/sample.db).")
@pass_app
def console_cmd(app: App, unit_code: str | None, officer: bool, sample: bool) -> None:
    """Trò chuyện với bot ngay trong cửa sổ dòng lệnh."""
    start_console(app, unit_code=unit_code, officer=officer or not unit_code, sample=sample)


def start_console(app: App, *, unit_code: str | None, officer: bool, sample: bool,
                  clock: Callable[[], datetime] = utcnow) -> None:
    """Open the console channel (used by `make run` without chat tokens too); `clock`: a drill's (`run --at`).

    The sample workspace lives in its own database (data/sample.db): trying the bot never writes into the real
    one, whose units and plans would otherwise inherit the sample's assignments.
    """
    from services.workspace import (ensure_sample_workspace, open_sample_database, real_database_is_empty,
                                    sample_database_url)

    engine = app.engine if not (sample or real_database_is_empty(app.settings)) else None
    if engine is None:
        url = sample_database_url(app.settings)
        engine = open_sample_database(app.settings)
        ensure_sample_workspace(engine)
        click.echo(_("Không gian làm việc mẫu (danh bạ đơn vị mẫu và kế hoạch CCHC 2026 của Sở GDĐT Hà Nội) nằm "
                     "trong {path}; cơ sở dữ liệu thật không bị ghi gì.").format(path=url.split("///", 1)[-1]))
    with Session(engine, expire_on_commit=False) as session:
        try:
            user, unit = console_identity(session, unit_code=unit_code, officer=officer)
        except LookupError as exc:
            fail(str(exc))
    services = Services(engine=engine, settings=app.settings, clock=clock,
                        bot_username=app.settings.telegram_bot_username)
    asyncio.run(run_console(services, user=user, unit=unit))


def _bot_username(app: App) -> str | None:
    """Configured username, else asked from Telegram when a token is set."""
    settings = app.settings
    if settings.telegram_bot_username or not settings.telegram_token:
        return settings.telegram_bot_username
    from bot.telegram import fetch_username
    return asyncio.run(fetch_username(settings))


@click.command("invite")
@click.argument("unit_code")
@click.option("--role", type=click.Choice(["member", "head", "officer"]), default="member")
@click.option("--uses", type=int, default=20, show_default=True)
@click.option("--expires", "expires_days", type=int, default=14, show_default=True, help="Số ngày hiệu lực.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def invite_cmd(app: App, unit_code: str, role: str, uses: int, expires_days: int, as_json: bool) -> None:
    """Tạo mã mời để cán bộ (hoặc nhóm chat) của đơn vị tham gia bot."""
    with Session(app.engine, expire_on_commit=False) as session:
        unit = queries.unit_by_code(session, unit_code)
        if unit is None:
            fail(_("Không có đơn vị mã {code}").format(code=unit_code))
        try:
            invite = create_invite(session, unit=unit, role=role, uses=uses, expires_days=expires_days,
                                   created_by="cli", now=datetime.now(timezone.utc))
        except InviteError as exc:
            fail(str(exc))
        session.commit()
    link = deep_link(_bot_username(app), invite.code)
    if as_json:
        click.echo(json.dumps({"code": invite.code, "link": link}, ensure_ascii=False))
        return
    click.echo(_("Mã mời cho {unit} ({role}): {code}").format(unit=unit.name, role=role_name(role), code=invite.code))
    click.echo(_("Liên kết Telegram: {link}").format(link=link))
    click.echo(_("Zalo: gửi mã {code} cho bot. Hiệu lực đến {date}, dùng được {uses} lần.").format(
        code=invite.code, date=fmt_date(invite.expires_at), uses=uses))
