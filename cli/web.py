"""`nhacviec web`: the officers' desk alone (no chat channel), and `nhacviec web link` to sign in from a computer."""
from __future__ import annotations

import asyncio
import json
import logging
import signal

import click
from sqlmodel import Session

from cli.app import App, fail, pass_app
from i18n import _


@click.group("web", invoke_without_command=True)
@click.pass_context
def web_group(ctx: click.Context) -> None:
    """Trang làm việc cho cán bộ (web): chạy riêng trang, tạo liên kết đăng nhập."""
    if ctx.invoked_subcommand is None:
        _serve(ctx.find_object(App))


@web_group.command("link")
@click.option("--officer", is_flag=True, help="Liên kết cho cán bộ theo dõi CCHC (mọi đơn vị).")
@click.option("--as", "unit_code", help="Liên kết cho lãnh đạo một đơn vị (chỉ đơn vị đó).")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@pass_app
def link_cmd(app: App, officer: bool, unit_code: str | None, as_json: bool) -> None:
    """Tạo liên kết đăng nhập dùng một lần, hiệu lực 10 phút."""
    from services import queries
    from services.web_links import HEAD, OFFICER, create_link, login_url
    from storage.types import utcnow
    if officer == bool(unit_code):
        fail(_("Chọn một trong hai: --officer hoặc --as MÃ_ĐƠN_VỊ."))
    with Session(app.engine) as session:
        unit = queries.unit_by_code(session, unit_code) if unit_code else None
        if unit_code and unit is None:
            fail(_("Không có đơn vị mã {code}").format(code=unit_code))
        name = _("Cán bộ CCHC (máy tính)") if officer else unit.name
        token = create_link(session, role=OFFICER if officer else HEAD, unit=unit, user=None, name=name,
                            now=utcnow())
        session.commit()
    url = login_url(app.settings, token)
    click.echo(json.dumps({"url": url}) if as_json else url)


def _serve(app: App) -> None:
    from bot.webhooks import WebhookServer
    from web.app import build_desk_app
    from web.context import Desk
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    desk = Desk(engine=app.engine, settings=app.settings)
    click.echo(_("Trang làm việc: {url} (Ctrl+C để dừng)").format(url=_base(app)))
    asyncio.run(_run(WebhookServer(build_desk_app(desk), app.settings.webhook_host, app.settings.webhook_port)))


def _base(app: App) -> str:
    from services.web_links import desk_url
    return desk_url(app.settings)


async def _run(server) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await server.start()
    try:
        await stop.wait()
    finally:
        await server.stop()
