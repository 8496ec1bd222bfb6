"""Fake Zalo servers on 127.0.0.1 speaking the real wire protocols, plus builders for inbound events.

FakeZaloBot is the Bot Platform (`/bot{token}/{method}`, ok/result envelope, 408 on an empty long poll,
setWebhook probing the URL and answering with a `verification` object).
FakeZaloOA is the OA Open API v3 and the OAuth v4 host in one server, with the 2026 rules: consultation
messages only within 7 days of the user's last interction (-230), the per-user look-up of that interaction,
approved ZBS templates sent by user id (`/v3.0/oa/message/template`, parameters checked), the billing family
(-224/-218/-320/-321) answering every send, X-RateLimit-Limit / X-RateLimit-Remain headers with -32 past the
limit, single-use refresh tokens (spending one twice is recorded in `double_spends` and refused with -14014),
access-token expiry (-216), blocked users (-213), and injected failures such as -32 or HTTP 429.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import parse_qsl

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from zalo.signature import BOT_SECRET_HEADER, OA_SIGNATURE_HEADER, oa_signature

JSON = dict[str, Any]
NOT_INTERACTED = "User has not interacted with the OA in the past 7 days"
_ids = itertools.count(1)
_BASE_MS = 1750316131602
# Milliseconds "now" for event timestamps: a harness with its own clock sets it; otherwise a fixed 2025 moment.
event_clock: Callable[[], int] | None = None


def _stamp_ms() -> int:
    """A timestamp for a new event: now on the event clock (plus a counter, so events stay distinct)."""
    return (event_clock() if event_clock is not None else _BASE_MS) + next(_ids)


@dataclass
class _Failure:
    body: JSON
    http_status: int = 200
    retry_after: float | None = None

    def response(self) -> Response:
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else None
        return JSONResponse(self.body, status_code=self.http_status, headers=headers)


class _Server(uvicorn.Server):
    """uvicorn that tells the starting thread once it is listening."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


class _FakeServer:
    """A Starlette app served from a background thread on an ephemeral 127.0.0.1 port; use with ``with``."""

    name = "fake-zalo"

    def __init__(self) -> None:
        self.port = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)

    @property
    def base_url(self) -> str:
        """Root URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self):
        """Listen, then serve from a thread with its own event loop."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)  # clients may connect before uvicorn accepts: no start-up race
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app(), log_level="warning", access_log=False, lifespan="off",
                                http="h11", loop="asyncio", timeout_graceful_shutdown=1)
        self._server = _Server(config)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, args=(sock,), name=self.name, daemon=True)
        self._thread.start()
        if not self._server.ready.wait(10):
            raise RuntimeError(f"{self.name} did not start")
        return self

    def stop(self) -> None:
        """Stop the server; safe to call twice."""
        if self._thread is None or self._server is None:
            return
        self._server.should_exit = True
        self._thread.join(10)
        self._thread = None

    def _serve(self, sock: socket.socket) -> None:
        assert self.loop is not None and self._server is not None
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._server.serve(sockets=[sock]))
        finally:
            self._server.ready.set()
            self.loop.close()

    def app(self) -> Starlette:
        raise NotImplementedError

    def _queue_failure(self, key: str, failure: _Failure, times: int) -> None:
        with self._lock:
            self._failures[key].extend([failure] * times)

    def _take_failure(self, key: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(key)
            return queue.popleft() if queue else None


class FakeZaloBot(_FakeServer):
    """The Zalo Bot Platform for one bot token; records what the bot sent in `sent`."""

    name = "fake-zalo-bot"

    def __init__(self, token: str = "1459232241454765289:fake-secret", *, poll_wait: float = 0.0) -> None:
        super().__init__()
        self.token = token
        self.poll_wait = poll_wait          # how long an empty getUpdates waits before answering 408
        self.sent: list[JSON] = []          # {"method": ..., **params} for every send* call
        self.calls: list[str] = []          # every method called, in order
        self.webhook: JSON = {"url": "", "secret_token": None, "updated_at": 0}
        self.polling = threading.Event()    # set while a getUpdates call waits for an update
        # setWebhook probes the URL like Zalo does: `probe` maps the public URL to one reachable from here
        # (None: no probe, and no `verification` in the answer, like older Bot Platform answers).
        self.probe: Any = None
        self.probes: list[int] = []         # HTTP status of every probe
        self._changed = threading.Condition()  # notified on every probe and send (and by tests: `notify`)
        self._updates: deque[JSON] = deque()
        self._arrived: asyncio.Event | None = None

    def notify(self) -> None:
        """Wake `wait_for` callers (the server after a probe or send; a test when a process it watches ends)."""
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 90.0) -> bool:
        """Block until predicate() holds after a probe, a send or `notify`; False on time-out."""
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def push_update(self, update: JSON) -> None:
        """Queue an update for getUpdates (and wake a waiting long poll)."""
        with self._lock:
            self._updates.append(update)
        if self.loop is not None and self._arrived is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._arrived.set)

    def fail_next(self, method: str, error_code: int, description: str, *, http_status: int = 200,
                  retry_after: float | None = None, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with this error."""
        body: JSON = {"ok": False, "error_code": error_code, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        self._queue_failure(method, _Failure(body, http_status, retry_after), times)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._api, methods=["GET", "POST"])])

    async def _api(self, request: Request) -> Response:
        prefix = f"/bot{self.token}/"
        if not request.url.path.startswith(prefix):
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = request.url.path[len(prefix):]
        params = await request.json() if await request.body() else {}
        self.calls.append(method)
        failure = self._take_failure(method)
        if failure is not None:
            return failure.response()
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        result = await handler(params)
        if isinstance(result, Response):
            return result
        return JSONResponse({"ok": True, "result": result})

    async def _m_getMe(self, params: JSON) -> JSON:
        bot_id = self.token.split(":", 1)[0]
        return {"id": bot_id, "account_name": "bot.fake", "account_type": "BASIC", "can_join_groups": False}

    async def _m_getUpdates(self, params: JSON) -> JSON | Response:
        if self.webhook["url"]:
            return _bot_error(400, "webhook is set; call deleteWebhook before getUpdates")
        if not self._updates and self.poll_wait > 0:
            self._arrived = asyncio.Event()
            self.polling.set()
            wait = min(float(params.get("timeout", 30)), self.poll_wait)
            try:
                await asyncio.wait_for(self._arrived.wait(), wait)
            except TimeoutError:
                pass
            finally:
                self.polling.clear()
        with self._lock:
            if not self._updates:
                return _bot_error(408, "Request timeout", http_status=200)
            return self._updates.popleft()

    async def _m_setWebhook(self, params: JSON) -> JSON | Response:
        url, secret = params.get("url", ""), params.get("secret_token", "")
        if not url.startswith("https://") or not 8 <= len(secret) <= 256:
            return _bot_error(400, "Bad Request: invalid url or secret_token")
        self.webhook = {"url": url, "secret_token": secret, "updated_at": _BASE_MS + next(_ids)}
        result: JSON = {"url": url, "updated_at": self.webhook["updated_at"]}
        if self.probe is not None:
            result["verification"] = await self._verify(url, secret)
        return result

    async def _verify(self, url: str, secret: str) -> JSON:
        target = self.probe(url)
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                answer = await client.post(target, json={}, headers={BOT_SECRET_HEADER: secret})
            status = answer.status_code
        except httpx.HTTPError:
            status = 0
        self.probes.append(status)
        self.notify()
        ok = status == 200
        return {"status": "success" if ok else "failed", "http_status": status,
                "message": "Webhook verified" if ok else "Webhook URL did not answer 200"}

    async def _m_deleteWebhook(self, params: JSON) -> JSON:
        self.webhook = {"url": "", "secret_token": None, "updated_at": _BASE_MS + next(_ids)}
        return {"url": "", "updated_at": self.webhook["updated_at"]}

    async def _m_getWebhookInfo(self, params: JSON) -> JSON:
        return {"url": self.webhook["url"], "updated_at": self.webhook["updated_at"]}

    async def _m_sendMessage(self, params: JSON) -> JSON | Response:
        text = params.get("text", "")
        if not params.get("chat_id") or not 1 <= len(text) <= 2000:
            return _bot_error(400, "Bad Request: chat_id and 1-2000 chars of text required")
        return self._record("sendMessage", params)

    async def _m_sendPhoto(self, params: JSON) -> JSON | Response:
        if not params.get("chat_id") or not str(params.get("photo", "")).startswith("http"):
            return _bot_error(400, "Bad Request: chat_id and photo URL required")
        return self._record("sendPhoto", params)

    async def _m_sendChatAction(self, params: JSON) -> JSON:
        self.sent.append({"method": "sendChatAction", **params})
        self.notify()
        return {"ok": True}

    def _record(self, method: str, params: JSON) -> JSON:
        message_id = f"{next(_ids):020x}"
        self.sent.append({"method": method, "message_id": message_id, **params})
        self.notify()
        return {"message_id": message_id, "date": _BASE_MS + next(_ids)}


def _bot_error(code: int, description: str, *, http_status: int | None = None) -> Response:
    return JSONResponse({"ok": False, "error_code": code, "description": description},
                        status_code=http_status or code)


class FakeZaloOA(_FakeServer):
    """The OA Open API v3 and OAuth v4 in one server (pass `base_url` as both api_url and oauth_url)."""

    name = "fake-zalo-oa"

    def __init__(self, app_id: str = "4291763606161179100", app_secret: str = "app-secret", *,
                 oa_id: str = "579745863508352884", expires_in: int = 90000, oauth_delay: float = 0.0) -> None:
        super().__init__()
        self.app_id, self.app_secret, self.oa_id = app_id, app_secret, oa_id
        self.expires_in = expires_in
        self.oauth_delay = oauth_delay      # server-side latency, to widen refresh races
        self.sent: list[JSON] = []          # {"kind": "cs"|"template", "user_id", "message"|"template_id",
                                            #  "template_data", "message_id", "access_token"}
        self.refresh_calls: list[str] = []  # every refresh token presented to OAuth
        self.double_spends: list[str] = []  # refresh tokens presented again after being spent
        self.oauth_seen = threading.Event() # set when a refresh request arrives
        self.users: dict[str, str] = {}     # user_id -> display_name
        self.not_interacted: set[str] = set()
        self.interactions: dict[str, int] = {}      # user_id -> last interaction (ms); consultation within 7 days
        self.templates: dict[str, set[str]] = {}    # approved ZBS template id -> its parameter names
        self.billing_error: int | None = None       # every send answers this (-224, -218, -320, -321)
        self.rate_limit: int | None = None          # API calls allowed in the current window
        self.uploads: dict[str, tuple[str, bytes]] = {}   # token / attachment_id -> (file name, bytes)
        self.api_calls = 0                          # API calls in the current window
        self.blocked: set[str] = set()
        self._access: set[str] = set()
        self._refresh: set[str] = set()
        self._spent: set[str] = set()
        self._serial = itertools.count(1)

    def issue_tokens(self) -> tuple[str, str]:
        """A new (access, refresh) pair, as the OA permission flow would hand out."""
        with self._lock:
            n = next(self._serial)
            access, refresh = f"access-{n}", f"refresh-{n}"
            self._access.add(access)
            self._refresh.add(refresh)
        return access, refresh

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far invalid (-216)."""
        with self._lock:
            self._access.clear()

    def fail_next(self, endpoint: str, error: int, message: str, *, http_status: int = 200,
                  retry_after: float | None = None, times: int = 1) -> None:
        """Answer the next `times` calls to `endpoint` ("cs", "template", "user", "quota", "oauth")."""
        self._queue_failure(endpoint, _Failure({"error": error, "message": message}, http_status, retry_after),
                            times)

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/v3.0/oa/message/cs", self._send_cs, methods=["POST"]),
            Route("/v3.0/oa/message/template", self._send_template, methods=["POST"]),
            Route("/v2.0/oa/upload/{kind}", self._upload, methods=["POST"]),
            Route("/v3.0/oa/user/detail", self._user_detail, methods=["GET"]),
            Route("/v3.0/oa/quota/message", self._quota, methods=["POST"]),
            Route("/v4/oa/access_token", self._access_token, methods=["POST"]),
        ])

    async def _send_cs(self, request: Request) -> Response:
        return await self._send("cs", request)

    def interacted(self, user_id: str, *, days_ago: float = 0.0) -> None:
        """The user wrote to or followed the OA `days_ago` days before now (on the event clock)."""
        self.interactions[user_id] = _now_ms() - int(days_ago * 86_400_000)

    def _window_shut(self, user_id: str) -> bool:
        last = self.interactions.get(user_id)
        return user_id in self.not_interacted or (last is not None and _now_ms() - last > 7 * 86_400_000)

    async def _send(self, kind: str, request: Request) -> Response:
        refused = self._refuse(kind, request)
        if refused is not None:
            return refused
        body = await request.json()
        user_id = str(body.get("recipient", {}).get("user_id", ""))
        message = body.get("message", {})
        if self.billing_error is not None:
            return _oa_error(self.billing_error, BILLING.get(self.billing_error, "Billing"))
        if user_id in self.blocked:
            return _oa_error(-213, "User has not followed the OA")
        if self._window_shut(user_id):
            return _oa_error(-230, NOT_INTERACTED)
        if not 1 <= len(message.get("text", "")) <= 2000 and "attachment" not in message:
            return _oa_error(-201, "Invalid parameters")
        if "attachment" in message and not self._uploaded(message["attachment"]):
            return _oa_error(-201, "Invalid attachment (unknown or expired upload)")
        return self._record({"kind": kind, "user_id": user_id, "message": message}, request)

    async def _send_template(self, request: Request) -> Response:
        refused = self._refuse("template", request)
        if refused is not None:
            return refused
        body = await request.json()
        user_id, template_id = str(body.get("user_id", "")), str(body.get("template_id", ""))
        data = body.get("template_data") if isinstance(body.get("template_data"), dict) else {}
        if self.billing_error is not None:
            return _oa_error(self.billing_error, BILLING.get(self.billing_error, "Billing"))
        if template_id not in self.templates:
            return _oa_error(-249, "Template cannot be sent by user_id")
        if set(data) != self.templates[template_id] or not all(isinstance(v, str) and v for v in data.values()):
            return _oa_error(-201, "template_data does not match the template's parameters")
        if user_id in self.blocked:
            return _oa_error(-213, "User has not followed the OA")
        return self._record({"kind": "template", "user_id": user_id, "template_id": template_id,
                             "template_data": data, "message": {}}, request)

    def _uploaded(self, attachment: JSON) -> bool:
        payload = attachment.get("payload") or {}
        if attachment.get("type") == "file":
            return payload.get("token") in self.uploads
        elements = payload.get("elements") or [{}]
        return payload.get("template_type") == "media" and elements[0].get("attachment_id") in self.uploads

    async def _upload(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        refused = self._refuse("upload", request)
        if refused is not None:
            return refused
        form = await request.form()
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read"):
            return _oa_error(-201, "file is required")
        name, data = upload.filename or "", await upload.read()
        extension = name.rsplit(".", 1)[-1].lower()
        allowed, limit = UPLOADS.get(kind, ((), 0))
        if extension not in allowed:
            return _oa_error(-201, f"File type .{extension} is not supported")
        if len(data) > limit:
            return _oa_error(-210, "File size exceeds the limit")
        key = f"{kind}-{next(_ids)}"
        self.uploads[key] = (name, data)
        field = "token" if kind == "file" else "attachment_id"
        return self._answer({"error": 0, "message": "Success", "data": {field: key}})

    def _record(self, item: JSON, request: Request) -> Response:
        message_id = f"{next(_ids):032x}"
        with self._lock:
            self.sent.append({**item, "message_id": message_id, "access_token": request.headers.get("access_token")})
        return self._answer({"error": 0, "message": "Success", "data": {"message_id": message_id,
                                                                     "user_id": item["user_id"]}})

    def _answer(self, body: JSON) -> Response:
        """A JSON answer with the rate-limit headers Zalo adds (when a limit is set)."""
        headers = None
        if self.rate_limit is not None:
            headers = {"X-RateLimit-Limit": str(self.rate_limit),
                       "X-RateLimit-Remain": str(max(self.rate_limit - self.api_calls, 0))}
        return JSONResponse(body, headers=headers)

    async def _user_detail(self, request: Request) -> Response:
        refused = self._refuse("user", request)
        if refused is not None:
            return refused
        user_id = str(json.loads(request.query_params.get("data", "{}")).get("user_id", ""))
        if user_id not in self.users:
            return _oa_error(-201, "user_id is invalid")
        data = {"user_id": user_id, "display_name": self.users[user_id], "user_is_follower": True,
                "avatars": {"120": f"https://s120.avatar.example/{user_id}",
                            "240": f"https://s240.avatar.example/{user_id}"}}
        return JSONResponse({"error": 0, "message": "Success", "data": data})

    async def _quota(self, request: Request) -> Response:
        refused = self._refuse("quota", request)
        if refused is not None:
            return refused
        body = await request.json()
        if body.get("user_id"):   # the per-user look-up: last interaction time (ms, as a string)
            user_id = str(body["user_id"])
            last = self.interactions.get(user_id)
            if user_id in self.not_interacted:
                last = _now_ms() - 30 * 86_400_000
            data = {"last_interaction": str(last) if last is not None else None, "cs_reply": {"remain": 8, "total": 8}}
            return self._answer({"error": 0, "message": "Success", "data": data})
        used = sum(1 for item in self.sent if item["kind"] == "cs")
        data = [{"asset_id": "fake-asset", "product_type": "cs", "quota_type": "sub_quota",
                 "valid_through": "30/04/2030", "total": 2000, "remain": 2000 - used}]
        return self._answer({"error": 0, "message": "Success", "data": data})

    def _refuse(self, endpoint: str, request: Request) -> Response | None:
        with self._lock:
            self.api_calls += 1
            over = self.rate_limit is not None and self.api_calls > self.rate_limit
        if over:
            return self._answer({"error": -32, "message": "Rate limited: reached limit call api"})
        failure = self._take_failure(endpoint)
        if failure is not None:
            return failure.response()
        with self._lock:
            valid = request.headers.get("access_token") in self._access
        return None if valid else _oa_error(-216, "Access token is invalid")

    async def _access_token(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        refresh = str(form.get("refresh_token", ""))
        failure = self._take_failure("oauth")
        if failure is not None:
            return failure.response()
        if request.headers.get("secret_key") != self.app_secret:
            return _oauth_error(-14004, "Invalid secret key")
        if form.get("app_id") != self.app_id:
            return _oauth_error(-14002, "Invalid appId")
        if form.get("grant_type") != "refresh_token":
            return _oauth_error(-14018, "Invalid grant type")
        self.oauth_seen.set()
        usable = self._spend(refresh)
        if self.oauth_delay:
            await asyncio.sleep(self.oauth_delay)
        if not usable:
            return _oauth_error(-14014, "Invalid refresh token")
        access, new_refresh = self.issue_tokens()
        return JSONResponse({"access_token": access, "refresh_token": new_refresh,
                             "expires_in": str(self.expires_in)})

    def _spend(self, refresh: str) -> bool:
        with self._lock:  # check and spend in one step, so overlapping spends are seen
            self.refresh_calls.append(refresh)
            if refresh in self._spent:
                self.double_spends.append(refresh)
            usable = refresh in self._refresh
            self._refresh.discard(refresh)
            self._spent.add(refresh)
        return usable


# What the OA upload pages accept: files PDF/DOC/DOCX/CSV up to 5 MB, images JPG/PNG up to 1 MB.
UPLOADS = {"file": (("pdf", "doc", "docx", "csv"), 5 * 1024 * 1024), "image": (("jpg", "jpeg", "png"), 1024 * 1024)}
BILLING = {-224: "OA has no service package for this feature", -218: "Out of quota for receiving",
           -320: "App must be linked to a Zalo Cloud Account", -321: "Zalo Cloud Account balance is too low"}


def _now_ms() -> int:
    return event_clock() if event_clock is not None else int(time.time() * 1000)


def _oa_error(code: int, message: str) -> Response:
    return JSONResponse({"error": code, "message": message})


def _oauth_error(code: int, name: str) -> Response:
    # OAuth reports failures in HTTP 200 answers, with error_name/error_description instead of message.
    return JSONResponse({"error": code, "error_name": name, "error_reason": "", "error_description": name,
                         "ref_doc": "https://developers.zalo.me/docs/official-account"})


# ---- inbound events, as Zalo would deliver them --------------------------------------------------------


def bot_text_update(chat_id: str, text: str, *, user_id: str | None = None, name: str = "Ted",
                    message_id: str | None = None, date_ms: int | None = None, chat_type: str = "PRIVATE",
                    wrapped: bool = False) -> JSON:
    """A Bot Platform `message.text.received` update (flat, or wrapped in ok/result like the docs' sample)."""
    message = _bot_message(chat_id, user_id, name, message_id, date_ms, chat_type)
    message["text"] = text
    return _bot_event("message.text.received", message, wrapped)


def bot_image_update(chat_id: str, photo_url: str, *, caption: str | None = None, user_id: str | None = None,
                     name: str = "Ted", message_id: str | None = None, wrapped: bool = False) -> JSON:
    """A Bot Platform `message.image.received` update."""
    message = _bot_message(chat_id, user_id, name, message_id, None, "PRIVATE")
    message["photo_url"] = photo_url
    if caption:
        message["caption"] = caption
    return _bot_event("message.image.received", message, wrapped)


def bot_media_update(chat_id: str, event: str, url: str = "", *, user_id: str | None = None,
                     name: str = "Ted") -> JSON:
    """A Bot Platform sticker / voice / unsupported update (`event` e.g. "message.voice.received")."""
    message = _bot_message(chat_id, user_id, name, None, None, "PRIVATE")
    if url:
        message["url"] = url
    return _bot_event(event, message, False)


def _bot_message(chat_id: str, user_id: str | None, name: str, message_id: str | None, date_ms: int | None,
                 chat_type: str) -> JSON:
    return {"from": {"id": user_id or chat_id, "display_name": name, "is_bot": False},
            "chat": {"id": chat_id, "chat_type": chat_type},
            "message_id": message_id or f"{next(_ids):020x}", "date": date_ms or _BASE_MS + next(_ids)}


def _bot_event(event: str, message: JSON, wrapped: bool) -> JSON:
    update = {"event_name": event, "message": message}
    return {"ok": True, "result": update} if wrapped else update


def oa_text_event(app_id: str, user_id: str, text: str, *, oa_id: str = "579745863508352884",
                  msg_id: str | None = None, quote_msg_id: str | None = None,
                  timestamp_ms: int | None = None) -> JSON:
    """An OA `user_send_text` webhook event."""
    message: JSON = {"msg_id": msg_id or f"{next(_ids):032x}", "text": text}
    if quote_msg_id:
        message["quote_msg_id"] = quote_msg_id
    return _oa_event("user_send_text", app_id, user_id, oa_id, message, timestamp_ms)


def oa_attachment_event(app_id: str, user_id: str, kind: str, url: str, *, name: str = "", text: str = "",
                        oa_id: str = "579745863508352884", msg_id: str | None = None,
                        timestamp_ms: int | None = None) -> JSON:
    """An OA `user_send_image` / `user_send_file`… event carrying one attachment."""
    payload: JSON = {"url": url}
    if name:
        payload.update(name=name, size="2048", type=name.rsplit(".", 1)[-1])
    message: JSON = {"msg_id": msg_id or f"{next(_ids):032x}", "attachments": [{"type": kind, "payload": payload}]}
    if text:
        message["text"] = text
    return _oa_event(f"user_send_{kind}", app_id, user_id, oa_id, message, timestamp_ms)


def oa_follow_event(app_id: str, user_id: str, *, oa_id: str = "579745863508352884",
                    timestamp_ms: int | None = None, event: str = "follow") -> JSON:
    """An OA `follow` (or `unfollow`) event."""
    return {"app_id": app_id, "oa_id": oa_id, "event_name": event, "source": "oa_profile",
            "follower": {"id": user_id}, "user_id_by_app": f"app-{user_id}",
            "timestamp": str(timestamp_ms or _stamp_ms())}


def _oa_event(event: str, app_id: str, user_id: str, oa_id: str, message: JSON, timestamp_ms: int | None) -> JSON:
    return {"app_id": app_id, "user_id_by_app": f"app-{user_id}", "event_name": event,
            "timestamp": str(timestamp_ms or _stamp_ms()),
            "sender": {"id": user_id}, "recipient": {"id": oa_id}, "message": message}


def sign_oa_event(event: JSON, oa_secret: str) -> tuple[bytes, dict[str, str]]:
    """The exact body bytes and headers Zalo would send for `event` (X-ZEvent-Signature: mac=...)."""
    raw = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
    mac = oa_signature(str(event.get("app_id", "")), raw, str(event.get("timestamp", "")), oa_secret)
    return raw, {"Content-Type": "application/json", OA_SIGNATURE_HEADER: f"mac={mac}"}


async def post_oa_event(url: str, event: JSON, oa_secret: str, *,
                        client: httpx.AsyncClient | None = None) -> httpx.Response:
    """POST a signed OA webhook event to `url`, as Zalo does."""
    raw, headers = sign_oa_event(event, oa_secret)
    return await _post(url, raw, headers, client)


async def post_bot_update(url: str, update: JSON, secret: str, *,
                          client: httpx.AsyncClient | None = None) -> httpx.Response:
    """POST a Bot Platform update to `url` with the X-Bot-Api-Secret-Token header, as Zalo does."""
    raw = json.dumps(update, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", BOT_SECRET_HEADER: secret}
    return await _post(url, raw, headers, client)


async def _post(url: str, raw: bytes, headers: dict[str, str],
                client: httpx.AsyncClient | None) -> httpx.Response:
    if client is not None:
        return await client.post(url, content=raw, headers=headers)
    async with httpx.AsyncClient() as own:
        return await own.post(url, content=raw, headers=headers)
