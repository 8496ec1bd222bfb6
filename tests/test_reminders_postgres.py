"""Reminder rounds on PostgreSQL: ON CONFLICT planning, UPDATE … RETURNING claims, one message per chat."""
from __future__ import annotations

import os
import uuid
from datetime import date

import psycopg
import pytest

from reminders import store
from storage.db import open_database
from tests.reminders_world import World, at, sending

SERVER = os.environ.get("NHACVIEC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
WED = date(2026, 3, 18)


@pytest.fixture
def pg_engine():
    name = f"nhacviec_rem_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = open_database(SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}")
    yield engine
    engine.dispose()
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


async def test_a_round_on_postgres_plans_claims_and_sends_once(pg_engine, settings):
    world = World(pg_engine)
    unit = world.unit("VP", name="Văn phòng Sở")
    link = world.link(unit)
    world.assign(world.task("Báo cáo quý I"), unit, WED)
    world.assign(world.task("Kiểm tra"), unit, date(2026, 3, 27))  # d7: 7 working days
    async with sending(pg_engine, settings) as s:
        first = await s.round(at(WED, "08:30"))
        again = await s.round(at(WED, "08:31"))
        other = await s.round(at(WED, "09:00"), me=f"{store.HOST}:1:other")
        [text] = s.texts(link.chat_id)
    assert (first.planned, first.tally.messages, first.tally.sent) == (2, 1, 2)
    assert again.tally.messages == other.tally.messages == 0
    assert "hạn hôm nay 18/03/2026" in text and "hạn 27/03/2026, còn 9 ngày" in text
    assert {(r.state, r.day, r.next_attempt_at.tzinfo is not None) for r in world.reminders()} == {
        ("sent", WED, True)}
