"""PostgreSQL, the scale-out store: the same migrations, import and chat flow on a real server.

The machine (and CI) runs PostgreSQL on 127.0.0.1:5432 with trust auth; each test gets its own database.
Set NHACVIEC_TEST_POSTGRES to another server URL to use it instead.
"""
from __future__ import annotations

import asyncio
import io
import os
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlmodel import Session, func, select

from bot.console import console_identity, run_console
from handlers.context import Services
from plans.service import import_plan
from services.workspace import SAMPLE_PLAN, SAMPLE_UNITS, ensure_sample_workspace
from storage.db import open_database
from storage.models import Assignment, StatusChange, Task, Unit
from units.directory import load_directory

SERVER = os.environ.get("NHACVIEC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def pg_engine():
    name = f"nhacviec_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    engine = open_database(url)
    yield engine
    engine.dispose()
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_import_is_idempotent_on_postgres(pg_engine):
    with Session(pg_engine, expire_on_commit=False) as s:
        load_directory(s, path=SAMPLE_UNITS)
        s.commit()
        import_plan(s, path=SAMPLE_PLAN, year=2026, actor="test")
        s.commit()
        counts = (s.exec(select(func.count()).select_from(Task)).one(),
                  s.exec(select(func.count()).select_from(Assignment)).one())
        _parsed, report = import_plan(s, path=SAMPLE_PLAN, year=2026, actor="test")
        s.commit()
        assert report.unchanged
        assert counts[0] == 33 and counts == (s.exec(select(func.count()).select_from(Task)).one(),
                                              s.exec(select(func.count()).select_from(Assignment)).one())


def test_chat_flow_records_history_with_aware_times_on_postgres(pg_engine, settings):
    ensure_sample_workspace(pg_engine)
    with Session(pg_engine, expire_on_commit=False) as s:
        user, unit = console_identity(s, unit_code="VP", officer=False)
    now = datetime(2026, 4, 15, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    services = Services(engine=pg_engine, settings=settings, clock=lambda: now)
    out = io.StringIO()
    asyncio.run(run_console(services, user=user, unit=unit, stdin=io.StringIO("/viec\n3\n1\n"), stdout=out))
    assert "✅ Đã ghi nhận" in out.getvalue()
    with Session(pg_engine) as s:
        [change] = s.exec(select(StatusChange).where(StatusChange.field == "status")).all()
        assert change.after == "done" and change.at == now and change.at.tzinfo is not None
        vp = s.exec(select(Unit).where(Unit.code == "VP")).one()
        assert s.get(Assignment, change.assignment_id).unit_id == vp.id
