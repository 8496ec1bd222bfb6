"""Telegram webhook mode is durable: an update is journaled before its 200, a worker that dies before handling it
loses nothing (another worker takes it over, once), and a replayed update_id changes nothing."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta, timezone

import httpx
from pydantic import SecretStr
from sqlalchemy import insert
from sqlmodel import Session, select

from bot import telegram as tg
from bot.dispatch import Dispatcher
from bot.inbound import start_inbound
from bot.runtime import TelegramRuntime
from handlers.context import Services
from services import inbound_journal
from services.invites import create_invite
from services.queries import unit_by_code
from services.workspace import ensure_sample_workspace
from storage.claims import HOST
from storage.models import (Assignment, ChatLink, ChatUser, Evidence, InboundEvent, Plan, ProcessedUpdate,
                            StatusChange, Task, Unit)
from storage.types import utcnow
from tests.conftest import REPO
from tests.fakes import FakeFile, FakeTelegram, refuse_internet
from tests.test_postgres import pg_engine  # noqa: F401  (fixture)

TOKEN = "123456:TEST-TOKEN"
SECRET = "tg-secret-abc"
CHAT = 4242


def invite(engine) -> str:
    ensure_sample_workspace(engine)
    with Session(engine) as session:
        code = create_invite(session, unit=unit_by_code(session, "VP"), role="member", uses=1, expires_days=7,
                             created_by="test", now=utcnow()).code
        session.commit()
    return code


@asynccontextmanager
async def worker(settings, engine, fake, *, takeover_seconds: float = 30):
    """One `nhacviec run` worker in Telegram webhook mode, as bot/serve.py starts it."""
    cfg = settings.model_copy(update={
        "telegram_token": SecretStr(TOKEN), "telegram_api_url": fake.base_url, "telegram_file_url": fake.file_url,
        "telegram_webhook_url": "https://nhacviec.example.vn/telegram", "telegram_webhook_secret": SecretStr(SECRET),
        "webhook_port": 0, "webhook_takeover_seconds": takeover_seconds})
    app = tg.build_application(cfg, polling=False)
    dispatcher = Dispatcher(Services(engine=engine, settings=cfg), {tg.CHANNEL: tg.TelegramMessenger(app)})
    TelegramRuntime(app, dispatcher)
    await app.initialize()
    await app.start()
    inbound = await start_inbound(cfg, dispatcher, telegram_app=app)
    try:
        yield inbound, dispatcher, f"http://127.0.0.1:{inbound.server.port}/telegram"
    finally:
        await inbound.stop()
        await app.stop()
        await app.shutdown()


async def post(url: str, update: dict) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(url, content=json.dumps(update).encode(),
                                 headers={"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                          "Content-Type": "application/json"})


def rows(engine, model, *where):
    with Session(engine) as session:
        return list(session.exec(select(model).where(*where)))


def joined_texts(fake) -> list[str]:
    return [m["text"] for m in fake.sent if m["chat_id"] == CHAT and "Văn phòng Sở" in (m["text"] or "")]


async def test_an_update_acknowledged_by_a_worker_that_dies_is_handled_once_by_another(settings, engine):
    code = invite(engine)
    with refuse_internet(), FakeTelegram(token=TOKEN) as fake:
        async with worker(settings, engine, fake) as (a, a_dispatcher, a_url), \
                worker(settings, engine, fake, takeover_seconds=0.1) as (b, _b_dispatcher, b_url):
            # Worker A claims in the name of a process of its own, which the test kills as SIGKILL kills a worker.
            a_process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
            a.sweeper.journal.me = f"{HOST}:{a_process.pid}:worker-a"

            async def dies_midway(incoming) -> None:   # worker A is killed while handling the update
                await asyncio.Event().wait()

            a_dispatcher.process = dies_midway
            update = {"update_id": 7001, "message": fake.build_message(CHAT, CHAT, code)}
            assert (await post(a_url, update)).status_code == 200      # Telegram will never send it again
            [event] = rows(engine, InboundEvent, InboundEvent.channel == "telegram")
            assert event.key == "7001" and event.done_at is None and json.loads(event.payload) == update
            assert event.claimed_by == a.sweeper.journal.me
            await asyncio.wait_for(b.sweeper.swept(2), 60)    # B looked twice and left a live worker's update alone
            assert not rows(engine, ChatLink, ChatLink.chat_id == str(CHAT)) and not b.background._tasks
            a_process.kill()
            a_process.wait()
            await a.background.close(timeout=0)                       # the work in hand dies with the worker

            # Worker B's periodic take-over finds the abandoned update and handles it.
            await fake.wait_for_async(lambda: joined_texts(fake), 60, "the unit joined through worker B")
            await b.background.drain()
            [link] = rows(engine, ChatLink, ChatLink.chat_id == str(CHAT))
            assert link.active and link.unit_id is not None
            [event] = rows(engine, InboundEvent, InboundEvent.channel == "telegram")
            assert event.done_at is not None and event.claimed_by == b.sweeper.journal.me

            # Telegram (or nginx) replays the same update_id to both workers: acknowledged, nothing changes.
            sent_before = len(fake.sent)
            assert (await post(b_url, update)).status_code == 200
            assert (await post(a_url, update)).status_code == 200
            assert not a.background._tasks and not b.background._tasks   # dropped before any work started
            marker = {"update_id": 7002, "message": fake.build_message(CHAT, CHAT, "/help")}
            assert (await post(b_url, marker)).status_code == 200
            await fake.wait_for_async(lambda: len(fake.sent) > sent_before, 60, "the answer to /help")
            await b.background.drain()
    assert len(joined_texts(fake)) == 1
    assert len(fake.sent) == sent_before + 1 and "/viec" in fake.sent[-1]["text"]
    assert len(rows(engine, ChatLink, ChatLink.chat_id == str(CHAT))) == 1
    assert {p.key for p in rows(engine, ProcessedUpdate, ProcessedUpdate.channel == "telegram")} == {
        "tg:7001", "tg:7002"}


async def test_updates_left_by_a_stopped_worker_are_handled_at_the_next_start(settings, engine):
    code = invite(engine)
    with refuse_internet(), FakeTelegram(token=TOKEN) as fake:
        async with worker(settings, engine, fake) as (a, a_dispatcher, a_url):
            a_dispatcher.process = lambda incoming: asyncio.Event().wait()    # never finishes
            update = {"update_id": 8001, "message": fake.build_message(CHAT, CHAT, code)}
            assert (await post(a_url, update)).status_code == 200
            await a.background.close(timeout=0)
        async with worker(settings, engine, fake) as (again, _dispatcher, _url):   # `nhacviec run` again
            await again.background.drain()
            assert len(joined_texts(fake)) == 1
    [event] = rows(engine, InboundEvent)
    assert event.done_at is not None


def test_two_workers_never_take_the_same_abandoned_event_on_postgres(pg_engine):  # noqa: F811
    now = utcnow()
    dead = f"{HOST}:999999999:dead"            # a process of this machine that is gone
    with Session(pg_engine) as session:
        for n in range(40):
            inbound_journal.record_event(session, channel="telegram", key=str(n), payload="{}", now=now, me=dead)
    taken: dict[str, list[str]] = {}
    barrier = threading.Barrier(2)

    def take(me: str) -> None:
        with Session(pg_engine) as session:
            got = inbound_journal.claim_pending(session, channels=("telegram",), now=now, me=me, limit=25)
            barrier.wait(timeout=60)           # both hold their row locks at the same moment
            session.commit()
        taken[me] = [key for _channel, key, _payload in got]

    threads = [threading.Thread(target=take, args=(f"{HOST}:1:worker-{w}",)) for w in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    a, b = taken[f"{HOST}:1:worker-a"], taken[f"{HOST}:1:worker-b"]
    assert not set(a) & set(b) and len(a) + len(b) == 40 and max(len(a), len(b)) == 25
    with Session(pg_engine) as session:
        holders = {e.key: e.claimed_by for e in session.exec(select(InboundEvent))}
    assert all(holders[k] == f"{HOST}:1:worker-a" for k in a) and all(holders[k] == f"{HOST}:1:worker-b" for k in b)


def test_a_live_claim_is_left_alone_and_a_claim_from_another_machine_only_after_its_time(engine):
    now = utcnow()
    with Session(engine) as session:
        inbound_journal.record_event(session, channel="telegram", key="1", payload="{}", now=now,
                                     me=f"{HOST}:1:init")       # pid 1 lives: a worker still at it
        inbound_journal.record_event(session, channel="telegram", key="2", payload="{}", now=now,
                                     me="other-host:1234:abcd")
        assert inbound_journal.claim_pending(session, channels=("telegram",), now=now, me="me:1:x") == []
        session.commit()
        later = now + inbound_journal.STALE_CLAIM + timedelta(seconds=1)
        got = inbound_journal.claim_pending(session, channels=("telegram",), now=later, me="me:1:x")
        session.commit()
    assert [key for _channel, key, _payload in got] == ["1", "2"]


def test_handled_events_are_forgotten_after_a_week_pruned_at_most_hourly(engine):
    from bot.journal import DbJournal
    clock = [utcnow()]
    journal = DbJournal(engine, clock=lambda: clock[0])

    def handled(key: str, at) -> None:
        with Session(engine) as session:
            inbound_journal.record_event(session, channel="telegram", key=key, payload="{}", now=at, me=journal.me)
            inbound_journal.mark_done(session, channel="telegram", key=key, now=at)
            session.commit()

    handled("old", clock[0] - timedelta(days=8))
    handled("recent", clock[0] - timedelta(days=6))
    assert journal.claim_pending(("telegram",)) == []
    assert {e.key for e in rows(engine, InboundEvent)} == {"recent"}
    handled("old-too", clock[0] - timedelta(days=9))
    journal.claim_pending(("telegram",))
    assert {e.key for e in rows(engine, InboundEvent)} == {"recent", "old-too"}       # pruned within the hour
    clock[0] += timedelta(hours=1)
    journal.claim_pending(("telegram",))
    assert {e.key for e in rows(engine, InboundEvent)} == {"recent"}


async def test_a_long_handling_keeps_its_claim_so_no_other_worker_takes_it_over(engine):
    from bot.journal import DbJournal
    from bot.webhooks import Background, WebhookHandlers, accept
    clock = [utcnow()]
    journal = DbJournal(engine, clock=lambda: clock[0], me="machine-a:4242:a")   # only time tells on other machines
    journal.renew_every = 0.01
    renewed, renewals, renew = asyncio.Event(), [], journal.renew

    async def minutes_pass_then_renew(channel: str, key: str) -> None:
        clock[0] += timedelta(seconds=100)                   # the handling takes minutes (a big plan, a report)
        await renew(channel, key)
        renewals.append(key)
        if len(renewals) >= 2:
            renewed.set()

    journal.renew = minutes_pass_then_renew
    taken_meanwhile: list = []

    async def long_handling() -> None:
        await renewed.wait()                                  # 200 s later, past STALE_CLAIM
        with Session(engine) as session:
            taken_meanwhile.extend(inbound_journal.claim_pending(session, channels=("telegram",), now=clock[0],
                                                                 me="machine-b:1:b"))
            session.commit()

    background = Background()
    await accept(WebhookHandlers(journal=journal), background, "telegram", "9001", {"update_id": 9001},
                 long_handling)
    await asyncio.wait_for(background.drain(), 60)
    assert taken_meanwhile == []
    [event] = rows(engine, InboundEvent)
    assert event.done_at is not None and event.claimed_by == journal.me
    assert event.claimed_at - event.received_at >= timedelta(seconds=200)


def test_a_renewed_claim_is_stale_only_counted_from_its_renewal(engine):
    now = utcnow()
    with Session(engine) as session:
        inbound_journal.record_event(session, channel="telegram", key="1", payload="{}", now=now, me="host-a:1:a")
        later = now + inbound_journal.STALE_CLAIM
        assert inbound_journal.renew_claim(session, channel="telegram", key="1", now=later, me="host-a:1:a")
        assert not inbound_journal.renew_claim(session, channel="telegram", key="1", now=later, me="host-b:1:b")
        session.commit()
        soon = later + timedelta(seconds=1)
        assert inbound_journal.claim_pending(session, channels=("telegram",), now=soon, me="host-b:1:b") == []
        session.commit()
        after = later + inbound_journal.STALE_CLAIM + timedelta(seconds=1)
        assert [k for _c, k, _p in inbound_journal.claim_pending(session, channels=("telegram",), now=after,
                                                                   me="host-b:1:b")] == ["1"]


def one_linked_unit(engine, chat_id: int) -> None:
    """A unit with one open task due in June and its staff member's private chat (no reminder is due)."""
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    with Session(engine) as session:
        session.execute(insert(Plan), [{"id": 1, "title": "Kế hoạch CCHC", "year": 2026, "issuer": "",
                                        "source_name": "", "source_sha256": "", "imported_at": now, "updated_at": now}])
        session.execute(insert(Task), [{"id": 1, "plan_id": 1, "number": "1", "position": 1, "dues": [],
                                        "title": "Báo cáo kết quả CCHC quý II", "removed": False}])
        session.execute(insert(Unit), [{"id": 1, "code": "T0001", "name": "Trường số 1", "kind": "truong",
                                        "aliases": [], "active": True, "created_at": now}])
        session.execute(insert(ChatUser), [{"id": 1, "channel": "telegram", "external_id": str(chat_id),
                                            "display_name": "Cán bộ 1", "lang": "vi", "unit_id": 1, "role": "member",
                                            "active": True, "created_at": now}])
        session.execute(insert(ChatLink), [{"channel": "telegram", "chat_id": str(chat_id), "kind": "private",
                                            "unit_id": 1, "user_id": 1, "role": "member", "lang": "vi",
                                            "active": True, "created_at": now}])
        session.execute(insert(Assignment), [{"task_id": 1, "unit_id": 1, "role": "lead", "period": "",
                                              "due_on": date(2026, 6, 30), "original_due_on": date(2026, 6, 30),
                                              "status": "open", "extensions": 0, "updated_at": now}])
        session.commit()


def test_nhacviec_run_killed_before_handling_loses_nothing_another_worker_applies_it_once(pg_engine,  # noqa: F811
                                                                                         tmp_path):
    """Real `nhacviec run` processes: worker A acknowledges a "xong" with its report, then is killed (SIGKILL)
    while it fetches the file; worker B takes the update over and applies it once; a replay changes nothing."""
    from tests.test_workers_postgres import AT, Workers, post
    from tests.test_workers_postgres import SECRET as WORKER_SECRET
    one_linked_unit(pg_engine, CHAT)
    url = pg_engine.url.render_as_string(hide_password=False)
    with refuse_internet(), FakeTelegram(token=TOKEN) as fake:
        env = {**os.environ, "PYTHONPATH": str(REPO), "NHACVIEC_DATABASE_URL": url,
               "NHACVIEC_TELEGRAM_TOKEN": TOKEN, "NHACVIEC_TELEGRAM_API_URL": fake.base_url,
               "NHACVIEC_TELEGRAM_FILE_URL": fake.file_url,
               "NHACVIEC_TELEGRAM_WEBHOOK_URL": "https://nhacviec.example.vn/telegram",
               "NHACVIEC_TELEGRAM_WEBHOOK_SECRET": WORKER_SECRET, "NHACVIEC_WEBHOOK_TAKEOVER_SECONDS": "0.2",
               "NHACVIEC_DATA_DIR": str(tmp_path), "NHACVIEC_EVIDENCE_DIR": str(tmp_path / "evidence")}
        workers = Workers(env, tmp_path)
        try:
            a, b = workers.start(), workers.start()
            fake.hold("getFile")                                   # A will be stuck fetching the report
            report = FakeFile("bao-cao-quy-2.pdf", b"%PDF-1.4\n% quy II\n%%EOF\n", "application/pdf")
            update = {"update_id": 600_001, "message": fake.build_message(CHAT, CHAT, "xong", document=report)}
            post(a, update)                                        # 200: Telegram will never send it again
            fake.wait_for(lambda: any(c["method"] == "getFile" for c in fake._calls), 120, "A fetching the file")
            [event] = rows(pg_engine, InboundEvent)
            assert event.done_at is None and event.claimed_by.split(":")[1] == str(workers.live[a].pid)
            workers.kill(a)
            fake.release("getFile")
            fake.wait_for(lambda: confirmations(fake), 120, "the answer applied by worker B")
            b_pid = workers.live[b].pid

            post(b, update)                                        # the same update_id again: nothing changes
            marker = {"update_id": 600_002, "message": fake.build_message(CHAT, CHAT, "/help")}
            post(b, marker)
            fake.wait_for(lambda: any("/viec" in (m["text"] or "") for m in fake._sent), 120, "the answer to /help")
        finally:
            workers.stop_all()
        assert len(confirmations(fake)) == 1
    events = {e.key: e for e in rows(pg_engine, InboundEvent)}
    assert events["600001"].done_at is not None and events["600001"].claimed_by.split(":")[1] == str(b_pid)
    changes = rows(pg_engine, StatusChange, StatusChange.field == "status")
    assert [(c.before, c.after) for c in changes] == [("open", "done")] and changes[0].evidence_id is not None
    [evidence] = rows(pg_engine, Evidence)
    assert evidence.original_name == "bao-cao-quy-2.pdf" and evidence.id == changes[0].evidence_id


def confirmations(fake) -> list[dict]:
    return [m for m in fake._sent if "Đã ghi nhận" in (m["text"] or "")]
