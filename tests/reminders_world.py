"""A small world for reminder tests: units, chats, a plan, dated tasks, and a fake Bot API to send to.

Imported by the other test_reminders_* files; it holds no tests itself.
"""
from __future__ import annotations

import itertools
from contextlib import asynccontextmanager
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from sqlmodel import Session, select

from config import Settings
from bot.channels import build_messengers, open_messengers
from reminders.rounds import run_round
from storage.models import (
    Assignment, ChatLink, ChatUser, MemberRole, Plan, Reminder, Status, Task, Unit,
)
from tests.fakes import FakeTelegram, refuse_internet

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TOKEN = "123456:REMINDERS"


def at(day: date, hhmm: str = "08:30") -> datetime:
    """An aware moment on `day` at local time `hhmm`."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=VN)


class World:
    """Rows are created committed, one short session each, like the bot would find them."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self._chat_ids = itertools.count(1001)
        self._numbers = itertools.count(1)
        self.plan = self._add(Plan(title="Kế hoạch CCHC năm 2026", year=2026))

    def _add(self, row):
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(row)
            session.commit()
            return row

    def unit(self, code: str, kind: str = "phong", name: str | None = None) -> Unit:
        return self._add(Unit(code=code, name=name or f"Phòng {code}", kind=kind))

    def link(self, unit: Unit, *, role: str = MemberRole.MEMBER, kind: str = "private", lang: str = "vi",
             chat_id: str | None = None) -> ChatLink:
        chat_id = chat_id or str(next(self._chat_ids) * (-1 if kind == "group" else 1))
        user = None
        if kind == "private":
            user = self._add(ChatUser(channel="telegram", external_id=chat_id, display_name=f"Người {chat_id}",
                                      unit_id=unit.id, role=role, lang=lang))
        return self._add(ChatLink(channel="telegram", chat_id=chat_id, kind=kind, unit_id=unit.id,
                                  user_id=user.id if user else None, role=role, lang=lang))

    def task(self, title: str = "Rà soát thủ tục hành chính", *, kind: str = "date", offsets: str | None = None,
             checkin: str | None = None, plan: Plan | None = None) -> Task:
        n = next(self._numbers)
        return self._add(Task(plan_id=(plan or self.plan).id, number=str(n), position=n, title=title,
                              deadline_kind=kind, reminder_offsets=offsets, checkin_every=checkin,
                              deadline_text="Theo Kế hoạch của Sở Nội vụ" if kind != "date" else ""))

    def assign(self, task: Task, unit: Unit, due: date | None) -> Assignment:
        return self._add(Assignment(task_id=task.id, unit_id=unit.id, due_on=due, original_due_on=due,
                                    period=due.isoformat() if due else ""))

    def update(self, model, row_id: int, **values) -> None:
        with Session(self.engine) as session:
            row = session.get(model, row_id)
            for name, value in values.items():
                setattr(row, name, value)
            session.add(row)
            session.commit()

    def done(self, assignment: Assignment) -> None:
        self.update(Assignment, assignment.id, status=Status.DONE)

    def reminders(self, *where) -> list[Reminder]:
        with Session(self.engine) as session:
            return list(session.exec(select(Reminder).where(*where).order_by(Reminder.id)))

    def get(self, model, row_id: int):
        with Session(self.engine) as session:
            return session.get(model, row_id)


def telegram_settings(settings: Settings, fake: FakeTelegram, **extra) -> Settings:
    """Settings pointed at the fake Bot API."""
    return settings.model_copy(update={"telegram_token": SecretStr(TOKEN), "telegram_api_url": fake.base_url,
                                       "telegram_file_url": fake.file_url, "telegram_rate_per_second": 500,
                                       **extra})


class Sender:
    """Runs rounds against a fake Bot API through the real Telegram messenger."""

    def __init__(self, engine, settings: Settings, fake: FakeTelegram) -> None:
        self.engine, self.settings, self.fake = engine, settings, fake
        self.messengers = build_messengers(settings)

    async def round(self, moment: datetime, **kw):
        return await run_round(self.engine, self.settings, self.messengers, moment, **kw)

    def texts(self, chat_id: str | None = None) -> list[str]:
        return [m["text"] for m in self.fake.sent if chat_id is None or str(m["chat_id"]) == str(chat_id)]


@asynccontextmanager
async def sending(engine, settings: Settings, **extra):
    """A fake Bot API on 127.0.0.1 and a Sender whose bot is initialised; no other network."""
    with refuse_internet(), FakeTelegram(token=TOKEN) as fake:
        sender = Sender(engine, telegram_settings(settings, fake, **extra), fake)
        async with open_messengers(sender.messengers):
            yield sender
