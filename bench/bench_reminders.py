"""Reminder rounds: finding and claiming what is due among 1k/10k/100k open assignments, and sending fast.

1. Find and claim (plan the day, select pending rows, claim them) with ~200 assignments due and the
   rest due later, on SQLite and on PostgreSQL (NHACVIEC_TEST_POSTGRES, default the machine's server;
   skipped with a note when it is not reachable): target < 50 ms at 100k, and a 100k/1k ratio < 2
   (cost follows what is due, not the table's size). Peak memory of a process running that round at 100k,
   against the same process only opening the database.
2. Deliver 3,000 reminders (3,000 chats) to the fake Bot API with the limiter on at 200/s, the fake
   (in its own process) enforcing the same 200/s in every sliding second: achieved rate / configured
   limit (target ≥ 0.95) and 429s (target 0). 200/s keeps the run near 15 s while staying below what
   one core can push through PTB + SQLite (~440 messages/s here with no limiter), so the limiter is measured.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from sqlalchemy import delete, func, insert
from sqlmodel import Session, select

from config import Settings
from reminders import store
from bot.channels import build_messengers, open_messengers
from reminders.rounds import plan_through, run_round
from reminders.workcal import default_calendar
from storage.db import make_engine, migrate
from storage.models import Assignment, ChatLink, KeyValue, Plan, Reminder, Task, Unit
from bench.table import Row
from tests.fakes import FakeTelegram

TODAY = date(2026, 3, 18)                      # a Wednesday
NOW = datetime(2026, 3, 18, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
SIZES = (1_000, 10_000, 100_000)
DUE_OFFSETS = (0, 1, 3, 7, -1)                  # d0, d1, d3, d7 and a first overdue reminder
DUE_EACH = 40
TARGET_MS = 50.0
RATE = 200                                     # both sides; Telegram's own is ~30/s
MESSAGES = 3_000
TOKEN = "123456:BENCH"
POSTGRES = os.environ.get("NHACVIEC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _database(folder: Path, name: str):
    engine = make_engine(f"sqlite:///{folder / name}")
    migrate(engine)
    return engine


class _Postgres:
    """A throw-away database per size on the PostgreSQL server (dropped afterwards)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, _folder: Path, name: str):
        import psycopg
        db = f"nhacviec_bench_{name.split('.')[0]}_{os.getpid()}"
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
            conn.execute(f'CREATE DATABASE "{db}"')
        self.names.append(db)
        engine = make_engine(POSTGRES.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{db}")
        migrate(engine)
        return engine

    def drop(self) -> None:
        import psycopg
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            for db in self.names:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def _postgres_reachable() -> bool:
    try:
        import psycopg
        with psycopg.connect(POSTGRES, connect_timeout=3):
            return True
    except Exception:  # no server, no driver: the SQLite rows still stand
        return False


def _fill(engine, *, assignments: int, units: int, due_today_only: bool = False) -> None:
    """Bulk rows: units with one chat each, a plan, tasks, and `assignments` open assignments."""
    rng = random.Random(assignments)
    with Session(engine) as s:
        s.execute(insert(Plan), [{"id": 1, "title": "Bench", "year": 2026, "issuer": "", "source_name": "",
                                  "source_sha256": "", "imported_at": NOW, "updated_at": NOW}])
        s.execute(insert(Unit), [{"id": i, "code": f"U{i}", "name": f"Đơn vị {i}", "kind": "truong",
                                  "aliases": [], "active": True, "created_at": NOW} for i in range(1, units + 1)])
        s.execute(insert(ChatLink), [{"channel": "telegram", "chat_id": str(10_000 + i), "kind": "private",
                                      "unit_id": i, "role": "member", "lang": "vi", "active": True,
                                      "created_at": NOW} for i in range(1, units + 1)])
        s.execute(insert(Task), [{"id": t, "plan_id": 1, "number": str(t), "position": t, "title": f"Nhiệm vụ {t}",
                                  "dues": [], "removed": False} for t in range(1, 201)])
        rows = []
        for i in range(assignments):
            if due_today_only:
                due, unit = TODAY, i % units + 1
            elif i < DUE_EACH * len(DUE_OFFSETS):
                due, unit = TODAY + timedelta(days=DUE_OFFSETS[i // DUE_EACH]), rng.randint(1, units)
            else:   # due later than any reminder window
                due, unit = TODAY + timedelta(days=rng.randint(30, 1_000)), rng.randint(1, units)
            rows.append({"task_id": i % 200 + 1, "unit_id": unit, "role": "lead", "period": str(i), "due_on": due,
                         "original_due_on": due, "status": "open", "extensions": 0, "updated_at": NOW})
        for i in range(0, len(rows), 20_000):
            s.execute(insert(Assignment), rows[i:i + 20_000])
        s.commit()


def _find_and_claim(engine, settings: Settings) -> int:
    """What a round does before sending; returns how many reminders it claimed."""
    with Session(engine) as session:
        store.recover_stale(session, now=NOW)
        plan_through(session, today=TODAY, now=NOW, work=default_calendar(), settings=settings)
        session.commit()
        ids = [r.id for r in store.due_rows(session, now=NOW)]
        claimed = store.claim(session, ids=ids, now=NOW)
        session.commit()
    return len(claimed)


def _reset(engine) -> None:
    with Session(engine) as session:
        session.execute(delete(Reminder))
        session.execute(delete(KeyValue))
        session.commit()


def bench_claim(folder: Path, settings: Settings, database=_database, label: str = "SQLite") -> list[Row]:
    """Time find-and-claim at each size (median of 5, after a warm-up)."""
    times = {}
    for size in SIZES:
        engine = database(folder, f"claim{size}.db")
        _fill(engine, assignments=size, units=500)
        samples, claimed = [], 0
        for _ in range(6):
            _reset(engine)
            start = time.perf_counter()
            claimed = _find_and_claim(engine, settings)
            samples.append((time.perf_counter() - start) * 1000)
        times[size] = statistics.median(samples[1:])
        print(f"   find+claim {label}, {size:>7,} open assignments: {times[size]:6.1f} ms ({claimed} claimed)",
              file=sys.stderr, flush=True)
        engine.dispose()
    ratio = times[SIZES[-1]] / times[SIZES[0]]
    rows = [Row(f"reminder round (find+claim ~200 due), {size:,} assignments, {label}", f"{times[size]:.1f} ms",
                f"at 1,000: {times[SIZES[0]]:.1f} ms" if size != SIZES[0] else "",
                f"{times[size] / times[SIZES[0]]:.2f}" if size != SIZES[0] else "",
                f"< {TARGET_MS:.0f} ms, ratio < 2" if size == SIZES[-1] else "",
                (times[size] < TARGET_MS and ratio < 2) if size == SIZES[-1] else None) for size in SIZES]
    return rows


def _peak_rss(path: str, run_round: bool, conn) -> None:
    """Child process: open the 100k database, optionally plan and claim a round; report peak RSS (KiB).

    VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across exec, so a child spawned by the process
    that built the 100k database reported that process's peak (both rows read ~490 MB)."""
    engine = make_engine(path)
    with Session(engine) as session:
        session.exec(select(func.count()).select_from(Assignment)).one()
    if run_round:
        _reset(engine)
        _find_and_claim(engine, Settings(_env_file=None))
    conn.send(_vm_hwm_kib())


def _vm_hwm_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def bench_memory(folder: Path) -> Row:
    """Peak RSS of a fresh process running a round at 100k against a fresh process only opening the database."""
    engine = _database(folder, "memory.db")
    _fill(engine, assignments=SIZES[-1], units=500)
    engine.dispose()
    peaks = []
    for run_round in (False, True):
        ours, theirs = multiprocessing.get_context("spawn").Pipe()
        child = multiprocessing.get_context("spawn").Process(target=_peak_rss, args=(str(engine.url), run_round,
                                                                                    theirs))
        child.start()
        peaks.append(ours.recv() / 1024)
        child.join(30)
    return Row(f"peak memory, reminder round at {SIZES[-1]:,} assignments", f"{peaks[1]:.0f} MB",
               f"opening the database {peaks[0]:.0f} MB", f"+{peaks[1] - peaks[0]:.0f} MB")


async def _deliver(engine, settings: Settings) -> tuple[int, float]:
    messengers = build_messengers(settings)
    async with open_messengers(messengers):
        start = time.perf_counter()
        report = await run_round(engine, settings, messengers, NOW)
        return report.tally.messages, time.perf_counter() - start


def _serve_fake(conn, limited: bool = True) -> None:
    """Child process: the fake Bot API enforcing RATE/s, so it does not share our CPU time (GIL)."""
    with FakeTelegram(token=TOKEN) as fake:
        fake.rate_limit(per_chat_per_sec=1, global_per_sec=RATE if limited else None, group_per_min=20)
        conn.send(fake.base_url)
        conn.recv()
        conn.send({"sent": len(fake.sent), "count_429": fake.count_429})


def bench_delivery(folder: Path, settings: Settings) -> Row:
    """Send 3,000 one-per-chat reminders through PTB + bot.flood's limiter to a fake that enforces RATE/s."""
    engine = _database(folder, "deliver.db")
    _fill(engine, assignments=MESSAGES, units=MESSAGES, due_today_only=True)
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    server = multiprocessing.get_context("spawn").Process(target=_serve_fake, args=(theirs,), daemon=True)
    server.start()
    try:
        cfg = settings.model_copy(update={"database_url": str(engine.url), "telegram_token": SecretStr(TOKEN),
                                          "telegram_api_url": ours.recv(), "telegram_rate_per_second": RATE})
        sent, seconds = asyncio.run(_deliver(engine, cfg))
        ours.send("stop")
        seen = ours.recv()
    finally:
        server.join(10)
    rate = sent / seconds
    ok = sent == MESSAGES == seen["sent"] and rate / RATE >= 0.95 and seen["count_429"] == 0
    return Row(f"delivery: {sent:,} reminders to {MESSAGES:,} chats", f"{rate:.0f}/s, {seen['count_429']} × 429",
               f"configured limit {RATE}/s", f"{rate / RATE:.2f}", "≥ 0.95, 0 × 429", ok)


def main() -> list[Row]:
    """Find-and-claim on both databases, peak memory, delivery."""
    settings = Settings(_env_file=None)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += bench_claim(Path(tmp), settings)
        if _postgres_reachable():
            postgres = _Postgres()
            try:
                rows += bench_claim(Path(tmp), settings, postgres, "PostgreSQL")
            finally:
                postgres.drop()
        else:
            rows.append(Row("reminder round on PostgreSQL", "not measured", f"no server at {POSTGRES}"))
        rows.append(bench_memory(Path(tmp)))
        rows.append(bench_delivery(Path(tmp), settings))
    return rows
