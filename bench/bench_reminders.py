"""Reminder rounds: finding and claiming what is due among 1k/10k/100k open assignments, and sending fast.

1. Find and claim (plan the day, select pending rows, claim them) with ~200 assignments due and the
   rest due later: target < 50 ms at 100k, and a 100k/1k ratio near 1 (cost follows what is due).
2. Deliver 3,000 reminders (3,000 chats) to the fake Bot API with the limiter on at 200/s, the fake
   (in its own process) enforcing the same 200/s in every sliding second: achieved rate / configured
   limit (target ≥ 0.95) and 429s (target 0). 200/s keeps the run near 15 s while staying below what
   one core can push through PTB + SQLite (~330 messages/s here), so the limiter is what is measured.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from sqlalchemy import delete, insert
from sqlmodel import Session

from config import Settings
from reminders import store
from bot.channels import build_messengers, open_messengers
from reminders.rounds import plan_through, run_round
from reminders.workcal import default_calendar
from storage.db import make_engine, migrate
from storage.models import Assignment, ChatLink, KeyValue, Plan, Reminder, Task, Unit
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


def _database(folder: Path, name: str):
    engine = make_engine(f"sqlite:///{folder / name}")
    migrate(engine)
    return engine


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


def bench_claim(folder: Path, settings: Settings) -> bool:
    """Time find-and-claim at each size (median of 5, after a warm-up)."""
    times = {}
    for size in SIZES:
        engine = _database(folder, f"claim{size}.db")
        _fill(engine, assignments=size, units=500)
        samples, claimed = [], 0
        for _ in range(6):
            _reset(engine)
            start = time.perf_counter()
            claimed = _find_and_claim(engine, settings)
            samples.append((time.perf_counter() - start) * 1000)
        times[size] = statistics.median(samples[1:])
        print(f"find+claim, {size:>7,} open assignments: {times[size]:6.1f} ms ({claimed} reminders claimed)")
        engine.dispose()
    ratio = times[SIZES[-1]] / times[SIZES[0]]
    ok = times[SIZES[-1]] < TARGET_MS
    print(f"ratio 100k/1k: {ratio:.2f}; target < {TARGET_MS:.0f} ms at 100k: {'met' if ok else 'NOT met'}")
    return ok


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


def bench_delivery(folder: Path, settings: Settings) -> bool:
    """Send 3,000 one-per-chat reminders through PTB + AIORateLimiter to a fake that enforces RATE/s."""
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
    print(f"delivery: {sent:,} messages in {seconds:.2f} s = {rate:.0f}/s; limit {RATE}/s → {rate / RATE:.2f} "
          f"of the limit (target ≥ 0.95); 429s: {seen['count_429']} (target 0): {'met' if ok else 'NOT met'}")
    return ok


def main() -> bool:
    """Run both parts; True when every target is met."""
    settings = Settings(_env_file=None)
    with tempfile.TemporaryDirectory() as tmp:
        claim_ok = bench_claim(Path(tmp), settings)
        delivery_ok = bench_delivery(Path(tmp), settings)
    return claim_ok and delivery_ok


if __name__ == "__main__":
    main()
