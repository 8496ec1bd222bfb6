"""Three `nhacviec run` workers on one PostgreSQL, in webhook mode as behind nginx: reminders go out once across
them, answers arriving at any worker are applied once, and workers killed (SIGKILL) along the way lose nothing.

The fake Bot API is served by this test process; each worker listens for webhooks on its own port, as nginx's
upstreams would. The workers' clocks start at a Wednesday 09:00 (`nhacviec run --at`) so the test does not
depend on today's date. Each kill hits the worker that is sending reminders at that moment (its claims name its
pid), so another worker must take the round over. A reminder can go out twice only when it was in flight at a
kill (at most NHACVIEC_REMINDER_SEND_CONCURRENCY per kill).

Sizes: a round sends a few messages at a time, so the run's length is the number of chats; 400 chats leave both
kills in the middle of the round with hundreds of reminders still to go.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timezone

import httpx
from sqlalchemy import insert
from sqlmodel import Session, func, select

from config import Settings
from storage.models import Assignment, ChatLink, ChatUser, Plan, Reminder, StatusChange, Task, Unit
from tests.conftest import REPO
from tests.fakes import FakeTelegram, refuse_internet
from tests.ports import free_port
from tests.reminders_world import TOKEN
from tests.test_postgres import pg_engine  # noqa: F401  (fixture)

CHATS = 400
ANSWERS = 60
AT = "2026-03-18T09:00"
SECRET = "webhook-secret-of-the-workers"
TIMEOUT = 240.0


def populate(engine) -> None:
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    with Session(engine) as session:
        session.execute(insert(Plan), [{"id": 1, "title": "Kế hoạch CCHC", "year": 2026, "issuer": "",
                                        "source_name": "", "source_sha256": "", "imported_at": now,
                                        "updated_at": now}])
        session.execute(insert(Task), [{"id": 1, "plan_id": 1, "number": "1", "position": 1, "dues": [],
                                        "title": "Báo cáo kết quả CCHC quý I", "removed": False}])
        session.execute(insert(Unit), [{"id": i, "code": f"T{i:04d}", "name": f"Trường số {i}", "kind": "truong",
                                        "aliases": [], "active": True, "created_at": now} for i in range(1, CHATS + 1)])
        session.execute(insert(ChatUser), [{"id": i, "channel": "telegram", "external_id": str(chat(i)),
                                            "display_name": f"Cán bộ {i}", "lang": "vi", "unit_id": i,
                                            "role": "member", "active": True, "created_at": now}
                                           for i in range(1, CHATS + 1)])
        session.execute(insert(ChatLink), [{"channel": "telegram", "chat_id": str(chat(i)), "kind": "private",
                                            "unit_id": i, "user_id": i, "role": "member", "lang": "vi",
                                            "active": True, "created_at": now} for i in range(1, CHATS + 1)])
        session.execute(insert(Assignment), [{"task_id": 1, "unit_id": i, "role": "lead", "period": "",
                                              "due_on": date(2026, 3, 18), "original_due_on": date(2026, 3, 18),
                                              "status": "open", "extensions": 0, "updated_at": now}
                                             for i in range(1, CHATS + 1)])
        session.commit()


def chat(i: int) -> int:
    return 70_000 + i


class Workers:
    """`nhacviec run` processes, each with its webhook port."""

    def __init__(self, env: dict, folder) -> None:
        self.env, self.folder, self.live = env, folder, {}

    def start(self) -> int:
        port = free_port()
        log = (self.folder / f"worker-{port}.log").open("w")
        self.live[port] = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "run", "--at", AT], cwd=self.folder, stdout=log, stderr=log,
            env={**self.env, "NHACVIEC_WEBHOOK_PORT": str(port)})
        return port

    def sending(self, engine) -> int | None:
        """The port of the live worker whose claims are being sent right now (None between rounds)."""
        with Session(engine) as session:
            holders = set(session.exec(select(Reminder.claimed_by).where(Reminder.state == "sending")))
        pids = {int(h.split(":")[1]) for h in holders if h and h.split(":")[1].isdigit()}
        return next((port for port, proc in self.live.items() if proc.pid in pids), None)

    def kill(self, port: int) -> None:
        proc = self.live.pop(port)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()  # reaped: its pid is gone when the others look at its claims

    def stop_all(self) -> None:
        for proc in self.live.values():
            proc.terminate()
        for proc in self.live.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def post(port: int, update: dict) -> None:
    """Deliver a webhook update to one worker, as nginx would; retried while the worker is still starting."""
    deadline = datetime.now().timestamp() + 60
    while True:
        try:
            answer = httpx.post(f"http://127.0.0.1:{port}/telegram", json=update, timeout=30,
                                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert answer.status_code == 200, answer.text
            return
        except httpx.TransportError:
            if datetime.now().timestamp() > deadline:
                raise


def sent_states(engine) -> dict[str, int]:
    with Session(engine) as session:
        return dict(session.exec(select(Reminder.state, func.count()).group_by(Reminder.state)).all())


def test_three_workers_deliver_once_apply_answers_once_and_survive_kills(pg_engine, tmp_path):  # noqa: F811
    populate(pg_engine)
    rng = random.Random(int(os.environ.get("NHACVIEC_KILL_SEED", "14")))
    url = pg_engine.url.render_as_string(hide_password=False)
    with refuse_internet(), FakeTelegram(token=TOKEN) as fake:
        env = {**os.environ, "PYTHONPATH": str(REPO), "NHACVIEC_DATABASE_URL": url,
               "NHACVIEC_TELEGRAM_TOKEN": TOKEN, "NHACVIEC_TELEGRAM_API_URL": fake.base_url,
               "NHACVIEC_TELEGRAM_FILE_URL": fake.file_url, "NHACVIEC_TELEGRAM_RATE_PER_SECOND": "2000",
               "NHACVIEC_TELEGRAM_WEBHOOK_URL": "https://nhacviec.example.vn/telegram",
               "NHACVIEC_TELEGRAM_WEBHOOK_SECRET": SECRET, "NHACVIEC_SCHEDULER_INTERVAL_SECONDS": "1",
               "NHACVIEC_DATA_DIR": str(tmp_path), "NHACVIEC_EVIDENCE_DIR": str(tmp_path / "evidence")}
        workers = Workers(env, tmp_path)
        try:
            for _ in range(3):
                workers.start()
            sender: list[int] = []
            fake.wait_for(lambda: len(fake._sent) >= CHATS // 5 and remember(sender, workers.sending(pg_engine)),
                          TIMEOUT, "a fifth of the reminders")
            workers.kill(sender[-1])                                 # killed while it sends the reminders

            # Staff answer "xong" to their reminder; each update reaches one of the live workers, some twice
            # (a retried webhook landing on another worker).
            reminded = {str(m["chat_id"]): m["message_id"] for m in fake.sent if is_reminder(m)}
            with Session(pg_engine) as session:        # answer reminders already marked sent (the reply maps)
                recorded = set(session.exec(select(ChatLink.chat_id).join(Reminder, Reminder.link_id == ChatLink.id)
                                            .where(Reminder.state == "sent")))
            answering = rng.sample(sorted(recorded & set(reminded)), min(ANSWERS, len(recorded & set(reminded))))
            live = list(workers.live)
            for n, chat_id in enumerate(answering):
                message = fake.build_message(int(chat_id), int(chat_id), "xong ạ", reply_to=reminded[chat_id])
                update = {"update_id": 500_000 + n, "message": message}
                first = rng.choice(live)
                post(first, update)
                if n % 3 == 0:
                    post(next(p for p in live if p != first), update)
            fake.wait_for(lambda: len(confirmed(fake)) >= len(answering), TIMEOUT, "every answer confirmed")

            fake.wait_for(lambda: len(reminded_chats(fake)) >= CHATS // 2 and (
                remember(sender, workers.sending(pg_engine)) or len(reminded_chats(fake)) >= CHATS),
                TIMEOUT, "half the reminders")
            workers.kill(sender[-1] if sender[-1] in workers.live else next(iter(workers.live)))
            workers.start()                                          # a replacement joins
            fake.wait_for(lambda: len(reminded_chats(fake)) >= CHATS, TIMEOUT, "a reminder in every chat")
        finally:
            workers.stop_all()   # SIGTERM: a round in progress records what it sent before the worker ends
        messages = fake.sent

    reminders = Counter(str(m["chat_id"]) for m in messages if is_reminder(m))
    assert set(reminders) == {str(chat(i)) for i in range(1, CHATS + 1)}        # none lost
    in_flight = Settings(_env_file=None).reminder_send_concurrency               # the default: 4 chats at once
    assert sum(reminders.values()) - CHATS <= 2 * in_flight                      # only those in flight at a kill
    assert sent_states(pg_engine) == {"sent": CHATS}
    with Session(pg_engine) as session:                                          # the round was taken over
        senders = set(session.exec(select(Reminder.claimed_by).where(Reminder.state == "sent")))
    assert len(senders) >= 2
    with Session(pg_engine) as session:
        changes = list(session.exec(select(StatusChange).where(StatusChange.field == "status")))
        done = session.exec(select(func.count()).select_from(Assignment).where(Assignment.status == "done")).one()
    assert len(changes) == len(answering) == done                                # every answer applied once
    assert Counter(c.assignment_id for c in changes).most_common(1)[0][1] == 1
    assert len(confirmed(fake)) == len(answering)                               # and confirmed once
    logs = "".join(p.read_text() for p in tmp_path.glob("worker-*.log"))
    assert "PTBUserWarning" not in logs     # the text sends through do_api_request warn no operator's log


def remember(found: list[int], port: int | None) -> bool:
    """Keep the sending worker's port when there is one (a wait_for predicate)."""
    if port is not None:
        found.append(port)
    return port is not None


def confirmed(fake) -> list[dict]:
    return [m for m in fake._sent if "Đã ghi nhận" in (m["text"] or "")]


def is_reminder(message: dict) -> bool:
    """A reminder, or one sent again after an attempt whose outcome was unknown (a kill)."""
    return (message["text"] or "").startswith(("🔔", "🔁"))


def reminded_chats(fake) -> set[str]:
    return {str(m["chat_id"]) for m in fake._sent if is_reminder(m)}
