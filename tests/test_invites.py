"""Join codes: wrong codes are limited, the same person joining twice spends nothing, the last use goes to one."""
from __future__ import annotations

import itertools
import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from handlers.context import Services
from handlers.messages import Incoming
from handlers.router import handle
from services.invites import InviteError, create_invite, redeem
from services.status import Actor, set_status, undo_last
from storage.models import Assignment, ChatUser, Invite, InviteAttempt, MemberRole, StatusChange, Unit
from tests.reminders_world import VN, World
from tests.test_postgres import pg_engine  # noqa: F401  (fixture)

NOW = datetime(2026, 3, 16, 9, tzinfo=VN)
_updates = itertools.count(1)


def start(chat: str, code: str, *, group: bool = False, sender: str | None = None) -> Incoming:
    return Incoming(channel="zalo_bot", chat_id=chat, sender_id=sender or chat, sender_name="Chị Hoa", text=code,
                    chat_type="group" if group else "private", update_key=f"z:{next(_updates)}")


async def send(engine, settings, incoming: Incoming, minutes: int = 0) -> str:
    moment = NOW + timedelta(minutes=minutes)
    replies = await handle(incoming, Services(engine=engine, settings=settings, clock=lambda: moment))
    return "\n".join(r.text for r in replies)


def make_invite(engine, unit: Unit, uses: int = 1) -> str:
    with Session(engine, expire_on_commit=False) as s:
        invite = create_invite(s, unit=unit, role=MemberRole.MEMBER, uses=uses, expires_days=7, created_by="t",
                               now=NOW)
        s.commit()
        return invite.code


def invite_row(engine, code: str) -> Invite:
    with Session(engine) as s:
        return s.exec(select(Invite).where(Invite.code == code)).one()


async def test_guessing_codes_from_one_chat_is_stopped_with_a_message(engine, settings):
    code = make_invite(engine, World(engine).unit("VP"))
    for n in range(5):
        assert "không đúng" in await send(engine, settings, start("77", f"ABCDEF{n}2"))
    answer = await send(engine, settings, start("77", code), minutes=1)
    assert "quá nhiều lần" in answer and "15 phút" in answer
    assert invite_row(engine, code).used == 0
    assert "Chào mừng" in await send(engine, settings, start("78", code), minutes=1)   # another chat is not blocked


async def test_the_chat_may_try_again_after_the_window(engine, settings):
    code = make_invite(engine, World(engine).unit("VP"))
    for n in range(5):
        await send(engine, settings, start("77", f"ABCDEF{n}2"))
    assert "Chào mừng" in await send(engine, settings, start("77", code), minutes=16)


async def test_guessing_from_many_chats_is_stopped_overall(engine, settings):
    code = make_invite(engine, World(engine).unit("VP"))
    with Session(engine) as s:
        s.add_all([InviteAttempt(channel="zalo_bot", chat_id=str(n), at=NOW) for n in range(100)])
        s.commit()
    assert "quá nhiều lần" in await send(engine, settings, start("500", code), minutes=1)
    assert invite_row(engine, code).used == 0


async def test_the_same_person_joining_again_does_not_spend_a_use(engine, settings):
    world = World(engine)
    code = make_invite(engine, world.unit("VP"), uses=2)
    assert "Chào mừng" in await send(engine, settings, start("61", code))
    assert "Chào mừng" in await send(engine, settings, start("61", "/start " + code), minutes=1)  # link pressed again
    assert invite_row(engine, code).used == 1
    assert "Chào mừng" in await send(engine, settings, start("62", code), minutes=2)
    assert "dùng hết" in await send(engine, settings, start("63", code), minutes=3)
    with Session(engine) as s:
        joined = s.exec(select(ChatUser).where(ChatUser.unit_id.is_not(None))).all()
    assert sorted(u.external_id for u in joined) == ["61", "62"]


def _blocked_on_a_lock(engine, thread: threading.Thread, timeout: float = 60.0) -> None:
    """Wait until the other connection waits for our row lock (or has finished)."""
    import time
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while thread.is_alive() and time.monotonic() < deadline:
            waiting = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                        "AND datname = current_database()")).scalar()
            if waiting:
                return
            conn.rollback()
            thread.join(0.05)


def test_two_people_racing_for_the_last_use_on_postgres(pg_engine):  # noqa: F811
    code = make_invite(pg_engine, World(pg_engine).unit("VP"))
    outcomes: list[str] = []

    def second() -> None:
        with Session(pg_engine) as s2:
            try:
                redeem(s2, code=code, now=NOW)
                s2.commit()
                outcomes.append("joined")
            except InviteError:
                outcomes.append("refused")

    with Session(pg_engine) as s1:
        redeem(s1, code=code, now=NOW)
        s1.flush()
        other = threading.Thread(target=second)
        other.start()
        _blocked_on_a_lock(pg_engine, other)
        s1.commit()
    other.join(60)
    assert outcomes == ["refused"]
    assert invite_row(pg_engine, code).used == 1


def test_two_undo_at_once_revert_once_on_postgres(pg_engine):  # noqa: F811
    world = World(pg_engine)
    unit = world.unit("VP")
    staff = world.link(unit)
    a = world.assign(world.task(), unit, date(2026, 3, 20))
    with Session(pg_engine, expire_on_commit=False) as s:
        user = s.get(ChatUser, staff.user_id)
        actor = Actor(name="Nam", channel="telegram", user=user, unit_id=unit.id)
        set_status(s, assignment=s.get(Assignment, a.id), status="done", actor=actor, now=NOW)
        s.commit()
    results: list[object] = []

    def second() -> None:
        with Session(pg_engine) as s2:
            results.append(undo_last(s2, actor=actor, now=NOW + timedelta(minutes=1)))
            s2.commit()

    with Session(pg_engine) as s1:
        assert undo_last(s1, actor=actor, now=NOW + timedelta(minutes=1)) is not None
        s1.flush()
        other = threading.Thread(target=second)
        other.start()
        _blocked_on_a_lock(pg_engine, other)
        s1.commit()
    other.join(60)
    assert results == [None]
    with Session(pg_engine) as s:
        assert len(s.exec(select(StatusChange).where(StatusChange.field == "undo")).all()) == 1
        assert s.get(Assignment, a.id).status == "open"
