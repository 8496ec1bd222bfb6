"""Bookkeeping rows are pruned once a day; pending reminders and the audit history stay."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from services.retention import prune_if_due
from services.status import Actor, set_status
from storage.models import (Assignment, ChatState, InviteAttempt, MessageRef, ProcessedUpdate, Reminder,
                            StatusChange)
from tests.reminders_world import VN, World

NOW = datetime(2026, 12, 1, 9, tzinfo=VN)


def test_old_bookkeeping_goes_history_stays_and_it_runs_once_a_day(engine):
    world = World(engine)
    unit = world.unit("VP")
    link = world.link(unit)
    a = world.assign(world.task(), unit, date(2026, 3, 20))
    old, recent = NOW - timedelta(days=200), NOW - timedelta(days=2)
    with Session(engine, expire_on_commit=False) as s:
        s.add_all([ProcessedUpdate(channel="telegram", key="1", at=old),
                   ProcessedUpdate(channel="telegram", key="2", at=recent),
                   MessageRef(channel="telegram", chat_id=link.chat_id, message_id="9", assignment_id=a.id, at=old),
                   MessageRef(channel="telegram", chat_id=link.chat_id, message_id="10", assignment_id=a.id,
                              at=recent),
                   InviteAttempt(channel="zalo_bot", chat_id="5", at=recent),
                   ChatState(channel="telegram", chat_id="1", user_key="1", kind="await_ext", expires_at=recent)])
        for n, (day, state) in enumerate([(old.date(), "sent"), (old.date(), "pending"), (recent.date(), "sent")]):
            s.add(Reminder(key=f"k{n}", assignment_id=a.id, link_id=link.id, kind="d0", day=day, state=state))
        set_status(s, assignment=s.get(Assignment, a.id), status="done",
                   actor=Actor(name="Lan", channel="telegram", unit_id=unit.id), now=old)
        s.commit()
    counts = prune_if_due(engine, now=NOW)
    assert counts["processed_updates"] == 1 and counts["message_refs"] == 1 and counts["reminders"] == 1
    with Session(engine) as s:
        assert [u.key for u in s.exec(select(ProcessedUpdate))] == ["2"]
        assert [m.message_id for m in s.exec(select(MessageRef))] == ["10"]
        assert sorted(r.key for r in s.exec(select(Reminder))) == ["k1", "k2"]
        assert s.exec(select(InviteAttempt)).all() == [] and s.exec(select(ChatState)).all() == []
        assert len(s.exec(select(StatusChange)).all()) == 1       # the audit history is kept
    assert prune_if_due(engine, now=NOW + timedelta(hours=3)) is None
    assert prune_if_due(engine, now=NOW + timedelta(days=1)) is not None
