"""While a reply is read or a report is built, the event loop (webhooks, polling, reminders) keeps running.

The heavy step is replaced by one that waits until a coroutine on the loop lets it go: if the step ran on the loop
itself, that coroutine could never run and the step would give up waiting.
"""
from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import date, datetime

from handlers import answers, reports
from handlers.context import Services
from handlers.messages import Incoming
from handlers.router import handle
from sqlmodel import Session, select

from storage.models import MemberRole
from tests.reminders_world import VN, World

NOW = datetime(2026, 3, 16, 9, tzinfo=VN)


class Gate:
    """Wraps a function so it runs only once the loop has released it."""

    def __init__(self, function) -> None:
        self.function, self.started, self.released, self.waited_out = function, threading.Event(), \
            threading.Event(), False

    def __call__(self, *args, **kwargs):
        self.started.set()
        self.waited_out = not self.released.wait(30)
        return self.function(*args, **kwargs)

    async def release_from_the_loop(self) -> None:
        await asyncio.to_thread(self.started.wait, 30)
        self.released.set()


def _another_writer_can_write(db_url: str) -> bool:
    """Whether another connection that will not wait can take SQLite's write lock right now ("database is locked"
    when a turn holds it)."""
    other = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


async def _run_with(gate: Gate, incoming: Incoming, services: Services) -> list:
    task = asyncio.ensure_future(handle(incoming, services))
    await gate.release_from_the_loop()
    return await task


async def test_reading_a_reply_leaves_the_loop_free(engine, settings, monkeypatch):
    """A long reply (a pasted report) is read off the loop; a short one costs less than the hop to a thread."""
    world = World(engine)
    unit = world.unit("VP")
    lan = world.link(unit)
    world.assign(world.task(), unit, date(2026, 3, 20))
    gate = Gate(answers.classify)
    monkeypatch.setattr(answers, "classify", gate)
    pasted = "Báo cáo kết quả rà soát thủ tục hành chính của đơn vị. " * 10
    incoming = Incoming(channel="telegram", chat_id=lan.chat_id, sender_id=lan.chat_id,
                        text=f"xong rồi ạ. {pasted}", update_key="tg:2")
    assert len(incoming.text) > answers.INLINE_CLASSIFY
    [reply] = await _run_with(gate, incoming, Services(engine=engine, settings=settings, clock=lambda: NOW))
    assert not gate.waited_out and "hoàn thành" in reply.text


async def test_building_a_report_leaves_the_loop_free(engine, settings, monkeypatch):
    world = World(engine)
    officer = world.link(world.unit("VP"), role=MemberRole.OFFICER)
    gate = Gate(reports.build_report)
    monkeypatch.setattr(reports, "build_report", gate)
    incoming = Incoming(channel="telegram", chat_id=officer.chat_id, sender_id=officer.chat_id, text="/baocao",
                        update_key="tg:1")
    [reply] = await _run_with(gate, incoming, Services(engine=engine, settings=settings, clock=lambda: NOW))
    assert not gate.waited_out and reply.text


async def test_previewing_a_plan_file_leaves_the_loop_free(engine, settings, monkeypatch, tmp_path):
    from handlers.messages import Attachment
    from services import plan_upload
    from tests.fixtures.builders import build_docx, seed_rows
    world = World(engine)
    officer = world.link(world.unit("VP"), role=MemberRole.OFFICER)
    path = build_docx(tmp_path / "KH-CCHC-2026.docx", seed_rows())
    gate = Gate(plan_upload.preview)
    monkeypatch.setattr(plan_upload, "preview", gate)

    async def fetch(channel, attachment) -> bytes:
        return path.read_bytes()

    services = Services(engine=engine, settings=settings, clock=lambda: NOW, fetch_file=fetch)
    incoming = Incoming(channel="telegram", chat_id=officer.chat_id, sender_id=officer.chat_id, update_key="tg:3",
                        attachment=Attachment("document", "f1", path.name, "", path.stat().st_size))
    [reply] = await _run_with(gate, incoming, services)
    assert not gate.waited_out and [b.label for b in reply.buttons[0]] == ["Nhập kế hoạch", "Huỷ"]


async def test_the_desks_report_page_leaves_the_loop_free(engine, settings, monkeypatch):
    import httpx

    from tests.web_harness import link_token, make_desk
    from web import reports_page
    from web.app import build_desk_app
    desk = make_desk(settings, engine)
    gate = Gate(reports_page.build_report)
    monkeypatch.setattr(reports_page, "build_report", gate)
    transport = httpx.ASGITransport(app=build_desk_app(desk))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        assert (await client.post(f"/login/{link_token(desk)}")).status_code == 303
        page = asyncio.ensure_future(client.get("/reports"))
        await gate.release_from_the_loop()
        response = await page
    assert not gate.waited_out and response.status_code == 200


async def test_while_a_file_downloads_the_database_stays_writable(engine, settings, db_url):
    """A photo sent as evidence on the Zalo OA: while it downloads (seconds on a phone network), the turn holds no
    write lock, so a reminder round or another chat's message on the same event loop is not made to wait on it
    (SQLite would block the loop itself for up to its busy timeout, and the download with it)."""
    from handlers.messages import Attachment
    from storage.models import ChatLink, ChatUser, StatusChange
    world = World(engine)
    unit = world.unit("VP")
    task = world.task()
    world.assign(task, unit, date(2026, 3, 20))
    world._add(ChatUser(channel="zalo_oa", external_id="oa-lan", display_name="Lan", unit_id=unit.id))
    world._add(ChatLink(channel="zalo_oa", chat_id="oa-lan", kind="private", unit_id=unit.id, role="member"))
    writable: list[bool] = []

    async def fetch(channel, attachment) -> bytes:
        writable.append(_another_writer_can_write(db_url))
        return b"\xff\xd8\xff\xe0 jpeg"

    services = Services(engine=engine, settings=settings, clock=lambda: NOW, fetch_file=fetch)
    # She has renamed herself in Zalo since: the new name is kept too, but written only when the turn ends.
    incoming = Incoming(channel="zalo_oa", chat_id="oa-lan", sender_id="oa-lan", sender_name="Nguyễn Thị Lan",
                        text="xong", update_key="oa:1",
                        attachment=Attachment("photo", "p1", "anh.jpg", "image/jpeg", 9))
    replies = await handle(incoming, services)
    assert writable == [True]
    assert any("kiểm chứng" in r.text or "hoàn thành" in r.text for r in replies), [r.text for r in replies]
    with Session(engine) as session:
        [lan] = session.exec(select(ChatUser).where(ChatUser.external_id == "oa-lan"))
        [link] = session.exec(select(ChatLink).where(ChatLink.chat_id == "oa-lan"))
        [change] = session.exec(select(StatusChange))
    assert lan.display_name == "Nguyễn Thị Lan" and link.last_inbound_at is not None
    assert change.actor_name == "Nguyễn Thị Lan"  # the history names her as her chat does now


async def test_pages_that_waited_are_all_downloaded_before_anything_is_written(engine, settings, db_url,
                                                                               monkeypatch):
    """Two pages sent before saying which task: when the unit answers, both are fetched then, with no write lock
    held across either download, and both are kept."""
    from handlers.messages import Attachment
    from storage.models import Evidence
    world = World(engine)
    unit = world.unit("VP")
    lan = world.link(unit)
    for title in ("Rà soát thủ tục hành chính", "Báo cáo CCHC quý I"):
        world.assign(world.task(title), unit, date(2026, 3, 20))
    writable: list[bool] = []

    async def fetch(channel, attachment) -> bytes:
        writable.append(_another_writer_can_write(db_url))
        return b"\xff\xd8\xff\xe0 " + attachment.file_id.encode()

    real_keep = answers.keep_file

    def keep_file(*args, **kwargs):  # writing a page to disk (a worker thread) under no database lock either
        writable.append(_another_writer_can_write(db_url))
        return real_keep(*args, **kwargs)

    monkeypatch.setattr(answers, "keep_file", keep_file)
    services = Services(engine=engine, settings=settings, clock=lambda: NOW, fetch_file=fetch)
    said = [Incoming(channel="telegram", chat_id=lan.chat_id, sender_id=lan.chat_id, text=text, update_key=f"tg:p{i}",
                     attachment=Attachment("photo", f"trang{i}", f"trang{i}.jpg", "image/jpeg", 20) if i < 3 else None)
            for i, text in ((1, "xong rồi ạ"), (2, ""))]
    for incoming in said:
        replies = await handle(incoming, services)
    buttons = [b.data for r in replies for row in r.buttons for b in row]
    assert replies[-1].text.count(".jpg") == 2 and buttons  # which task are both pages for?
    await handle(Incoming(channel="telegram", chat_id=lan.chat_id, sender_id=lan.chat_id, button_data=buttons[0],
                          button_message_id="9", update_key="tg:p3"), services)
    with Session(engine) as session:
        kept = list(session.exec(select(Evidence)))
    assert sorted(e.original_name for e in kept) == ["trang1.jpg", "trang2.jpg"]
    assert writable == [True] * 4, writable  # two downloads, two pages kept on disk


async def test_a_plan_previewed_and_imported_from_chat_leaves_no_write_lock_behind(engine, settings, db_url,
                                                                                   monkeypatch, tmp_path):
    """The dry run of the preview and the import itself run in a worker thread; when the turn is back on the event
    loop, SQLite's write lock must be free: a reminder round writing on the loop meanwhile would otherwise wait on
    the loop itself (and the turn with it) for the whole busy timeout, then fail."""
    from handlers import plan_upload as chat_upload
    from handlers.messages import Attachment
    from storage.models import Plan
    from tests.fixtures.builders import build_docx, seed_rows
    world = World(engine)
    officer = world.link(world.unit("VP"), role=MemberRole.OFFICER)
    path = build_docx(tmp_path / "KH-CCHC-2026.docx", seed_rows())
    writable: list[bool] = []

    def other_writer_succeeds() -> None:
        writable.append(_another_writer_can_write(db_url))

    for name in ("preview_lines", "import_lines"):  # what the turn does on the loop right after each worker
        real = getattr(chat_upload, name)
        monkeypatch.setattr(chat_upload, name, lambda p, real=real: (other_writer_succeeds(), real(p))[1])

    async def fetch(channel, attachment) -> bytes:
        return path.read_bytes()

    services = Services(engine=engine, settings=settings, clock=lambda: NOW, fetch_file=fetch)
    [preview] = await handle(Incoming(channel="telegram", chat_id=officer.chat_id, sender_id=officer.chat_id,
                                      update_key="tg:u1", attachment=Attachment("document", "f1", path.name, "",
                                                                                path.stat().st_size)), services)
    ok = preview.buttons[0][0].data
    [done] = await handle(Incoming(channel="telegram", chat_id=officer.chat_id, sender_id=officer.chat_id,
                                   button_data=ok, button_message_id="5", update_key="tg:u2"), services)
    assert writable == [True, True]
    with Session(engine) as session:
        assert len(list(session.exec(select(Plan)))) == 2  # World's own plan and the one imported
    assert done.text and "Đã nhập" in (done.notice or "")
