"""Telegram through python-telegram-bot 22: updates in, neutral messages out, SDK errors mapped."""
from __future__ import annotations

import asyncio
import json
import logging
import warnings


from telegram import BotCommand, InputFile, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest, RequestData
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.warnings import PTBUserWarning

from bot.flood import FloodLimiter
from bot.messenger import SendError, Sent, split_text
from config import Settings
from config.redact import redact
from handlers.messages import Attachment, Incoming, Outgoing
from i18n import _, use_locale

log = logging.getLogger(__name__)
CHANNEL = "telegram"
MAX_TEXT = 4096
# TelegramMessenger sends and edits text through do_api_request on purpose (see `_text_call`): silence PTB's
# warning for these two methods only.
_LEAN_CALLS = r"Please use 'Bot\.(sendMessage|editMessageText)' instead of 'Bot\.do_api_request\("
warnings.filterwarnings("ignore", message=_LEAN_CALLS, category=PTBUserWarning)
COMMANDS = ("viec", "overdue", "upcoming", "tasks", "status", "find", "giahan", "baocao", "invite", "people", "remove",
            "web", "undo", "lang", "help")


class JSONRequest(HTTPXRequest):
    """PTB's request object, posting each JSON call through aiohttp (uploads, downloads and bare calls stay httpx).

    The Bot API takes application/json as well as forms. Form-encoding a message of Vietnamese text is
    `urllib.parse.quote_plus` in Python, byte by byte: ~14 % of the CPU of sending a `/viec` page. Here the
    parameters (`RequestData.parameters`: keyboards as objects, not as JSON strings) are one JSON body encoded
    in C, as the Bot API documents for application/json.

    That body goes out through an aiohttp session (C-accelerated HTTP parser): a `sendMessage` costs ~0.25 ms of
    CPU there against ~0.8 ms through httpx, whose pure-Python client and h11 layers were a third of the CPU of
    answering a staff message (docs/BENCHMARKS.md). What PTB relies on is kept: its timeouts (connect, read; pool
    as the wait for a connection), the same pool size, proxies from HTTPS_PROXY/NO_PROXY as httpx reads them, and
    failures raised as PTB's `TimedOut` and `NetworkError`, so the rate limiter and the delivery layer read them
    as before.
    """

    def __init__(self, connection_pool_size: int = 256, **kwargs) -> None:
        super().__init__(connection_pool_size, **kwargs)
        self._pool_size = connection_pool_size
        self._session = None  # aiohttp.ClientSession, made in the running event loop (initialize or first use)
        self._proxies: dict = {}  # origin -> {"proxy": URL, "proxy_auth": BasicAuth | None}, or {} for none

    async def initialize(self) -> None:
        await super().initialize()
        self._json_session()

    async def shutdown(self) -> None:
        await super().shutdown()
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _json_session(self):
        if self._session is None or self._session.closed:
            import aiohttp  # only where Telegram is used: the CLI's other commands never pay for it
            self._session = aiohttp.ClientSession(
                # Idle connections are let go after 4 s (httpx: 5 s), before a server's usual 5 s keep-alive ends.
                connector=aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=4.0),
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT}, skip_auto_headers=("Accept-Encoding",))
        return self._session

    def _proxy(self, url: str) -> dict:
        """`proxy` and `proxy_auth` from HTTPS_PROXY/HTTP_PROXY/NO_PROXY (and ~/.netrc) for this URL's origin,
        as httpx reads them, looked up once per origin: aiohttp's `trust_env` would look them up in a worker
        thread on every request."""
        from yarl import URL
        origin = URL(url).origin()
        if origin not in self._proxies:
            from aiohttp.helpers import get_env_proxy_for_url
            try:
                proxy, auth = get_env_proxy_for_url(origin)
                self._proxies[origin] = {"proxy": proxy, "proxy_auth": auth}
            except LookupError:
                self._proxies[origin] = {}
        return self._proxies[origin]

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=HTTPXRequest.DEFAULT_NONE, write_timeout=HTTPXRequest.DEFAULT_NONE,
                         connect_timeout=HTTPXRequest.DEFAULT_NONE, pool_timeout=HTTPXRequest.DEFAULT_NONE):
        if request_data is None or request_data.contains_files or not request_data.parameters:
            return await super().do_request(url, method, request_data, read_timeout, write_timeout,
                                            connect_timeout, pool_timeout)
        import aiohttp
        default = self._client.timeout
        unset = type(self.DEFAULT_NONE)   # PTB's "not given" marker: the defaults of this request object apply
        connect = default.connect if isinstance(connect_timeout, unset) else connect_timeout
        pool = default.pool if isinstance(pool_timeout, unset) else pool_timeout
        read = default.read if isinstance(read_timeout, unset) else read_timeout
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read,
                                        connect=None if connect is None or pool is None else connect + pool)
        body = json.dumps(request_data.parameters).encode()
        try:
            try:
                return await self._post(method, url, body, timeout)
            except aiohttp.ServerDisconnectedError:
                # A kept-alive connection the server had closed (its idle time-out, a restart), taken from the pool
                # before this event loop saw the close: the server closed it idle, so the request was not read.
                # Once more, on a new connection (httpx checks a pooled socket before using it; aiohttp cannot).
                return await self._post(method, url, body, timeout)
        except asyncio.TimeoutError as err:  # aiohttp's connect and read time-outs (its text holds the URL,
            raise TimedOut() from err         # token included: "Timed out", as PTB says for httpx's)
        except aiohttp.ClientError as err:   # worded as PTB words httpx's, so the delivery layer reads it the same
            raise NetworkError(redact(f"aiohttp.{err.__class__.__name__}: {err}")) from err

    async def _post(self, method: str, url: str, body: bytes, timeout) -> tuple[int, bytes]:
        async with self._json_session().request(method, url, data=body, timeout=timeout,
                                                headers={"Content-Type": "application/json"},
                                                **self._proxy(url)) as res:
            return res.status, await res.read()


def build_application(settings: Settings, *, polling: bool = True) -> Application:
    """The PTB Application pointed at the configured Bot API server, rate limiter on."""
    builder = (ApplicationBuilder().token(settings.telegram_token.get_secret_value())
               .base_url(settings.telegram_api_url).base_file_url(settings.telegram_file_base).request(JSONRequest())
               .rate_limiter(FloodLimiter(settings.telegram_rate_per_second, max_retries=3))
               .concurrent_updates(False))
    if not polling:
        builder = builder.updater(None)
    return builder.build()


def sending_application(settings: Settings) -> Application:
    """A PTB Application for sending only: rate limiter at the configured pace, no polling, no job queue.

    With max_retries=0 a 429's retry_after comes back to the round, which schedules the retry
    instead of sleeping.
    """
    limiter = FloodLimiter(settings.telegram_rate_per_second, max_retries=0)
    return (ApplicationBuilder().token(settings.telegram_token.get_secret_value())
            .base_url(settings.telegram_api_url).base_file_url(settings.telegram_file_base).request(JSONRequest())
            .rate_limiter(limiter).updater(None).job_queue(None).build())


class TelegramMessenger:
    """Sends, edits and downloads through the Application's bot."""

    channel = CHANNEL
    inline_buttons = True
    max_text = MAX_TEXT

    def __init__(self, application: Application) -> None:
        self.bot = application.bot

    async def send(self, chat_id: str, message: Outgoing) -> list[Sent]:
        parts = split_text(message.text, MAX_TEXT)
        sent = []
        for i, part in enumerate(parts):
            params = {"chat_id": chat_id, "text": part}
            if i == len(parts) - 1 and message.buttons:
                params["reply_markup"] = _keyboard(message)
            if message.silent:
                params["disable_notification"] = True
            result = await _call(self._text_call, "sendMessage", params)
            sent.append(Sent(str(result["message_id"])))
        for file in message.files:
            upload = InputFile(file.data, filename=file.name)
            if file.mime == "image/png":
                result = await _call(self.bot.send_photo, chat_id=chat_id, photo=upload)
            else:
                result = await _call(self.bot.send_document, chat_id=chat_id, document=upload)
            sent.append(Sent(str(result.message_id)))
        return sent

    async def _text_call(self, method: str, params: dict):
        """sendMessage or editMessageText, keeping Telegram's answer as the plain dict it is.

        All a sent message is needed for is its id; PTB's `send_message` would build a `Message` (with its
        chat, sender and keyboard) from every answer, a third of the CPU of sending a `/viec` page. PTB's
        `do_api_request` runs the same request path (rate limiter, timeouts, errors mapped to `RetryAfter`,
        `Forbidden`…) and returns the raw result; the warning it gives for a method that has a typed twin is
        silenced for these two methods only (`_LEAN_CALLS`).
        """
        return await self.bot.do_api_request(method, api_kwargs=params)

    async def edit(self, chat_id: str, message_id: str, message: Outgoing) -> None:
        try:
            params = {"chat_id": chat_id, "message_id": int(message_id), "text": message.text[:MAX_TEXT]}
            if message.buttons:
                params["reply_markup"] = _keyboard(message)
            await _call(self._text_call, "editMessageText", params)
        except SendError as exc:
            if "not modified" not in str(exc).lower():
                raise

    async def fetch(self, attachment: Attachment) -> bytes:
        file = await self.bot.get_file(attachment.file_id)
        return bytes(await file.download_as_bytearray())


def _keyboard(message: Outgoing) -> dict:
    """The inline keyboard as the Bot API's JSON (an InlineKeyboardMarkup's to_dict(), without building one)."""
    return {"inline_keyboard": [[{"text": b.label, "callback_data": b.data} for b in row] for row in message.buttons]}


async def _call(method, *args, **kwargs):
    """Call the Bot API, turning SDK errors into SendError the delivery layer understands."""
    try:
        return await method(*args, **kwargs)
    except RetryAfter as exc:
        raise SendError(str(exc), retry_after=_seconds(exc.retry_after)) from exc
    except ChatMigrated as exc:
        raise SendError(str(exc), migrated_to=str(exc.new_chat_id)) from exc
    except Forbidden as exc:
        if not _from_telegram(exc):  # a proxy's or firewall's 403 page: nothing said about the chat, try again
            raise SendError(str(exc)) from exc
        raise SendError(str(exc), final=True, reason=_reason(str(exc))) from exc
    except BadRequest as exc:
        final = "chat not found" in str(exc).lower() or "user is deactivated" in str(exc).lower()
        raise SendError(str(exc), final=final, reason=_reason(str(exc))) from exc
    except NetworkError as exc:
        raise SendError(str(exc)) from exc
    except TelegramError as exc:
        raise SendError(str(exc)) from exc


def _from_telegram(exc: TelegramError) -> bool:
    """Telegram's own refusal ("Forbidden: bot was blocked by the user"): a JSON answer with its description.

    PTB words an answer it could not read as JSON (an HTML page from a proxy) "Forbidden (403). Parsing the
    server response … failed", and one without a description "Forbidden (403)".
    """
    return exc.__cause__ is None and str(exc).lower().startswith("forbidden:")


def _seconds(value) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def _reason(text: str) -> str:
    low = text.lower()
    if "blocked" in low:
        return "blocked"
    if "kicked" in low or "not a member" in low:
        return "kicked"
    if "chat not found" in low:
        return "chat_not_found"
    return "error"


def to_incoming(update: Update) -> Incoming | None:
    """A neutral incoming message from a Telegram update (None for updates we ignore)."""
    key = f"tg:{update.update_id}"
    if update.callback_query:
        q = update.callback_query
        msg = q.message
        return Incoming(channel=CHANNEL, chat_id=str(msg.chat.id if msg else q.from_user.id),
                        sender_id=str(q.from_user.id), sender_name=q.from_user.full_name,
                        chat_type=_chat_type(msg.chat.type if msg else "private"), button_data=q.data,
                        button_message_id=str(msg.message_id) if msg else None, update_key=key)
    msg: Message | None = update.message
    if msg is None or msg.from_user is None:
        return None
    attachment = None
    if msg.document:
        d = msg.document
        attachment = Attachment("document", d.file_id, d.file_name or "", d.mime_type or "", d.file_size)
    elif msg.photo:
        p = msg.photo[-1]
        attachment = Attachment("photo", p.file_id, f"anh_{msg.message_id}.jpg", "image/jpeg", p.file_size)
    text = msg.text or msg.caption or ""
    # A sticker, a voice note, a video: no words to read. Passed on (empty) so the person is told to answer in
    # words, as on Zalo; anything else without text (a service message) is ignored.
    unreadable = any((msg.sticker, msg.voice, msg.audio, msg.video, msg.video_note, msg.animation, msg.location,
                      msg.contact))
    if not text and attachment is None and not unreadable:
        return None
    return Incoming(channel=CHANNEL, chat_id=str(msg.chat.id), sender_id=str(msg.from_user.id),
                    sender_name=msg.from_user.full_name, text=text, chat_type=_chat_type(msg.chat.type),
                    message_id=str(msg.message_id), attachment=attachment, update_key=key,
                    reply_to_message_id=str(msg.reply_to_message.message_id) if msg.reply_to_message else None)


def _chat_type(kind: str) -> str:
    return "private" if kind == "private" else "group"


def removed_from_chat(update: Update) -> bool:
    """The bot was blocked (private) or removed/kicked (group)."""
    member = update.my_chat_member
    return bool(member and member.new_chat_member.status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT))


async def set_commands(application: Application) -> None:
    """Command menu in Vietnamese (default) and English."""
    for lang in ("vi", "en"):
        with use_locale(lang):
            commands = [BotCommand(name, _describe(name)) for name in COMMANDS]
        await application.bot.set_my_commands(commands, language_code=None if lang == "vi" else lang)


def _describe(name: str) -> str:
    return {"viec": _("Nhiệm vụ của đơn vị"), "overdue": _("Nhiệm vụ quá hạn"), "upcoming": _("Sắp đến hạn"),
            "tasks": _("Danh sách nhiệm vụ"), "status": _("Tình hình theo đơn vị/nhiệm vụ"),
            "find": _("Tìm nhiệm vụ"), "giahan": _("Đề nghị gia hạn chờ duyệt"), "baocao": _("Báo cáo tổng hợp"),
            "invite": _("Tạo mã mời"), "people": _("Người đã tham gia"), "remove": _("Gỡ quyền một người"),
            "web": _("Đăng nhập trang làm việc"),
            "undo": _("Hoàn tác thay đổi vừa làm"),
            "lang": _("Đổi ngôn ngữ"), "help": _("Hướng dẫn")}[name]


def update_handler(on_update) -> TypeHandler:
    """One handler for every update; the core does the routing."""
    async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await on_update(update)
    return TypeHandler(Update, callback)


async def fetch_username(settings: Settings) -> str | None:
    """The bot's @username from getMe, for invite deep links (None when Telegram cannot be reached)."""
    from telegram import Bot
    bot = Bot(settings.telegram_token.get_secret_value(), base_url=settings.telegram_api_url,
              base_file_url=settings.telegram_file_base)
    try:
        async with bot:
            return bot.username
    except TelegramError as exc:
        log.warning("getMe failed: %s", exc)
        return None


def explain_startup_error(exc: BaseException, settings: Settings) -> str | None:
    """What to do when Telegram refuses the bot at start-up (bad token, no network), or None if not Telegram's."""
    from telegram.error import InvalidToken, TimedOut
    if isinstance(exc, InvalidToken):
        return _("Telegram từ chối token của bot (NHACVIEC_TELEGRAM_TOKEN): token sai hoặc đã bị thu hồi. Lấy token "
                 "mới từ @BotFather, ghi vào tệp .env rồi chạy lại.")
    if isinstance(exc, (NetworkError, TimedOut)):
        return _("Không kết nối được máy chủ Telegram ({url}). Kiểm tra kết nối mạng, tường lửa hoặc "
                 "NHACVIEC_TELEGRAM_API_URL; nơi Telegram bị chặn, hãy dùng kênh Zalo (xem README).").format(
            url=settings.telegram_api_url.rstrip("/").removesuffix("/bot"))
    return None
