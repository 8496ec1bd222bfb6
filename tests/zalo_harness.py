"""A running bot on both Zalo channels (real clients, real webhook server) against fake Zalo servers."""
from __future__ import annotations

import asyncio
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from pydantic import SecretStr
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.dispatch import Dispatcher
from bot.inbound import Inbound, start_inbound, zalo_messengers
from handlers.context import Services
from reminders.rounds import run_round
from services.invites import create_invite
from services.queries import unit_by_code
from services.workspace import ensure_sample_workspace
from tests.ports import free_port  # noqa: F401  (also used by test_zalo_run)
from tests.fakes.telegram_api import refuse_internet
from tests.fakes import zalo_api
from tests.fakes.zalo_api import (FakeZaloBot, FakeZaloOA, _FakeServer, bot_text_update, oa_text_event,
                                  post_bot_update, post_oa_event)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BOT_TOKEN = "1459232241454765289:fake-secret"
BOT_SECRET = "bot-webhook-secret-1234"
OA_SECRET = "oa-secret-key"
PUBLIC_URL = "https://nhacviec.example.vn"


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


class FileHost(_FakeServer):
    """Serves bytes by name on 127.0.0.1, as Zalo's media CDN serves a photo a user sent."""

    name = "fake-zalo-cdn"

    def __init__(self, files: dict[str, bytes], redirects: dict[str, str] | None = None) -> None:
        super().__init__()
        self.files = files
        self.redirects = redirects or {}     # name -> where a GET of it is redirected
        self.fetched: list[str] = []
        self.held: set[str] = set()          # names whose download waits until release()
        self._released = threading.Event()
        self._arrivals = threading.Condition()
        self.in_flight = self.most_in_flight = 0

    def wait_in_flight(self, n: int, timeout: float = 60.0) -> bool:
        """Block until `n` held downloads are waiting at once."""
        with self._arrivals:
            return self._arrivals.wait_for(lambda: self.in_flight >= n, timeout)

    def release(self) -> None:
        """Let the held downloads finish (a slow phone network catching up)."""
        self._released.set()

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{name}", self._get)])

    async def _get(self, request: Request) -> Response:
        self.fetched.append(request.path_params["name"])
        if request.path_params["name"] in self.held:
            with self._arrivals:
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
                self._arrivals.notify_all()
            await asyncio.to_thread(self._released.wait, 60)
            with self._arrivals:
                self.in_flight -= 1
        if request.path_params["name"] in self.redirects:
            return Response(status_code=302, headers={"Location": self.redirects[request.path_params["name"]]})
        data = self.files.get(request.path_params["name"])
        return Response(data, media_type="image/jpeg") if data is not None else Response(status_code=404)

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"


@dataclass
class ZaloHarness:
    bot: FakeZaloBot
    oa: FakeZaloOA
    services: Services
    dispatcher: Dispatcher
    inbound: Inbound
    clock: Clock

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.inbound.server.port}"

    def invite(self, unit_code: str, role: str = "member", uses: int = 5) -> str:
        with Session(self.services.engine, expire_on_commit=False) as session:
            invite = create_invite(session, unit=unit_by_code(session, unit_code), role=role, uses=uses,
                                   expires_days=7, created_by="test", now=self.clock())
            session.commit()
            return invite.code

    def rows(self, model, *where):
        with Session(self.services.engine) as session:
            return list(session.exec(select(model).where(*where)))

    async def post_bot(self, update: dict, secret: str = BOT_SECRET) -> httpx.Response:
        """Deliver a Bot Platform update through the webhook and wait until it is handled."""
        response = await post_bot_update(self.url + "/zalo/bot", update, secret)
        await self.inbound.background.drain()
        return response

    async def bot_says(self, chat_id: str, text: str, **options) -> httpx.Response:
        return await self.post_bot(bot_text_update(chat_id, text, **options))

    async def post_oa(self, event: dict, secret: str = OA_SECRET) -> httpx.Response:
        """Deliver a signed OA event through the webhook and wait until it is handled (Zalo notes the user's
        interaction as it delivers a message or a follow)."""
        user = (event.get("sender") or event.get("follower") or {}).get("id")
        if user and event.get("event_name") != "unfollow":
            self.oa.interactions[str(user)] = int(event.get("timestamp") or 0)
        response = await post_oa_event(self.url + "/zalo/oa", event, secret)
        await self.inbound.background.drain()
        return response

    async def oa_says(self, user_id: str, text: str, **options) -> httpx.Response:
        return await self.post_oa(oa_text_event(self.oa.app_id, user_id, text, **options))

    def bot_texts(self, chat_id: str) -> list[str]:
        return [m["text"] for m in self.bot.sent if m["method"] == "sendMessage" and m["chat_id"] == chat_id]

    def oa_texts(self, user_id: str) -> list[str]:
        return [m["message"].get("text", "") for m in self.oa.sent if m["user_id"] == user_id]

    async def remind(self):
        """One reminder round at the harness clock, through the running messengers."""
        return await run_round(self.services.engine, self.services.settings, self.dispatcher.messengers,
                               self.clock())


@asynccontextmanager
async def running_zalo(settings, engine, *, now: datetime | None = None, polling: bool = False, **overrides):
    """Both Zalo channels with webhooks (or Bot long polling) against fake Zalo servers."""
    ensure_sample_workspace(engine)
    with refuse_internet(), FakeZaloBot(BOT_TOKEN, poll_wait=5.0) as bot, FakeZaloOA() as oa:
        port = free_port()
        bot.probe = lambda url: url.replace(PUBLIC_URL, f"http://127.0.0.1:{port}")
        access, refresh = oa.issue_tokens()
        cfg = settings.model_copy(update={
            "zalo_bot_token": SecretStr(BOT_TOKEN), "zalo_bot_api_url": bot.base_url,
            "zalo_bot_secret": SecretStr(BOT_SECRET), "zalo_oa_app_id": oa.app_id,
            "zalo_oa_app_secret": SecretStr(oa.app_secret), "zalo_oa_secret_key": SecretStr(OA_SECRET),
            "zalo_oa_access_token": SecretStr(access), "zalo_oa_refresh_token": SecretStr(refresh),
            "zalo_oa_api_url": oa.base_url, "zalo_oauth_url": oa.base_url,
            "webhook_host": "127.0.0.1", "webhook_port": port, "zalo_media_allow_hosts": "127.0.0.1",
            "public_url": None if polling else PUBLIC_URL, **overrides})
        clock = Clock(now or datetime(2026, 4, 15, 9, 0, tzinfo=VN))
        zalo_api.event_clock = lambda: int(clock().timestamp() * 1000)   # Zalo dates events when they happen
        services = Services(engine=engine, settings=cfg, clock=clock)
        dispatcher = Dispatcher(services, zalo_messengers(cfg, engine, clock=clock))
        inbound = await start_inbound(cfg, dispatcher)
        try:
            yield ZaloHarness(bot=bot, oa=oa, services=services, dispatcher=dispatcher, inbound=inbound,
                              clock=clock)
        finally:
            zalo_api.event_clock = None
            await inbound.stop()


@asynccontextmanager
async def handled(poller, count: int = 1, timeout: float = 60.0):
    """Wait, at the end of the block, until the Bot poller has handled `count` more updates."""
    done: asyncio.Queue = asyncio.Queue()
    original = poller.on_inbound

    async def counting(inbound) -> None:
        try:
            await original(inbound)
        finally:
            done.put_nowait(inbound)

    poller.on_inbound = counting
    try:
        yield
        for _ in range(count):
            await asyncio.wait_for(done.get(), timeout)
    finally:
        poller.on_inbound = original
