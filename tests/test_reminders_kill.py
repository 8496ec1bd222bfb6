"""Kill the sender (SIGKILL) at random points while it delivers 300 reminders; none lost, few doubled.

The real `nhacviec remind` runs in a child process against the fake Bot API served by this test
process. It is killed again and again: right after start-up, and right after the server has
answered some sendMessage (the window where a message is out but not yet marked sent). Every
restart must find the rows on disk and go on. A message can go out twice only when it was in
flight at a kill: with one sending worker (the default) duplicates ≤ kills; with four workers up
to four messages can be in flight, so duplicates ≤ 4 × kills.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from datetime import date

import pytest
from sqlmodel import Session, select

from storage.models import Assignment, ChatLink, Plan, Reminder, Task, Unit
from tests.conftest import REPO
from tests.fakes import FakeTelegram, refuse_internet
from tests.reminders_world import TOKEN

CHATS = 300
KILLS = 15
AT = "2026-03-18T09:00"


def populate(engine) -> None:
    with Session(engine) as session:
        plan = Plan(title="Kế hoạch", year=2026)
        session.add(plan)
        session.flush()
        task = Task(plan_id=plan.id, number="1", title="Báo cáo kết quả CCHC quý I")
        units = [Unit(code=f"U{i:03d}", name=f"Trường số {i}", kind="truong") for i in range(CHATS)]
        session.add_all([task, *units])
        session.flush()
        for i, unit in enumerate(units):
            session.add(ChatLink(channel="telegram", chat_id=str(5000 + i), unit_id=unit.id))
            session.add(Assignment(task_id=task.id, unit_id=unit.id, due_on=date(2026, 3, 18)))
        session.commit()


def start(env: dict, cwd) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli.main", "remind", "--at", AT, "--json"], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_when(fake: FakeTelegram, proc: subprocess.Popen, predicate) -> bool:
    """SIGKILL the child once `predicate` holds (checked at every API call); False if it finished first."""
    fake.wait_for(lambda: predicate() or proc.poll() is not None, timeout=60, what="a kill point")
    if proc.poll() is not None:
        return False
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()  # reap it, so its pid is really gone when the next sender checks claims
    return True


@pytest.mark.parametrize("workers, kills", [(1, 15), (4, 5)])
def test_killed_sender_loses_nothing_and_doubles_only_messages_in_flight(engine, db_url, tmp_path, workers, kills):
    populate(engine)
    rng = random.Random(int(os.environ.get("NHACVIEC_KILL_SEED", "2026")) + workers)
    with refuse_internet(), FakeTelegram(token=TOKEN) as fake:
        env = {**os.environ, "PYTHONPATH": str(REPO), "NHACVIEC_DATABASE_URL": db_url,
               "NHACVIEC_TELEGRAM_TOKEN": TOKEN, "NHACVIEC_TELEGRAM_API_URL": fake.base_url,
               "NHACVIEC_TELEGRAM_RATE_PER_SECOND": "2000", "NHACVIEC_REMINDER_SEND_CONCURRENCY": str(workers)}
        killed = 0
        for i in range(kills):
            proc = start(env, tmp_path)
            if i % 5 == 0:    # during start-up, planning or claiming: before its first message
                calls = len(fake.calls)
                point = lambda: any(c["method"] == "getMe" for c in fake._calls[calls:])  # noqa: E731
            else:             # just after the server answered a sendMessage
                target = len(fake._sent) + rng.randint(1, 12)
                point = lambda: len(fake._sent) >= target  # noqa: E731
            killed += kill_when(fake, proc, point)
        proc = start(env, tmp_path)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        sent = fake.sent
    per_chat = Counter(m["chat_id"] for m in sent)
    duplicates = len(sent) - len(per_chat)
    print(f"\nkill test, {workers} worker(s): {killed} kills, {len(sent)} messages for {CHATS} chats, "
          f"{duplicates} duplicates (last run recovered {json.loads(out)['recovered']} claims)")
    assert set(per_chat) == {5000 + i for i in range(CHATS)}          # none lost
    assert duplicates <= killed * workers                             # one in flight per worker at most
    with Session(engine) as session:
        assert Counter(session.exec(select(Reminder.state))) == {"sent": CHATS}
