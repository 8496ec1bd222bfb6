"""`nhacviec zalo …`: the Bot Platform webhook, and the OA tokens after re-authorising the OA."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import click

from bot.inbound import bot_webhook_url, webhook_report
from cli.app import App, fail, pass_app
from i18n import _, fmt_datetime
from storage.types import utcnow
from zalo import DbTokenStore, OaTokens, ZaloBotClient, ZaloError, replace_tokens


def register(main: click.Group) -> None:
    main.add_command(zalo_group)


@click.group("zalo")
def zalo_group() -> None:
    """Zalo: webhook của Zalo Bot, token của Zalo OA."""


def _bot_client(app: App) -> ZaloBotClient:
    if not app.settings.zalo_bot_token:
        fail(_("Chưa cấu hình NHACVIEC_ZALO_BOT_TOKEN."))
    return ZaloBotClient(app.settings.zalo_bot_token.get_secret_value(), app.settings.zalo_bot_api_url)


async def _call(client: ZaloBotClient, method: str, *args):
    async with client:
        return await getattr(client, method)(*args)


def _run(client: ZaloBotClient, method: str, *args):
    try:
        return asyncio.run(_call(client, method, *args))
    except ZaloError as exc:
        fail(_("Zalo từ chối: {error}").format(error=exc))


@zalo_group.command("set-webhook")
@click.option("--url", default=None, help="Địa chỉ HTTPS nhận cập nhật (mặc định NHACVIEC_PUBLIC_URL/zalo/bot).")
@pass_app
def set_webhook(app: App, url: str | None) -> None:
    """Đăng ký webhook của Zalo Bot với mã bí mật NHACVIEC_ZALO_BOT_SECRET."""
    settings = app.settings
    secret = settings.zalo_bot_secret.get_secret_value() if settings.zalo_bot_secret else ""
    if not 8 <= len(secret) <= 256:
        fail(_("NHACVIEC_ZALO_BOT_SECRET phải dài 8–256 ký tự."))
    url = url or (bot_webhook_url(settings) if settings.public_url else None)
    if not url or not url.startswith("https://"):
        fail(_("Cần địa chỉ HTTPS: đặt NHACVIEC_PUBLIC_URL hoặc dùng --url."))
    report = webhook_report(url, _run(_bot_client(app), "set_webhook", url, secret))
    click.echo(_("Đã đặt webhook Zalo Bot: {url}").format(url=url))
    if not report.ok:
        fail(_("Zalo không kiểm tra được địa chỉ webhook ({detail}). Hãy chắc chắn `nhacviec run` đang chạy và "
               "địa chỉ HTTPS công khai chuyển tới nó.").format(detail=report.detail))
    if report.detail:
        click.echo(_("Zalo đã kiểm tra webhook: {detail}").format(detail=report.detail))


@zalo_group.command("delete-webhook")
@pass_app
def delete_webhook(app: App) -> None:
    """Gỡ webhook của Zalo Bot (để dùng long polling)."""
    _run(_bot_client(app), "delete_webhook")
    click.echo(_("Đã gỡ webhook Zalo Bot."))


@zalo_group.command("info")
@pass_app
def info(app: App) -> None:
    """Tên bot và webhook hiện tại của Zalo Bot."""
    client = _bot_client(app)

    async def both() -> tuple[dict, dict]:
        async with client:
            return await client.get_me(), await client.get_webhook_info()
    try:
        me, hook = asyncio.run(both())
    except ZaloError as exc:
        fail(_("Zalo từ chối: {error}").format(error=exc))
    click.echo(_("Bot: {name} (id {id})").format(name=me.get("account_name", "?"), id=me.get("id", "?")))
    click.echo(_("Webhook: {url}").format(url=hook.get("url") or _("(không có — dùng long polling)")))


@zalo_group.group("tokens")
def tokens_group() -> None:
    """Token truy cập của Zalo OA (lưu trong cơ sở dữ liệu)."""


@tokens_group.command("set")
# Asked at a prompt when not given, so the tokens stay out of `ps` and the shell's history.
@click.option("--access", "access_token", prompt="Access token", hide_input=True, help="Access token mới của OA.")
@click.option("--refresh", "refresh_token", prompt="Refresh token", hide_input=True, help="Refresh token đi kèm.")
@click.option("--expires-in", type=int, default=None,
              help="Số giây access token còn hiệu lực (bỏ trống: làm mới ngay lần dùng đầu).")
@pass_app
def tokens_set(app: App, access_token: str, refresh_token: str, expires_in: int | None) -> None:
    """Thay token của OA sau khi cấp quyền lại (xoá trạng thái bị từ chối)."""
    expires_at = utcnow() + timedelta(seconds=max(expires_in or 0, 0))
    record = asyncio.run(replace_tokens(DbTokenStore(app.engine), OaTokens(access_token, refresh_token, expires_at)))
    click.echo(_("Đã lưu token Zalo OA (phiên bản {version}).").format(version=record.version))


@tokens_group.command("show")
@pass_app
def tokens_show(app: App) -> None:
    """Tình trạng token của OA (không in token)."""
    record = asyncio.run(DbTokenStore(app.engine).load())
    if record is None:
        click.echo(_("Chưa có token Zalo OA. Dùng: nhacviec zalo tokens set (rồi nhập hai token)"))
        return
    click.echo(_("Access token hết hạn lúc {when}.").format(when=fmt_datetime(record.tokens.expires_at)))
    if record.rejected:
        click.echo(_("⚠️ Refresh token bị Zalo từ chối: {reason}. Hãy cấp quyền lại cho OA.").format(
            reason=record.rejected))
