"""A running bot (real PTB Application) against the fake Bot API, with a fixed clock and the sample workspace."""
from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from sqlmodel import Session, select

from bot import telegram as tg
from bot.dispatch import Dispatcher
from bot.runtime import TelegramRuntime
from config import Settings
from handlers.context import Services
from services.invites import create_invite
from services.queries import unit_by_code
from services.workspace import ensure_sample_workspace
from tests.fakes import FakeTelegram

TOKEN = "123456:TEST-TOKEN"
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Harness:
    fake: FakeTelegram
    services: Services
    runtime: TelegramRuntime

    def invite(self, unit_code: str, role: str = "member", uses: int = 5) -> str:
        with Session(self.services.engine, expire_on_commit=False) as session:
            unit = unit_by_code(session, unit_code)
            invite = create_invite(session, unit=unit, role=role, uses=uses, expires_days=7, created_by="test",
                                   now=self.services.clock())
            session.commit()
            return invite.code

    def rows(self, model, *where):
        with Session(self.services.engine) as session:
            return list(session.exec(select(model).where(*where)))


@asynccontextmanager
async def running_bot(settings: Settings, engine, *, now: datetime | None = None):
    """Start the real Application (long polling) against a fake Bot API server."""
    ensure_sample_workspace(engine)
    with FakeTelegram(token=TOKEN) as fake:
        cfg = settings.model_copy(update={"telegram_token": SecretStr(TOKEN), "telegram_api_url": fake.base_url,
                                          "telegram_file_url": fake.file_url})
        clock = Clock(now or datetime(2026, 4, 15, 9, 0, tzinfo=VN))
        services = Services(engine=engine, settings=cfg, clock=clock)
        app = tg.build_application(cfg)
        dispatcher = Dispatcher(services, {tg.CHANNEL: tg.TelegramMessenger(app)})
        runtime = TelegramRuntime(app, dispatcher)
        await app.initialize()
        await tg.set_commands(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield Harness(fake=fake, services=services, runtime=runtime)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
