"""Nobody acts outside their unit: crafted buttons, stale questions, /undo after someone else's change."""
from __future__ import annotations

import itertools
import json
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from handlers.context import Services
from handlers.messages import Attachment, Incoming
from handlers.router import handle
from storage.models import (Assignment, ChatState, ChatUser, Evidence, ExtensionRequest, MemberRole, Status,
                            StatusChange, Unit)
from tests.reminders_world import VN, World

DAY = date(2026, 3, 18)
_updates = itertools.count(1)


@pytest.fixture
def world(engine):
    return World(engine)


def services(engine, settings, minutes: int = 0):
    moment = datetime(2026, 3, 16, 9, tzinfo=VN) + timedelta(minutes=minutes)
    return Services(engine=engine, settings=settings, clock=lambda: moment,
                    fetch_file=_fetch)


async def _fetch(channel, attachment) -> bytes:
    return b"%PDF-1.4 bao cao"


def said(link, text: str = "", *, data: str | None = None, file: bool = False, chat_id: str | None = None,
         chat_type: str = "private") -> Incoming:
    return Incoming(channel="telegram", chat_id=chat_id or link.chat_id, sender_id=link.chat_id,
                    sender_name="Anh Nam", text=text, chat_type=chat_type, button_data=data,
                    button_message_id="1" if data else None, update_key=f"tg:{next(_updates)}",
                    attachment=Attachment("document", "f1", "bao-cao.pdf", "application/pdf", 20) if file else None)


def rows(engine, model, *where):
    with Session(engine) as s:
        return list(s.exec(select(model).where(*where)))


@pytest.fixture
def two_units(world):
    a, b = world.unit("A"), world.unit("B")
    staff_a = world.link(a)
    task_b = world.assign(world.task("Báo cáo của B"), b, DAY)
    task_a = world.assign(world.task("Báo cáo của A"), a, DAY)
    return staff_a, task_a, task_b


async def test_evidence_button_for_another_units_task_stores_nothing(engine, settings, two_units):
    staff_a, task_a, task_b = two_units
    await handle(said(staff_a, file=True), services(engine, settings))       # "which task is this file for?"
    [reply] = await handle(said(staff_a, data=f"ev:{task_b.id}"), services(engine, settings, 1))
    assert "không thuộc đơn vị" in reply.text
    assert rows(engine, Evidence) == [] and not list((settings.evidence_dir).rglob("*"))
    assert rows(engine, StatusChange) == []


async def test_evidence_button_must_be_one_of_the_tasks_offered(engine, settings, world, two_units):
    staff_a, task_a, _task_b = two_units
    not_offered = world.assign(world.task("Việc của C"), world.unit("C"), DAY)
    with Session(engine) as s:   # staff of A with the file question pending, offered task_a only
        s.add(ChatState(channel="telegram", chat_id=staff_a.chat_id, user_key=staff_a.chat_id, kind="pending_file",
                        payload=json.dumps({"file_id": "f1", "name": "x.pdf", "mime": "", "size": 3,
                                            "kind": "document", "done": True, "choices": [task_a.id]}),
                        expires_at=datetime(2026, 3, 17, tzinfo=VN)))
        s.get(ChatUser, staff_a.user_id).role = MemberRole.OFFICER   # even an officer picks among those offered
        s.commit()
    [reply] = await handle(said(staff_a, data=f"ev:{not_offered.id}"), services(engine, settings))
    assert "không nằm trong các nhiệm vụ" in reply.text
    assert rows(engine, Evidence) == [] and world.get(Assignment, not_offered.id).status == Status.OPEN


async def test_extension_button_for_another_units_task_is_refused_and_a_later_date_does_not_crash(
        engine, settings, two_units):
    staff_a, _task_a, task_b = two_units
    [reply] = await handle(said(staff_a, data=f"x:{task_b.id}"), services(engine, settings))
    assert "không thuộc đơn vị" in reply.text
    assert rows(engine, ChatState) == []
    replies = await handle(said(staff_a, "đến 25/3"), services(engine, settings, 1))
    assert replies and rows(engine, ExtensionRequest) == []


async def test_a_question_left_about_a_task_no_longer_ours_is_answered_not_crashed(engine, settings, world,
                                                                                     two_units):
    staff_a, _task_a, task_b = two_units
    with Session(engine) as s:   # asked while this person belonged to B, then moved to A
        s.add(ChatState(channel="telegram", chat_id=staff_a.chat_id, user_key=staff_a.chat_id, kind="await_ext",
                        payload=json.dumps({"assignment_id": task_b.id}),
                        expires_at=datetime(2026, 3, 17, tzinfo=VN)))
        s.commit()
    [reply] = await handle(said(staff_a, "đến 25/3"), services(engine, settings))
    assert "không thuộc đơn vị" in reply.text
    assert rows(engine, ExtensionRequest) == [] and rows(engine, ChatState) == []


async def test_open_button_does_not_show_another_units_card(engine, settings, two_units):
    staff_a, _task_a, task_b = two_units
    [reply] = await handle(said(staff_a, data=f"open:{task_b.id}"), services(engine, settings))
    assert "Báo cáo của B" not in reply.text and "không thuộc đơn vị" in reply.text


async def test_undo_does_not_overwrite_an_officers_later_change(engine, settings, world, two_units):
    staff_a, task_a, _task_b = two_units
    officer = world.link(world.unit("VP"), role=MemberRole.OFFICER)
    await handle(said(staff_a, data=f"s:{task_a.id}:done"), services(engine, settings))
    await handle(said(officer, data=f"s:{task_a.id}:prog"), services(engine, settings, 2))
    [reply] = await handle(said(staff_a, "/undo"), services(engine, settings, 3))
    assert "đã được thay đổi sau đó" in reply.text
    assert world.get(Assignment, task_a.id).status == Status.IN_PROGRESS
    assert [c.undone for c in rows(engine, StatusChange)] == [False, False]


async def test_undo_by_someone_no_longer_in_the_unit_is_refused(engine, settings, world, two_units):
    staff_a, task_a, _task_b = two_units
    await handle(said(staff_a, data=f"s:{task_a.id}:done"), services(engine, settings))
    world.update(ChatUser, staff_a.user_id, unit_id=world.unit("C").id)
    [reply] = await handle(said(staff_a, "/undo"), services(engine, settings, 1))
    assert "không thuộc đơn vị" in reply.text
    assert world.get(Assignment, task_a.id).status == Status.DONE


async def test_in_a_units_group_a_member_of_another_unit_cannot_act_on_its_tasks(engine, settings, world,
                                                                                   two_units):
    staff_a, _task_a, task_b = two_units
    group_b = world.link(world.get(Unit, task_b.unit_id), kind="group")
    [reply] = await handle(said(staff_a, data=f"s:{task_b.id}:done", chat_id=group_b.chat_id, chat_type="group"),
                           services(engine, settings))
    assert "không thuộc đơn vị" in reply.text
    assert world.get(Assignment, task_b.id).status == Status.OPEN
