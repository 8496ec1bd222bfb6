"""Inbound: updates per second through `nhacviec run` against a bare PTB echo bot, on the same fake Bot API server.

Each bot runs in its own process, polling its own fake server (also a process of its own), with no rate limit
on either side: what is measured is the cost of handling an update. The workload is what staff send: for each
of USERS people, "xong" in reply to a reminder (60 % about one task, 40 % about three, which gets a question back)
and "/viec". A final "/help" is the marker: updates are handled in order, so its answer means all are done.
Also counted: messages the bot sent per update (target ≤ 1.2: Telegram allows ~30 messages/s in all).
The two bots run alternately BENCH_INBOUND_RUNS times (default 3) and the best of each is kept: on a shared
machine one run of either can land on a busy moment. BENCH_PROFILE=folder runs both under cProfile (CPU time).
"""
from __future__ import annotations

import collections
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from bench.table import Row

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:INBOUND"
USERS = 150
MARKER_CHAT = 1_000_000  # not one of the users' chats
TIMEOUT = 300.0


def _serve_fake(conn) -> None:
    """Child process: a fake Bot API taking commands from the pipe."""
    from tests.fakes import FakeTelegram
    with FakeTelegram(token=TOKEN) as fake:
        conn.send(fake.base_url)
        while True:
            command, *args = conn.recv()
            if command == "stop":
                return
            if command == "people":
                for chat in args[0]:
                    fake.build_message(chat, chat, "chào")
                conn.send(True)
            elif command == "ready":
                fake.wait_for(lambda: fake.waiting_polls > 0, TIMEOUT, "the bot to poll")
                conn.send(True)
            elif command == "run":
                conn.send(_run(fake, *args))


def _run(fake, updates: list[tuple[int, str, int | None]]) -> dict:
    """Push every update and the marker; wait for the marker's answer; count what was sent meanwhile."""
    before = fake.sent_count()
    start = time.perf_counter()
    for chat, text, reply_to in updates:
        fake.push_message(chat, chat, text, reply_to=reply_to)
    fake.push_message(MARKER_CHAT, MARKER_CHAT, "/help")
    # The predicate runs after every API call, holding the fake's lock: it must not copy what was sent (a deep
    # copy of every message so far made the fake's cost per call grow with the run and with the messages' size).
    fake.wait_for(lambda: fake.sent_count(MARKER_CHAT) > 0, TIMEOUT, "the marker's answer")
    seconds = time.perf_counter() - start
    kinds = collections.Counter(m["text"][:40] for m in fake.sent[before:])
    return {"seconds": seconds, "messages": len(fake.sent) - before - 1, "count_429": fake.count_429,
            "kinds": kinds.most_common(8), "edits": len(fake.edits)}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _answer(conn, bot: subprocess.Popen, log: Path):
    """The fake's answer, unless the bot died first (then its log says why)."""
    while not conn.poll(0.5):
        if bot.poll() is not None:
            raise RuntimeError(f"{bot.args} exited {bot.returncode}:\n{log.read_text()[-3000:]}")
    return conn.recv()


def _measure(command: list[str], env: dict, cwd: Path, conn, updates) -> dict:
    log = cwd / f"{command[2]}.log"
    if os.environ.get("BENCH_PROFILE"):  # a folder: each bot runs under cProfile (CPU time), leaves <module>.prof
        command = [command[0], "-m", "bench.profiled", str(Path(os.environ["BENCH_PROFILE"]) / f"{command[2]}.prof"),
                   *command[2:]]
    with log.open("wb") as out:
        bot = subprocess.Popen(command, env={**env, "PYTHONPATH": str(ROOT)}, cwd=cwd, stdout=out, stderr=out)
    try:
        conn.send(("ready",))
        _answer(conn, bot, log)
        cpu = _cpu_seconds(bot.pid)
        conn.send(("run", updates))
        result = _answer(conn, bot, log)
        result["cpu"] = _cpu_seconds(bot.pid) - cpu
        return result
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(30)
        except subprocess.TimeoutExpired:
            bot.kill()


def _with_fake(body):
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    server = multiprocessing.get_context("spawn").Process(target=_serve_fake, args=(theirs,), daemon=True)
    server.start()
    try:
        base_url = ours.recv()
        ours.send(("people", list(range(1, USERS + 1)) + [MARKER_CHAT]))
        ours.recv()
        return body(ours, base_url)
    finally:
        ours.send(("stop",))
        server.join(10)


def _seed(folder: Path, base_url: str) -> tuple[str, dict[int, int]]:
    """Sample workspace, USERS people linked to units, and a reminder in each chat; returns (db url, replies)."""
    from sqlmodel import Session

    from services import queries
    from services.workspace import ensure_sample_workspace
    from storage.db import open_database
    from storage.models import ChatLink, ChatUser, MessageRef

    url = f"sqlite:///{folder / 'inbound.db'}"
    engine = open_database(url)
    ensure_sample_workspace(engine)
    reminder_of: dict[int, int] = {}
    with Session(engine) as session, httpx.Client() as http:
        units = {}
        for v in queries.views(session, roles=("lead",)):
            units.setdefault(v.unit.id, []).append(v.id)
        busy = [u for u, ids in units.items() if len(ids) >= 3]
        for chat in range(1, USERS + 1):
            unit_id = busy[chat % len(busy)]
            user = ChatUser(channel="telegram", external_id=str(chat), display_name="Người dùng",
                            unit_id=unit_id)
            session.add(user)
            session.flush()
            session.add(ChatLink(channel="telegram", chat_id=str(chat), unit_id=unit_id, user_id=user.id))
            sent = http.post(f"{base_url}{TOKEN}/sendMessage",
                             json={"chat_id": chat, "text": "🔔 Nhắc việc (bench)"}).json()["result"]
            reminder_of[chat] = sent["message_id"]
            about = units[unit_id][:3] if chat % 5 < 2 else units[unit_id][chat % 3:chat % 3 + 1]
            for assignment_id in about:
                session.add(MessageRef(channel="telegram", chat_id=str(chat), message_id=str(sent["message_id"]),
                                       assignment_id=assignment_id))
        session.commit()
    engine.dispose()
    return url, reminder_of


def _outside_work_hours() -> tuple[str, str]:
    """A one-hour working window that excludes now, so the bot's scheduler sends no reminder meanwhile."""
    hour = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(hours=2)).hour
    hour = hour if hour < 23 else 1
    return f"{hour:02d}:00", f"{hour + 1:02d}:00"


def main() -> list[Row]:
    """Both bots on the same workload, alternately RUNS times (best of each: the machine is shared); rows."""
    runs = max(1, int(os.environ.get("BENCH_INBOUND_RUNS", "3")))
    anchors, mine = [], []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(os.environ.get("BENCH_KEEP") or tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("NHACVIEC_")}
        for i in range(runs):
            folder = base / f"run{i}"
            folder.mkdir(parents=True, exist_ok=True)
            anchors.append(_with_fake(lambda conn, url: _echo(conn, url, env, folder)))
            mine.append(_with_fake(lambda conn, url: _ours(conn, url, env, folder)))
    n = USERS * 2
    anchor_rate, rate = max(n / a["seconds"] for a in anchors), max(n / m["seconds"] for m in mine)
    anchor_cpu, cpu = min(a["cpu"] for a in anchors), min(m["cpu"] for m in mine)
    per_update = max(m["messages"] for m in mine) / n
    return [
        Row(f"inbound: updates/s through `nhacviec run` (xong + /viec), best of {runs}", f"{rate:,.0f}/s",
            f"PTB echo bot {anchor_rate:,.0f}/s", f"{rate / anchor_rate:.2f}", "≥ 0.50", rate / anchor_rate >= 0.5),
        Row("inbound: CPU per update", f"{cpu / n * 1000:.1f} ms",
            f"echo bot {anchor_cpu / n * 1000:.1f} ms", f"{cpu / max(anchor_cpu, 1e-9):.1f}×"),
        Row("inbound: messages sent per update", f"{per_update:.2f}", "echo bot 1.00", "", "≤ 1.2",
            per_update <= 1.2),
    ]


def _echo(conn, base_url: str, env: dict, folder: Path) -> dict:
    updates = [(chat, text, None) for chat in range(1, USERS + 1) for text in ("xong", "/viec")]
    return _measure([sys.executable, "-m", "bench.echo_bot", base_url, TOKEN], env, folder, conn, updates)


def _ours(conn, base_url: str, env: dict, folder: Path) -> dict:
    url, reminder_of = _seed(folder, base_url)
    start, end = _outside_work_hours()
    run_env = {**env, "NHACVIEC_DATABASE_URL": url, "NHACVIEC_TELEGRAM_TOKEN": TOKEN,
               "NHACVIEC_TELEGRAM_API_URL": base_url, "NHACVIEC_TELEGRAM_RATE_PER_SECOND": "100000",
               "NHACVIEC_DATA_DIR": str(folder), "NHACVIEC_EVIDENCE_DIR": str(folder / "evidence"),
               "NHACVIEC_WORK_START": start, "NHACVIEC_WORK_END": end}
    updates = [u for chat in range(1, USERS + 1)
               for u in ((chat, "xong", reminder_of[chat]), (chat, "/viec", None))]
    return _measure([sys.executable, "-m", "cli.main", "run"], run_env, folder, conn, updates)
