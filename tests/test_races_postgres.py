"""Read-modify-write under concurrency, on PostgreSQL with two connections (two workers): status, extensions."""
from __future__ import annotations

import threading
import time as _time
import zlib
from datetime import date, datetime, timezone

import psycopg
import pytest
from sqlmodel import Session, select

from services.extensions import ExtensionError, decide_extension, request_extension
from services.status import Actor, move_due, set_status
from storage.models import Assignment, ExtensionRequest, MemberRole, StatusChange, Unit
from tests.reminders_world import World
from tests.test_postgres import pg_engine  # noqa: F401  (fixture)

NOW = datetime(2026, 3, 18, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(pg_engine):  # noqa: F811
    w = World(pg_engine)
    unit = w.unit("VP", name="Văn phòng Sở")
    w.assignment = w.assign(w.task("Báo cáo quý I"), unit, date(2026, 3, 20))
    w.unit_id = unit.id
    return w


def _changes(engine, field: str) -> list[StatusChange]:
    with Session(engine) as s:
        return list(s.exec(select(StatusChange).where(StatusChange.field == field)))


def test_the_same_answer_through_two_workers_is_applied_once(pg_engine, world):  # noqa: F811
    staff = Actor("Cán bộ VP", "telegram", unit_id=world.unit_id)
    with Session(pg_engine) as first, Session(pg_engine) as second:
        a1 = first.get(Assignment, world.assignment.id)
        a2 = second.get(Assignment, world.assignment.id)   # both read "open"
        assert set_status(first, assignment=a1, status="done", actor=staff, now=NOW) is not None
        first.commit()
        assert set_status(second, assignment=a2, status="done", actor=staff, now=NOW) is None
        second.commit()
    [change] = _changes(pg_engine, "status")
    assert (change.before, change.after) == ("open", "done")


def test_a_change_made_meanwhile_is_the_one_recorded_as_before(pg_engine, world):  # noqa: F811
    staff = Actor("Cán bộ VP", "telegram", unit_id=world.unit_id)
    with Session(pg_engine) as first, Session(pg_engine) as second:
        a1 = first.get(Assignment, world.assignment.id)
        a2 = second.get(Assignment, world.assignment.id)
        set_status(first, assignment=a1, status="in_progress", actor=staff, now=NOW)
        first.commit()
        set_status(second, assignment=a2, status="done", actor=staff, now=NOW)
        second.commit()
    history = [(c.before, c.after) for c in sorted(_changes(pg_engine, "status"), key=lambda c: c.id)]
    assert history == [("open", "in_progress"), ("in_progress", "done")]


def test_two_officers_deciding_one_request_decide_it_once(pg_engine, world):  # noqa: F811
    staff = Actor("Cán bộ VP", "telegram", unit_id=world.unit_id)
    officer = Actor("Văn phòng", "telegram", role=MemberRole.OFFICER)
    with Session(pg_engine) as s:
        request = request_extension(s, assignment=s.get(Assignment, world.assignment.id), new_due=date(2026, 3, 31),
                                    actor=staff, now=NOW)
        s.commit()
        request_id = request.id
    with Session(pg_engine) as first, Session(pg_engine) as second:
        seen = first.get(ExtensionRequest, request_id), second.get(ExtensionRequest, request_id)
        assert [r.state for r in seen] == ["pending", "pending"]  # both workers read it before either decides
        decide_extension(first, request_id=request_id, approve=True, actor=officer, now=NOW)
        first.commit()
        with pytest.raises(ExtensionError):
            decide_extension(second, request_id=request_id, approve=True, actor=officer, now=NOW)
        second.rollback()
    with Session(pg_engine) as s:
        a = s.get(Assignment, world.assignment.id)
        assert (a.due_on, a.extensions) == (date(2026, 3, 31), 1)
    assert len(_changes(pg_engine, "due_on")) == 1


def _blocked_on_a_lock(engine) -> bool:
    with engine.connect() as c:
        return bool(c.exec_driver_sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                      "AND datname = current_database()").scalar())


def test_two_requests_for_more_time_sent_at_once_leave_one_pending_request(pg_engine, world):  # noqa: F811
    """Two phones of one unit ask at the same moment (two workers): the officer sees one request, the later one."""
    staff = Actor("Cán bộ VP", "telegram", unit_id=world.unit_id)
    second_done = threading.Event()

    def second_worker():
        with Session(pg_engine) as second:
            request_extension(second, assignment=second.get(Assignment, world.assignment.id),
                              new_due=date(2026, 4, 3), actor=staff, now=NOW)
            second.commit()
        second_done.set()

    with Session(pg_engine) as first:
        request_extension(first, assignment=first.get(Assignment, world.assignment.id), new_due=date(2026, 3, 27),
                          actor=staff, now=NOW)
        thread = threading.Thread(target=second_worker)
        thread.start()    # the second worker reads while the first has not committed yet
        deadline = _time.monotonic() + 120
        while not (second_done.is_set() or _blocked_on_a_lock(pg_engine)) and _time.monotonic() < deadline:
            second_done.wait(0.05)
        first.commit()
    thread.join(120)
    assert second_done.is_set()
    with Session(pg_engine) as s:
        pending = list(s.exec(select(ExtensionRequest).where(ExtensionRequest.state == "pending")))
    assert [r.requested_on for r in pending] == [date(2026, 4, 3)]


def test_extensions_granted_at_once_are_all_counted(pg_engine, world):  # noqa: F811
    officer = Actor("Văn phòng", "cli", role=MemberRole.OFFICER)
    with Session(pg_engine) as first, Session(pg_engine) as second:
        a1 = first.get(Assignment, world.assignment.id)
        a2 = second.get(Assignment, world.assignment.id)    # both read extensions == 0
        move_due(first, assignment=a1, new_due=date(2026, 3, 27), actor=officer, now=NOW)
        first.commit()
        move_due(second, assignment=a2, new_due=date(2026, 4, 3), actor=officer, now=NOW)
        second.commit()
    with Session(pg_engine) as s:
        a = s.get(Assignment, world.assignment.id)
        assert (a.due_on, a.extensions) == (date(2026, 4, 3), 2)
    history = sorted(_changes(pg_engine, "due_on"), key=lambda c: c.id)
    assert [(c.before, c.after) for c in history] == [("2026-03-20", "2026-03-27"), ("2026-03-27", "2026-04-03")]


async def test_a_reminder_round_runs_on_one_worker_at_a_time(pg_engine, world, settings):  # noqa: F811
    from scheduler import jobs
    from storage.locks import once_across_workers
    from tests.reminders_world import at
    world.link(world.get(Unit, world.unit_id))
    jobs._RUNTIMES["pg"] = jobs.Runtime(pg_engine, settings, {}, clock=lambda: at(date(2026, 3, 20), "09:00"))
    try:
        with once_across_workers(pg_engine, jobs.JOB_ID) as busy:   # another worker is in its round
            assert busy and await jobs.tick("pg") is None
            assert world.reminders() == []                          # this one planned and claimed nothing
        done = await jobs.tick("pg")                                 # the lock is free again
        assert done is not None and done.planned >= 1 and world.reminders()
    finally:
        jobs._RUNTIMES.pop("pg")


def test_a_dead_workers_lock_is_free_for_the_others(pg_engine):  # noqa: F811
    from storage.locks import once_across_workers
    url = pg_engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    dying = psycopg.connect(url, autocommit=True)
    dying.execute("SELECT pg_advisory_lock(hashtext('probe'))")
    with once_across_workers(pg_engine, "reminder-round") as mine:
        assert mine        # a different job's lock does not block this one
    key = zlib.crc32(b"nhacviec:reminder-round")
    dying.execute("SELECT pg_advisory_lock(%s)", (key,))
    with once_across_workers(pg_engine, "reminder-round") as mine:
        assert not mine
    pid = dying.execute("SELECT pg_backend_pid()").fetchone()[0]
    with psycopg.connect(url, autocommit=True) as admin:   # the worker dies: its session ends (waited for)
        assert admin.execute("SELECT pg_terminate_backend(%s, 30000)", (pid,)).fetchone()[0]
    dying.close()
    with once_across_workers(pg_engine, "reminder-round") as mine:
        assert mine
