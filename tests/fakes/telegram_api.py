"""A fake Telegram Bot API server on 127.0.0.1, so the real python-telegram-bot runs in end-to-end tests.

The server speaks the wire protocol (``{base_url}{token}/{method}`` with query, form, multipart or JSON
parameters; ``{"ok": ...}`` answers with the matching HTTP status) and is as strict as Telegram where bots
commonly go wrong: HTML entities, 64-byte callback data, unmodified edits, double-answered callback queries.
Tests push updates in and read back what the bot sent; nothing here sleeps.
"""
from __future__ import annotations

import asyncio
import contextlib
import copy
import email.parser
import email.policy
import html
import itertools
import json
import math
import re
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Callable, Iterator
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

JSON = dict[str, Any]

BLOCKED = "Forbidden: bot was blocked by the user"
KICKED = "Forbidden: bot was kicked from the group chat"
CHAT_NOT_FOUND = "Bad Request: chat not found"
UPGRADED = "Bad Request: group chat was upgraded to a supergroup chat"
TOO_MANY = "Too Many Requests: retry after {seconds}"

# PTB sends these as bare strings; every other form value arrives JSON-encoded.
_STRING_FIELDS = frozenset({
    "text", "caption", "callback_query_id", "file_id", "url", "secret_token", "language_code",
    "parse_mode", "action", "title", "description", "inline_message_id", "ip_address",
})
# Telegram leaves these out unless getUpdates asks for them by name.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_RATE_LIMITED = frozenset({"sendMessage", "sendDocument", "sendPhoto", "editMessageText",
                           "editMessageReplyMarkup"})
_HTML_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
                        "tg-spoiler", "a", "tg-emoji", "code", "pre", "blockquote"})
_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)[^<>]*>")
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@\w+)?")
_GIFTS = dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
                        "gifts_from_channels"), False)


@dataclass(frozen=True)
class FakeFile:
    """A file's bytes, as a client uploaded it or a test registered it."""

    name: str
    content: bytes
    mime_type: str | None = None


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code", "description", "parameters"}``."""

    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code, self.description = code, description
        self.parameters = {k: v for k, v in parameters.items() if v is not None}

    def response(self) -> JSONResponse:
        """The HTTP answer Telegram would give."""
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return JSONResponse(body, status_code=self.code)


@dataclass
class _Failure:
    method: str
    code: int
    description: str
    parameters: JSON
    chat_id: int | str | None
    times: int | None

    def matches(self, method: str, params: JSON) -> bool:
        return self.method in (method, "*") and self.chat_id in (None, _chat_id(params.get("chat_id")))


@dataclass
class _Queued:
    update: JSON
    delivered: bool = False

    @property
    def kind(self) -> str:
        return next(key for key in self.update if key != "update_id")


class _RateLimiter:
    """Sliding windows for Telegram's flood limits: per chat, overall, and per group per minute."""

    def __init__(self, clock: Callable[[], float], per_chat_per_sec: int | None,
                 global_per_sec: int | None, group_per_min: int | None) -> None:
        self._clock = clock
        self._limits = {"chat": (per_chat_per_sec, 1.0), "all": (global_per_sec, 1.0),
                        "group": (group_per_min, 60.0)}
        self._stamps: defaultdict[tuple, deque[float]] = defaultdict(deque)

    def admit(self, chat_id: Any) -> int | None:
        """Count one message, or return the seconds to wait when a limit is exceeded."""
        now = self._clock()
        keys = [("chat", chat_id), ("all", None)]
        if isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0):
            keys.append(("group", chat_id))
        waits = []
        for key in keys:
            limit, span = self._limits[key[0]]
            stamps = self._stamps[key]
            while stamps and stamps[0] <= now - span:
                stamps.popleft()
            if limit is not None and len(stamps) >= limit:
                waits.append(stamps[0] + span - now)
        if waits:
            return max(1, math.ceil(max(waits)))
        for key in keys:
            self._stamps[key].append(now)
        return None


def _coerce(name: str, value: str) -> Any:
    if name in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse_multipart(content_type: str, body: bytes) -> tuple[JSON, dict[str, FakeFile]]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: JSON = {}
    files: dict[str, FakeFile] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = payload.decode()
        else:  # httpx escapes quotes in file names the HTML5 way
            files[name] = FakeFile(filename.replace("%22", '"'), payload, part.get_content_type())
    return fields, files


async def _read_params(request: Request) -> JSON:
    """Parameters from the query string plus a JSON, urlencoded or multipart body, typed."""
    raw: JSON = dict(request.query_params)
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    files: dict[str, FakeFile] = {}
    if content_type.startswith("application/json") and body:
        return {**{k: _coerce(k, v) for k, v in raw.items()}, **json.loads(body)}
    if content_type.startswith("multipart/form-data"):
        fields, files = _parse_multipart(content_type, body)
        raw.update(fields)
    elif body:
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    params = {k: _coerce(k, v) for k, v in raw.items()}
    for key, value in params.items():
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = files.pop(value.removeprefix("attach://"), value)
    return {**params, **files}


def _plain_text(text: str, parse_mode: str | None) -> str:
    """The text users see; rejects HTML that Telegram would refuse to parse."""
    if (parse_mode or "").upper() != "HTML":
        return text
    stack: list[str] = []
    for match in _TAG.finditer(text):
        closing, name = match.group(1), match.group(2).lower()
        where = len(text[: match.start()].encode())
        if name not in _HTML_TAGS:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" '
                                f"at byte offset {where}")
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unmatched end tag at byte offset '
                                f'{where}, expected "</{stack[-1] if stack else ""}>", found "</{name}>"')
    if stack:
        raise ApiError(400, "Bad Request: can't parse entities: Can't find end tag corresponding to "
                            f'start tag "{stack[-1]}"')
    stripped = _TAG.sub("", text)
    if "<" in stripped:
        where = len(stripped[: stripped.index("<")].encode())
        raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "" at byte '
                            f"offset {where}")
    return html.unescape(stripped)


def _inline_markup(markup: Any) -> JSON | None:
    """The inline keyboard Telegram echoes back on the message, validated like Telegram does."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _command_entities(text: str) -> list[JSON]:
    """bot_command entities with offsets in UTF-16 code units, as Telegram counts them."""
    return [{"type": "bot_command", "offset": _utf16_len(text[: m.start()]),
             "length": _utf16_len(m.group())} for m in _COMMAND.finditer(text)]


def _require(params: JSON, name: str) -> Any:
    value = params.get(name)
    if value in (None, ""):
        raise ApiError(400, f"Bad Request: {name} is empty")
    return value


def _chat_id(value: Any) -> int | str:
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def _user_json(user_id: int, first_name: str, username: str | None,
               language_code: str | None) -> JSON:
    user = {"id": user_id, "is_bot": False, "first_name": first_name,
            "username": username or f"user{user_id}"}
    if language_code:
        user["language_code"] = language_code
    return user


def _without_reply(message: JSON) -> JSON:
    """Telegram nests replies one level deep only."""
    return {k: copy.deepcopy(v) for k, v in message.items() if k != "reply_to_message"}


@contextlib.contextmanager
def refuse_internet() -> Iterator[None]:
    """Make every connection or name lookup that is not loopback fail, so a test cannot reach Telegram."""
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo
    loopback = ("127.0.0.1", "localhost", "::1")

    def connect(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in loopback:
            raise OSError(f"refuse_internet: connection to {address[0]} refused in tests")
        return real_connect(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in loopback and host is not None:
            raise socket.gaierror(f"refuse_internet: name lookup of {host} refused in tests")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.getaddrinfo = connect, getaddrinfo  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect, socket.getaddrinfo = real_connect, real_getaddrinfo  # type: ignore


class _BotApi:
    """The Bot API's state and methods; every public helper is safe to call from the test thread."""

    def __init__(self, token: str, bot_username: str, bot_name: str,
                 clock: Callable[[], float]) -> None:
        self.token, self._clock = token, clock
        self.bot_user = {"id": int(token.split(":")[0]), "is_bot": True, "first_name": bot_name,
                         "username": bot_username}
        self._cond = threading.Condition(threading.RLock())
        self._calls: list[JSON] = []
        self._sent: list[JSON] = []
        self._edits: list[JSON] = []
        self._answers: list[JSON] = []
        self._pushed: list[JSON] = []
        self._queue: list[_Queued] = []
        self._messages: dict[tuple[Any, int], JSON] = {}
        self._chats: dict[Any, JSON] = {}
        self._files: dict[str, tuple[JSON, FakeFile]] = {}
        self._message_ids: defaultdict[Any, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._ids = itertools.count(1)
        self._next_update_id = 10_000
        self._failures: list[_Failure] = []
        self._limiter: _RateLimiter | None = None
        self._open_queries: set[str] = set()
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._webhook: JSON = {}
        self._allowed: set[str] | None = None
        self._left: set[Any] = set()
        self._poll_ticket = 0
        self._waiting_polls = 0
        self._closing = False
        self._held: set[str] = set()
        self.count_429 = 0
        self.errors: list[BaseException] = []

    # ----- what the test reads

    def _snapshot(self, items: list[JSON]) -> list[JSON]:
        with self._cond:
            return copy.deepcopy(items)

    @property
    def calls(self) -> list[JSON]:
        """Every API call: ``{"method", "params", "status"}`` (status is None while in flight)."""
        return self._snapshot(self._calls)

    @property
    def sent(self) -> list[JSON]:
        """Every new message the bot sent: method, chat_id, text, reply_markup, message_id, ..."""
        return self._snapshot(self._sent)

    def sent_count(self, chat_id: int | str | None = None) -> int:
        """How many messages the bot sent (to `chat_id`, when given); cheap enough for a wait_for predicate."""
        with self._cond:
            if chat_id is None:
                return len(self._sent)
            return sum(1 for m in self._sent if str(m["chat_id"]) == str(chat_id))

    @property
    def edits(self) -> list[JSON]:
        """Every successful editMessageText / editMessageReplyMarkup call."""
        return self._snapshot(self._edits)

    @property
    def answers(self) -> list[JSON]:
        """Every answered callback query: callback_query_id, text, show_alert."""
        return self._snapshot(self._answers)

    @property
    def updates(self) -> list[JSON]:
        """Every update pushed by the test, delivered or not."""
        return self._snapshot(self._pushed)

    @property
    def pending_updates(self) -> int:
        """Updates the bot has not confirmed yet (the getWebhookInfo pending_update_count)."""
        with self._cond:
            return len(self._queue)

    @property
    def waiting_polls(self) -> int:
        """How many getUpdates requests are currently waiting for an update."""
        with self._cond:
            return self._waiting_polls

    def message(self, chat_id: int | str, message_id: int) -> JSON:
        """A message in its current state (after the bot's edits)."""
        with self._cond:
            return copy.deepcopy(self._messages[(chat_id, message_id)])

    def commands(self, language_code: str = "", scope: JSON | None = None) -> list[JSON]:
        """The command list the bot set for this language and scope."""
        with self._cond:
            return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 60.0,
                 what: str = "condition") -> None:
        """Block until predicate() holds after some API call; AssertionError on timeout."""
        with self._cond:
            if not self._cond.wait_for(predicate, timeout):
                seen = [c["method"] for c in self._calls]
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; calls: {seen}")

    def wait_for_sent(self, n: int = 1, timeout: float = 60.0) -> list[JSON]:
        """Block until the bot has sent at least n messages; returns tg.sent."""
        self.wait_for(lambda: len(self._sent) >= n, timeout, f"{n} sent message(s)")
        return self.sent

    async def wait_for_async(self, predicate: Callable[[], bool], timeout: float = 60.0,
                             what: str = "condition") -> None:
        """wait_for without blocking the caller's event loop (where the bot under test runs)."""
        await asyncio.to_thread(self.wait_for, predicate, timeout, what)

    async def wait_for_sent_async(self, n: int = 1, timeout: float = 60.0) -> list[JSON]:
        """wait_for_sent without blocking the caller's event loop."""
        return await asyncio.to_thread(self.wait_for_sent, n, timeout)

    # ----- what the test pushes and arranges

    def register_file(self, content: bytes, *, file_name: str | None = None,
                      mime_type: str | None = None, kind: str = "documents") -> JSON:
        """Store bytes the bot may getFile and download; returns the Document-like JSON."""
        with self._cond:
            n = next(self._ids)
            suffix = PurePosixPath(file_name or "").suffix or (".jpg" if kind == "photos" else "")
            file_json = {"file_id": f"fake-{kind}-{n}", "file_unique_id": f"unique{n}",
                         "file_size": len(content)}
            if file_name:
                file_json["file_name"] = file_name
            if mime_type:
                file_json["mime_type"] = mime_type
            stored = FakeFile(file_name or f"file_{n}{suffix}", content, mime_type)
            self._files[file_json["file_id"]] = ({**file_json, "file_path": f"{kind}/file_{n}{suffix}"},
                                                 stored)
            return dict(file_json)

    def build_message(self, chat_id: int, user_id: int, text: str = "", *,
                      chat_type: str = "private", reply_to: int | None = None,
                      document: FakeFile | None = None, photo: FakeFile | None = None,
                      first_name: str = "Người dùng", username: str | None = None,
                      language_code: str | None = "vi", title: str | None = None,
                      date: int | None = None) -> JSON:
        """A user's message as Telegram would deliver it, recorded so the bot may reply to it."""
        with self._cond:
            user = _user_json(user_id, first_name, username, language_code)
            message = {"message_id": next(self._message_ids[chat_id]), "from": user,
                       "chat": self._remember_chat(chat_id, chat_type, user, title),
                       "date": date or int(time.time())}
            message.update(self._content(text, document, photo))
            if reply_to is not None:
                if (chat_id, reply_to) not in self._messages:
                    raise ValueError(f"no message {reply_to} in chat {chat_id} to reply to")
                message["reply_to_message"] = _without_reply(self._messages[(chat_id, reply_to)])
            self._messages[(chat_id, message["message_id"])] = message
            return copy.deepcopy(message)

    def push_message(self, chat_id: int, user_id: int, text: str = "", *,
                     update_id: int | None = None, **options: Any) -> int:
        """Queue a user's message; options are build_message's (chat_type, reply_to, document, photo,
        first_name, username, language_code, title, date). Returns the update_id."""
        message = self.build_message(chat_id, user_id, text, **options)
        update: JSON = {"message": message}
        if update_id is not None:
            update["update_id"] = update_id
        return self.push_raw(update)

    def push_callback(self, chat_id: int, user_id: int, data: str, message_id: int, *,
                      first_name: str = "Người dùng", username: str | None = None,
                      language_code: str | None = "vi") -> int:
        """Queue a tap on an inline button of the bot's message; returns the update_id."""
        with self._cond:
            message = self._messages.get((chat_id, message_id))
            if message is None:
                raise ValueError(f"no message {message_id} in chat {chat_id}")
            query_id = str(next(self._ids))
            self._open_queries.add(query_id)
            user = _user_json(user_id, first_name, username, language_code)
            query = {"id": query_id, "from": user, "message": copy.deepcopy(message),
                     "chat_instance": f"instance{chat_id}", "data": data}
        return self.push_raw({"callback_query": query})

    def push_raw(self, update: JSON) -> int:
        """Queue any update as given (a repeated update_id is delivered again); returns update_id."""
        with self._cond:
            update = copy.deepcopy(update)
            update.setdefault("update_id", self._next_update_id)
            self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
            self._pushed.append(update)
            self._queue.append(_Queued(copy.deepcopy(update)))
            self._cond.notify_all()
        self._wake_pollers()
        return update["update_id"]

    def hold(self, method: str) -> None:
        """Leave calls of `method` unanswered until release(method), as a stalled Telegram would; each held call
        is in `calls` (status None) and wakes wait_for when it arrives."""
        with self._cond:
            self._held.add(self._canonical(method))

    def release(self, method: str) -> None:
        """Answer the held calls of `method` and every later one at once."""
        with self._cond:
            self._held.discard(self._canonical(method))
            self._cond.notify_all()

    def _wait_released(self, method: str) -> None:
        with self._cond:
            self._cond.wait_for(lambda: method not in self._held or self._closing)

    def fail_next(self, method: str, error_code: int, description: str, *,
                  retry_after: int | None = None, migrate_to_chat_id: int | None = None,
                  chat_id: int | str | None = None, times: int | None = 1) -> None:
        """Answer the next call(s) of method ("*" for any) with this error; times=None: always."""
        parameters = {"retry_after": retry_after, "migrate_to_chat_id": migrate_to_chat_id}
        with self._cond:
            self._failures.append(_Failure(self._canonical(method) if method != "*" else "*",
                                           error_code, description, parameters, chat_id, times))

    def rate_limit(self, per_chat_per_sec: int | None = 1, global_per_sec: int | None = 30,
                   group_per_min: int | None = 20) -> None:
        """Answer 429 with retry_after when the bot exceeds these limits (None: no limit)."""
        with self._cond:
            self._limiter = _RateLimiter(self._clock, per_chat_per_sec, global_per_sec, group_per_min)

    # ----- dispatch (server thread)

    def _handlers(self) -> dict[str, Callable[[JSON], Any]]:
        return {
            "getMe": self._get_me, "getUpdates": self._get_updates, "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook, "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands, "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands, "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query, "sendDocument": self._send_document,
            "sendPhoto": self._send_photo, "getFile": self._get_file,
            "sendChatAction": self._send_chat_action, "getChat": self._get_chat,
            "leaveChat": self._leave_chat,
        }

    def _canonical(self, method: str) -> str:
        """Telegram method names are case-insensitive."""
        return {name.lower(): name for name in self._handlers()}.get(method.lower(), method)

    async def _call(self, method: str, params: JSON) -> Any:
        handler = self._handlers().get(method)
        if handler is None:
            raise ApiError(404, "Not Found")
        with self._cond:
            self._check_failures(method, params)
            self._check_rate(method, params)
            if method != "getUpdates":
                return handler(params)
        return await self._get_updates(params)

    def _check_failures(self, method: str, params: JSON) -> None:
        for failure in self._failures:
            if failure.matches(method, params):
                if failure.times is not None:
                    failure.times -= 1
                    if failure.times <= 0:
                        self._failures.remove(failure)
                raise ApiError(failure.code, failure.description, **failure.parameters)

    def _check_rate(self, method: str, params: JSON) -> None:
        if self._limiter is None or method not in _RATE_LIMITED:
            return
        wait = self._limiter.admit(params.get("chat_id"))
        if wait is not None:
            self.count_429 += 1
            raise ApiError(429, TOO_MANY.format(seconds=wait), retry_after=wait)

    # ----- getUpdates and webhooks

    async def _get_updates(self, params: JSON) -> list[JSON]:
        with self._cond:
            if self._webhook.get("url"):
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                    "use deleteWebhook to delete the webhook first")
            self._poll_ticket += 1
            ticket = self._poll_ticket
            self._confirm(int(params.get("offset") or 0))
            if "allowed_updates" in params:
                self._allowed = set(params["allowed_updates"] or ()) or None
        await self._notify_pollers()  # a newer poll ends an older one with 409, as on Telegram
        await self._wait_for_updates(ticket, float(params.get("timeout") or 0))
        with self._cond:
            if ticket != self._poll_ticket:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure "
                                    "that only one bot instance is running")
            return self._deliver(int(params.get("limit") or 100))

    async def _wait_for_updates(self, ticket: int, timeout: float) -> None:
        with self._cond:
            self._waiting_polls += 1
            self._cond.notify_all()
        try:
            async with self._updates_cond:
                await asyncio.wait_for(self._updates_cond.wait_for(lambda: self._poll_done(ticket)),
                                       timeout)
        except TimeoutError:
            pass
        finally:
            with self._cond:
                self._waiting_polls -= 1
                self._cond.notify_all()

    def _poll_done(self, ticket: int) -> bool:
        with self._cond:
            return (self._closing or ticket != self._poll_ticket
                    or any(self._wanted(q) for q in self._queue))

    def _wanted(self, queued: _Queued) -> bool:
        if self._allowed:
            return queued.kind in self._allowed
        return queued.kind not in _OPT_IN_UPDATES

    def _confirm(self, offset: int) -> None:
        """Forget delivered updates below offset; a negative offset keeps only the last -offset."""
        if offset < 0:
            self._queue = self._queue[offset:]
        else:
            self._queue = [q for q in self._queue
                           if not (q.delivered and q.update["update_id"] < offset)]

    def _deliver(self, limit: int) -> list[JSON]:
        self._queue = [q for q in self._queue if self._wanted(q)]  # Telegram drops the others
        batch = self._queue[:limit]
        for queued in batch:
            queued.delivered = True
        return [copy.deepcopy(q.update) for q in batch]

    def _set_webhook(self, params: JSON) -> bool:
        self._webhook = {"url": params.get("url") or "",
                         "allowed_updates": params.get("allowed_updates"),
                         "max_connections": params.get("max_connections", 40)}
        if params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    def _delete_webhook(self, params: JSON) -> bool:
        self._webhook = {}
        if params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    def _get_webhook_info(self, params: JSON) -> JSON:
        info = {"url": self._webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self._queue)}
        if self._webhook.get("url"):
            info["max_connections"] = self._webhook["max_connections"]
        return info

    # ----- bot identity and commands

    def _get_me(self, params: JSON) -> JSON:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    @staticmethod
    def _commands_key(scope: JSON | None, language_code: str | None) -> tuple[str, str]:
        return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""

    def _set_my_commands(self, params: JSON) -> bool:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = list(_require(params, "commands"))
        return True

    def _get_my_commands(self, params: JSON) -> list[JSON]:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        return self._commands.get(key, [])

    def _delete_my_commands(self, params: JSON) -> bool:
        self._commands.pop(self._commands_key(params.get("scope"), params.get("language_code")), None)
        return True

    # ----- chats

    def _remember_chat(self, chat_id: int, chat_type: str, user: JSON, title: str | None) -> JSON:
        known = self._chats.get(chat_id)
        if known is None or title or known["type"] != chat_type:
            if chat_type == "private":
                known = {"id": chat_id, "type": "private", "first_name": user["first_name"],
                         "username": user["username"]}
            else:
                known = {"id": chat_id, "type": chat_type, "title": title or f"Nhóm {chat_id}"}
            self._chats[chat_id] = known
        return copy.deepcopy(known)

    def _chat_for(self, params: JSON) -> JSON:
        """The chat a call targets; unknown numeric ids are assumed to exist, as in most tests."""
        chat_id = _chat_id(_require(params, "chat_id"))
        if isinstance(chat_id, str):
            chat = next((c for c in self._chats.values() if f"@{c.get('username')}" == chat_id), None)
            if chat is None:
                raise ApiError(400, CHAT_NOT_FOUND)
        elif chat_id in self._chats:
            chat = self._chats[chat_id]
        elif chat_id > 0:
            chat = {"id": chat_id, "type": "private", "first_name": "Người dùng"}
        else:
            kind = "supergroup" if str(chat_id).startswith("-100") else "group"
            chat = {"id": chat_id, "type": kind, "title": f"Nhóm {chat_id}"}
        if chat["id"] in self._left:
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat['type']} chat")
        return copy.deepcopy(chat)

    def _send_chat_action(self, params: JSON) -> bool:
        self._chat_for(params)
        _require(params, "action")
        return True

    def _get_chat(self, params: JSON) -> JSON:
        chat = self._chat_for(params)
        if chat["id"] not in self._chats:
            raise ApiError(400, CHAT_NOT_FOUND)
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": dict(_GIFTS)}

    def _leave_chat(self, params: JSON) -> bool:
        chat = self._chat_for(params)
        if chat["type"] == "private":
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        self._left.add(chat["id"])
        return True

    # ----- sending and editing

    def _content(self, text: str, document: FakeFile | None, photo: FakeFile | None) -> JSON:
        """Text or caption with command entities, plus any attachment, for a user's message."""
        content: JSON = {}
        if document is not None:
            content["document"] = self.register_file(document.content, file_name=document.name,
                                                     mime_type=document.mime_type)
        if photo is not None:
            size = self.register_file(photo.content, kind="photos")
            content["photo"] = [{**size, "width": 1280, "height": 960}]
        key = "caption" if content else "text"
        if text:
            content[key] = text
            entities = _command_entities(text)
            if entities:
                content["entities" if key == "text" else "caption_entities"] = entities
        return content

    def _send_message(self, params: JSON) -> JSON:
        text = _plain_text(_require(params, "text"), params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._post("sendMessage", params, {"text": text}, None)

    def _send_document(self, params: JSON) -> JSON:
        document, upload = self._file_param(_require(params, "document"), "documents")
        return self._post("sendDocument", params, {"document": document}, upload)

    def _send_photo(self, params: JSON) -> JSON:
        size, upload = self._file_param(_require(params, "photo"), "photos")
        return self._post("sendPhoto", params, {"photo": [{**size, "width": 1280, "height": 960}]},
                          upload)

    def _file_param(self, value: Any, kind: str) -> tuple[JSON, FakeFile]:
        """An uploaded file is stored; a string must be a file_id this server handed out."""
        if isinstance(value, FakeFile):
            return self.register_file(value.content, file_name=value.name,
                                      mime_type=value.mime_type, kind=kind), value
        if value not in self._files:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        file_json, stored = self._files[value]
        return {k: v for k, v in file_json.items() if k != "file_path"}, stored

    def _caption(self, params: JSON) -> JSON:
        if not params.get("caption"):
            return {}
        caption = _plain_text(params["caption"], params.get("parse_mode"))
        if len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        return {"caption": caption}

    def _post(self, method: str, params: JSON, content: JSON, upload: FakeFile | None) -> JSON:
        """Create the bot's message, remember it and record it in tg.sent."""
        chat = self._chat_for(params)
        markup = _inline_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat["id"], params)
        content = {**content, **self._caption(params)}
        message = {"message_id": next(self._message_ids[chat["id"]]), "from": dict(self.bot_user),
                   "chat": chat, "date": int(time.time()), **content}
        if reply_to:
            message["reply_to_message"] = reply_to
        if markup:
            message["reply_markup"] = markup
        self._messages[(chat["id"], message["message_id"])] = message
        self._sent.append({
            "method": method, "chat_id": chat["id"], "text": params.get("text", params.get("caption")),
            "plain": content.get("text", content.get("caption")), "parse_mode": params.get("parse_mode"),
            "reply_markup": params.get("reply_markup"), "message_id": message["message_id"],
            "reply_to_message_id": reply_to["message_id"] if reply_to else None,
            "file": upload, "params": params,
        })
        return copy.deepcopy(message)

    def _reply_target(self, chat_id: Any, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id") or params.get("reply_to_message_id")
        if not message_id:
            return None
        original = self._messages.get((chat_id, message_id))
        if original is None:
            if reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply"):
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return _without_reply(original)

    def _editable(self, params: JSON) -> JSON:
        chat = self._chat_for(params)
        message = self._messages.get((chat["id"], _require(params, "message_id")))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _apply_edit(self, method: str, message: JSON, changes: JSON, params: JSON) -> JSON:
        if all(message.get(k) == v for k, v in changes.items()):
            raise ApiError(400, "Bad Request: message is not modified: specified new message content "
                                "and reply markup are exactly the same as a current content and "
                                "reply markup of the message")
        for key, value in changes.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = int(time.time())
        self._edits.append({"method": method, "chat_id": message["chat"]["id"],
                            "message_id": message["message_id"], "text": params.get("text"),
                            "reply_markup": params.get("reply_markup"), "params": params})
        return copy.deepcopy(message)

    def _edit_message_text(self, params: JSON) -> JSON | bool:
        text = _plain_text(_require(params, "text"), params.get("parse_mode"))
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        # Telegram drops the keyboard when an edit does not repeat it.
        changes = {"text": text, "reply_markup": _inline_markup(params.get("reply_markup"))}
        return self._apply_edit("editMessageText", message, changes, params)

    def _edit_message_reply_markup(self, params: JSON) -> JSON | bool:
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        changes = {"reply_markup": _inline_markup(params.get("reply_markup"))}
        return self._apply_edit("editMessageReplyMarkup", message, changes, params)

    def _answer_callback_query(self, params: JSON) -> bool:
        query_id = str(_require(params, "callback_query_id"))
        if query_id not in self._open_queries:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or "
                                "query ID is invalid")
        self._open_queries.discard(query_id)
        self._answers.append({"callback_query_id": query_id, "text": params.get("text"),
                              "show_alert": bool(params.get("show_alert")), "params": params})
        return True

    def _get_file(self, params: JSON) -> JSON:
        entry = self._files.get(_require(params, "file_id"))
        if entry is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        file_json = entry[0]
        return {k: file_json[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}

    # ----- long-poll wake-ups (implemented by the server)

    _updates_cond: asyncio.Condition

    def _wake_pollers(self) -> None:
        raise NotImplementedError

    async def _notify_pollers(self) -> None:
        async with self._updates_cond:
            self._updates_cond.notify_all()


class _Server(uvicorn.Server):
    """uvicorn that reports when it listens and stops at once instead of in 0.1 s ticks."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self.stopping = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()

    async def main_loop(self) -> None:
        await self.on_tick(0)  # sets the default response headers
        await self.stopping.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle keep-alive connections close, busy ones after answering
        if self.server_state.tasks:
            await asyncio.wait(set(self.server_state.tasks), timeout=2)


class FakeTelegram(_BotApi):
    """A Bot API server on 127.0.0.1 (ephemeral port) in a background thread; use it with ``with``."""

    def __init__(self, token: str = "123:ABC", *, bot_username: str = "nhacviec_bot",
                 bot_name: str = "Nhắc việc", clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(token, bot_username, bot_name, clock)
        self.port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failed: BaseException | None = None

    @property
    def base_url(self) -> str:
        """Pass to Bot(base_url=...) / ApplicationBuilder().base_url(...)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        """Pass to Bot(base_file_url=...) / ApplicationBuilder().base_file_url(...)."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> FakeTelegram:
        """Listen on 127.0.0.1 and serve from a background thread with its own event loop."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls per answer
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)  # clients may connect before uvicorn accepts; no start-up race
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self._app(), log_level="warning", access_log=False, lifespan="off",
                                http="h11", loop="asyncio", timeout_graceful_shutdown=2)
        self._server = _Server(config)
        self._loop = asyncio.new_event_loop()
        self._updates_cond = asyncio.Condition()
        self._thread = threading.Thread(target=self._serve, args=(sock,), name="fake-telegram",
                                        daemon=True)
        self._thread.start()
        if not self._server.ready.wait(10) or self._failed:
            raise RuntimeError(f"fake Telegram server did not start: {self._failed!r}")
        return self

    def stop(self) -> None:
        """End waiting long polls and stop the server; safe to call twice."""
        if self._thread is None or self._server is None:
            return
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._wake_pollers()
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop ended on its own meanwhile
                self._loop.call_soon_threadsafe(self._server.stopping.set)
        self._thread.join(10)
        self._thread = None

    def close_idle_connections(self) -> int:
        """Close the kept-alive connections, as a server does when its keep-alive time-out ends or it restarts
        (idle ones at once, busy ones after their answer); how many there were."""
        async def close() -> int:
            connections = list(self._server.server_state.connections)
            for connection in connections:
                connection.shutdown()
            return len(connections)
        return asyncio.run_coroutine_threadsafe(close(), self._loop).result(30)

    def _serve(self, sock: socket.socket) -> None:
        assert self._loop is not None and self._server is not None
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._server.serve(sockets=[sock]))
        except BaseException as exc:  # surfaced by start(); a thread cannot raise to its caller
            self._failed = exc
        finally:
            self._server.ready.set()
            self._loop.close()

    def _wake_pollers(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody is waiting
            asyncio.run_coroutine_threadsafe(self._notify_pollers(), loop)

    def _app(self) -> Starlette:
        return Starlette(routes=[
            Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
            Route("/file/bot{token}/{file_path:path}", self._download, methods=["GET"]),
        ])

    async def _api(self, request: Request) -> Response:
        method = self._canonical(request.path_params["method"])
        if request.path_params["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        try:
            params = await _read_params(request)
        except ValueError:  # malformed JSON or form body
            return ApiError(400, "Bad Request: can't parse request parameters").response()
        call: JSON = {"method": method, "params": params, "status": None}
        with self._cond:
            self._calls.append(call)
            held = method in self._held
            self._cond.notify_all()
        if held:
            await asyncio.to_thread(self._wait_released, method)
        try:
            response = JSONResponse({"ok": True, "result": await self._call(method, params)})
        except ApiError as err:
            response = err.response()
        except Exception as exc:  # a bug in the fake: fail loudly in the test, not silently
            self.errors.append(exc)
            response = ApiError(500, f"Internal Server Error: fake: {exc!r}").response()
        with self._cond:
            call["status"] = response.status_code
            self._cond.notify_all()
        return response

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        with self._cond:
            stored = next((f for j, f in self._files.values()
                           if j["file_path"] == request.path_params["file_path"]), None)
        if stored is None:
            return ApiError(404, "Not Found").response()
        return Response(stored.content, media_type=stored.mime_type or "application/octet-stream")
