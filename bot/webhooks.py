"""The webhook server of `nhacviec run`: Zalo Bot Platform, Zalo OA and Telegram, in the bot's event loop.

Every request is authenticated first (constant-time checks; 401 and nothing changes otherwise), journaled in
the database (bot.journal: the 200 goes out only once the event is on disk), answered 200 and processed
afterwards in a task we keep a reference to: Zalo retries, then disables, a webhook that is slow to answer,
and neither Zalo nor Telegram resends an event it got a 200 for. A copy of an event already handled, or being
handled by a live worker, is dropped by the journal; the router's table of processed updates applies each
update once whatever reaches it.
"""
from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import socket
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from zalo import ZaloInbound, parse_bot_update, parse_oa_event, verify_bot_secret
from zalo.signature import BOT_SECRET_HEADER, OA_SIGNATURE_HEADER

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
OnInbound = Callable[[ZaloInbound], Awaitable[None]]


class Background:
    """Work started by webhook requests: referenced until done, errors logged, one task per event key."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()
        self._keys: set[str] = set()

    def submit(self, key: str, work: Callable[[], Awaitable[Any]]) -> bool:
        """Run `work()` in the background unless the same event is already running; True if started."""
        if key in self._keys:
            return False
        self._keys.add(key)
        task = asyncio.create_task(self._run(key, work), name=f"webhook:{key[:60]}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _run(self, key: str, work: Callable[[], Awaitable[Any]]) -> None:
        try:
            await work()
        except Exception:  # the request was answered long ago; the log is the only place left to say it
            log.exception("processing a webhook event failed")
        finally:
            self._keys.discard(key)

    async def drain(self) -> None:
        """Wait until every task started so far, and any they started, has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self, timeout: float = 10.0) -> None:
        """Let running work finish for up to `timeout` seconds, then cancel it."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drain(), timeout)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)


class Journal(Protocol):
    """Where authentic events are written before the 200 and marked done once handled (see bot.journal)."""

    async def record(self, channel: str, key: str, payload: dict) -> bool: ...

    async def done(self, channel: str, key: str) -> None: ...

    renew_every: float  # seconds between renewals of the claim on an event being handled

    async def renew(self, channel: str, key: str) -> None: ...


@dataclass
class WebhookHandlers:
    """What each path does with an authentic request; a path without a handler answers 404."""

    journal: Journal | None = None
    zalo_bot_secret: str | None = None
    on_zalo_bot: OnInbound | None = None
    verify_oa: Callable[[str | None, bytes], bool] | None = None
    on_zalo_oa: OnInbound | None = None
    telegram_secret: str | None = None
    on_telegram: Callable[[dict], Awaitable[None]] | None = None


def build_app(h: WebhookHandlers, background: Background, desk: Any = None) -> Starlette:
    """The Starlette app with the configured paths: /zalo/bot, /zalo/oa, /telegram; the desk (an ASGI app) at /."""
    async def zalo_bot(request: Request) -> Response:
        if not verify_bot_secret(request.headers.get(BOT_SECRET_HEADER), h.zalo_bot_secret or ""):
            return _unauthorized()
        payload, error = await _payload(request)
        if error is not None:
            return error
        inbound = _parsed(parse_bot_update, payload)
        if inbound is not None:
            await accept(h, background, "zalo_bot", inbound.event_id, payload,
                         lambda: h.on_zalo_bot(inbound))
        return JSONResponse({"ok": True})

    async def zalo_oa(request: Request) -> Response:
        raw = await _body(request)
        if raw is None:
            return JSONResponse({"error": "too large"}, status_code=413)
        payload = _json(raw)  # malformed (or absurdly nested) bodies stop here, before any other work
        if payload is None:
            return JSONResponse({"error": "not a JSON object"}, status_code=400)
        if not h.verify_oa(request.headers.get(OA_SIGNATURE_HEADER), raw):  # the exact bytes Zalo signed
            return _unauthorized()
        inbound = _parsed(parse_oa_event, payload)
        if inbound is not None:
            await accept(h, background, "zalo_oa", inbound.event_id, payload, lambda: h.on_zalo_oa(inbound))
        return JSONResponse({"error": 0, "message": "Success"})

    async def telegram(request: Request) -> Response:
        if not _same_secret(request.headers.get(TELEGRAM_SECRET_HEADER), h.telegram_secret):
            return _unauthorized()
        payload, error = await _payload(request)
        if error is not None:
            return error
        update_id = payload.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return JSONResponse({"error": "no update_id"}, status_code=400)
        await accept(h, background, "telegram", str(update_id), payload, lambda: h.on_telegram(payload))
        return Response(status_code=200)

    routes = [Route(path, endpoint, methods=["POST"]) for path, endpoint, wanted in (
        ("/zalo/bot", zalo_bot, h.on_zalo_bot), ("/zalo/oa", zalo_oa, h.on_zalo_oa and h.verify_oa),
        ("/telegram", telegram, h.on_telegram)) if wanted]
    if desk is not None:
        routes.append(Mount("/", app=desk))
    return Starlette(routes=routes)


async def accept(h: WebhookHandlers, background: Background, channel: str, key: str, payload: dict,
                 handle: Callable[[], Awaitable[Any]], *, journaled: bool = False) -> None:
    """Journal the event (before the 200 goes out), then `handle()` it in the background and mark it done.

    `journaled`: the event is in the journal already and claimed by this worker (taken over from another).
    """
    if h.journal is not None and not journaled:
        if not await h.journal.record(channel, key, payload):
            return  # handled before (a replay), or in hand at a live worker

    async def work() -> None:
        keeping = asyncio.create_task(_keep_claim(h.journal, channel, key)) if h.journal is not None else None
        try:
            await handle()
        except asyncio.CancelledError:
            raise          # stopping: the event stays pending and is handled at the next start
        except Exception:  # a bug: logged; replaying it at every start would only repeat it
            log.exception("processing a webhook event failed")
        finally:
            if keeping is not None:
                keeping.cancel()
        if h.journal is not None:
            await h.journal.done(channel, key)

    background.submit(f"{channel}:{key}", work)


async def _keep_claim(journal: Journal, channel: str, key: str) -> None:
    """While a long event (a big plan, a report) is handled, renew its claim so no other worker takes it over."""
    while True:
        await asyncio.sleep(journal.renew_every)
        try:
            await journal.renew(channel, key)
        except Exception as exc:  # the database away for a moment: the next renewal tries again
            log.warning("could not renew the claim on a webhook event: %s", exc)


def _unauthorized() -> Response:
    return JSONResponse({"error": "unauthorized"}, status_code=401)


def _same_secret(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


async def _body(request: Request) -> bytes | None:
    """The raw body, or None past MAX_BODY (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            return None
    return bytes(data)


def _json(raw: bytes) -> dict | None:
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: JSON nested thousands deep
        return None
    return value if isinstance(value, dict) else None


def _parsed(parse: Callable[[dict], ZaloInbound | None], payload: dict) -> ZaloInbound | None:
    """The parsed event, or None (logged) when its fields have shapes Zalo never sends."""
    try:
        return parse(payload)
    except Exception as exc:  # the sender is authentic; its odd event is skipped, the channel lives on
        log.warning("skipping a Zalo event with an unexpected shape (%s)", type(exc).__name__)
        return None


async def _payload(request: Request) -> tuple[dict, Response | None]:
    raw = await _body(request)
    if raw is None:
        return {}, JSONResponse({"error": "too large"}, status_code=413)
    payload = _json(raw)
    if payload is None:
        return {}, JSONResponse({"error": "not a JSON object"}, status_code=400)
    return payload, None


class _Server(uvicorn.Server):
    """uvicorn inside our loop: it leaves the signals to `nhacviec run` and says when it listens."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = asyncio.Event()

    def capture_signals(self):
        return contextlib.nullcontext()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.listening.set()


class WebhookServer:
    """Serves an ASGI app on host:port (port 0: any free port, see `.port`) until stopped."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        self.app, self.host, self.port = app, host, port
        self._server: _Server | None = None
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """Bind (raising OSError when the address is taken) and serve in a task."""
        family = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((self.host, self.port), family=family, backlog=128)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_config=None, log_level="warning", access_log=False, lifespan="off",
                                server_header=False, timeout_graceful_shutdown=5)
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="webhook-server")
        listening = asyncio.ensure_future(self._server.listening.wait())
        await asyncio.wait({listening, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            listening.cancel()
            self._task.result()  # raises what stopped it
            raise RuntimeError("the webhook server stopped while starting")
        log.info("webhooks listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        """Finish open requests and stop listening."""
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._server = self._task = None
