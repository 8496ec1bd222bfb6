"""What people type cannot break storage: control characters are stripped; a database fault gets a clear answer."""
from __future__ import annotations

import itertools
from datetime import date, datetime

import psycopg
from sqlmodel import Session, select

from handlers.context import Services
from handlers.messages import Incoming
from handlers.router import handle
from services.invites import create_invite
from storage.models import Assignment, ChatUser, MemberRole, ProcessedUpdate, StatusChange
from tests.reminders_world import VN, World
from tests.test_postgres import SERVER, pg_engine  # noqa: F401  (fixture)

NOW = datetime(2026, 3, 16, 9, tzinfo=VN)
_updates = itertools.count(1)


def said(chat: str, text: str, name: str = "Nam") -> Incoming:
    return Incoming(channel="zalo_bot", chat_id=chat, sender_id=chat, sender_name=name, text=text,
                    update_key=f"z:{next(_updates)}")


async def test_nul_escape_and_bidi_characters_are_stripped_before_postgres(pg_engine, settings):  # noqa: F811
    world = World(pg_engine)
    unit = world.unit("VP")
    a = world.assign(world.task(), unit, date(2026, 3, 20))
    with Session(pg_engine, expire_on_commit=False) as s:
        code = create_invite(s, unit=unit, role=MemberRole.MEMBER, uses=1, expires_days=3, created_by="t",
                             now=NOW).code
        s.commit()
    services = Services(engine=pg_engine, settings=settings, clock=lambda: NOW)
    name = "Trần\x00 Văn\u202e Nam\x1b[31m"
    [welcome] = await handle(said("55", code, name=name), services)
    assert "Chào mừng Trần Văn Nam[31m!" in welcome.text
    [done] = await handle(said("55", "xong\x00\x1b ạ", name=name), services)
    assert "hoàn thành" in done.text
    with Session(pg_engine) as s:
        assert s.exec(select(ChatUser)).one().display_name == "Trần Văn Nam[31m"
        [change] = s.exec(select(StatusChange)).all()
        assert change.note == "xong ạ" and s.get(Assignment, a.id).status == "done"


async def test_a_read_only_database_gets_a_clear_answer_and_the_update_is_not_marked_seen(
        pg_engine, settings):  # noqa: F811
    world = World(pg_engine)
    unit = world.unit("VP")
    lan = world.link(unit)
    world.assign(world.task(), unit, date(2026, 3, 20))
    name = pg_engine.url.database
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    pg_engine.dispose()
    incoming = Incoming(channel="telegram", chat_id=lan.chat_id, sender_id=lan.chat_id, text="xong",
                        update_key="tg:ro-1")
    [answer] = await handle(incoming, Services(engine=pg_engine, settings=settings, clock=lambda: NOW))
    assert "không lưu được" in answer.text and "chưa có gì thay đổi" in answer.text
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')
    pg_engine.dispose()
    with Session(pg_engine) as s:
        assert s.exec(select(ProcessedUpdate)).all() == [] and s.exec(select(StatusChange)).all() == []
