"""Reminder rows through their life: planned once, claimed by one sender, then sent, failed or skipped.

Keyword-only functions taking the session first; none commits (the round does, at the points
where a crash must find the state on disk: after planning, after claiming, after each send).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache, lru_cache

from sqlalchemy import bindparam, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from reminders.planning import IN_CHUNK, Due
from storage.claims import HOST, abandoned, worker_id  # noqa: F401  (HOST: the tests name workers by it)
from storage.models import KeyValue, MessageRef, Reminder, ReminderSnooze, ReminderState
from storage.prebuilt import run
from storage.types import utcnow

PLANNED_THROUGH = "reminders.planned_through"
PLANNED_DAY = "reminders.planned:"   # + ISO day: one row per working day a round planned
HOLD_PREFIX = "reminders.hold."
STALE_CLAIM = timedelta(minutes=10)
ME = worker_id()


def _chunks(items: list, size: int = IN_CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def insert_planned(session: Session, *, dues: list[Due], now: datetime, skipped: set[str] = frozenset()) -> int:
    """Store reminders not stored yet (INSERT … ON CONFLICT DO NOTHING on the key); returns how many."""
    # Each round plans today again, so most keys exist already: they are left out before inserting. (Letting
    # ON CONFLICT skip them would cost PostgreSQL a sequence number per key per round: every minute, all day.)
    new = _not_stored(session, dues)
    if not new:
        return 0
    rows = [{"key": d.key, "assignment_id": d.assignment_id, "link_id": d.link_id, "kind": d.kind, "day": d.day,
             "late": d.late, "state": ReminderState.SKIPPED if d.key in skipped else ReminderState.PENDING,
             "attempts": 0, "next_attempt_at": now, "created_at": now} for d in new]
    statement = _insert_planned_statement(session.get_bind().dialect.name)
    for part in _chunks(rows):
        run(session, statement, part)
    return len(new)


@lru_cache(maxsize=4)
def _insert_planned_statement(dialect_name: str):
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(Reminder.__table__).on_conflict_do_nothing(index_elements=["key"])


@cache
def _keys_statement():
    return select(Reminder.key).where(Reminder.key.in_(bindparam("keys", expanding=True)))


def _not_stored(session: Session, dues: list[Due]) -> list[Due]:
    by_key = {d.key: d for d in dues}
    for part in _chunks(list(by_key)):
        for key in run(session, _keys_statement(), {"keys": part}).scalars():
            by_key.pop(key, None)
    return list(by_key.values())


def stored_keys(session: Session, *, keys: list[str], states: tuple[str, ...]) -> set[str]:
    """Which of these keys exist in one of `states`."""
    found: set[str] = set()
    for part in _chunks(keys):
        found.update(session.exec(select(Reminder.key).where(Reminder.key.in_(part), Reminder.state.in_(states))))
    return found


def planned_through(session: Session) -> date | None:
    """The last day whose reminders were planned (None before the first round)."""
    row = session.get(KeyValue, PLANNED_THROUGH)
    return date.fromisoformat(row.value) if row and row.value else None


def set_planned_through(session: Session, *, day: date, now: datetime) -> None:
    """Remember that every day up to `day` is planned."""
    row = session.get(KeyValue, PLANNED_THROUGH) or KeyValue(key=PLANNED_THROUGH)
    if row.value and date.fromisoformat(row.value) >= day:
        return
    row.value, row.version, row.updated_at = day.isoformat(), row.version + 1, now
    session.add(row)


def last_planned_before(session: Session, *, day: date) -> date | None:
    """The latest day before `day` that a round planned, whatever rounds ran as of later moments since."""
    keys = select(KeyValue.key).where(KeyValue.key >= PLANNED_DAY, KeyValue.key < PLANNED_DAY + day.isoformat())
    key = session.exec(keys.order_by(KeyValue.key.desc()).limit(1)).first()
    through = planned_through(session)   # databases planned before days were recorded one by one
    found = [d for d in (date.fromisoformat(key[len(PLANNED_DAY):]) if key else None, through)
             if d is not None and d < day]
    return max(found, default=None)


def mark_planned(session: Session, *, day: date, now: datetime) -> None:
    """Remember that `day` is planned (a concurrent round may do the same: no conflict)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(KeyValue).values(key=PLANNED_DAY + day.isoformat(), value="", version=1,
                                                    updated_at=now).on_conflict_do_nothing(index_elements=["key"]))


def channel_hold(session: Session, *, channel: str) -> datetime | None:
    """Until when a channel asked us to wait (429 retry_after), if it did."""
    row = session.get(KeyValue, HOLD_PREFIX + channel)
    return datetime.fromisoformat(row.value) if row and row.value else None


def set_channel_hold(session: Session, *, channel: str, until: datetime, now: datetime) -> None:
    """Send nothing more on `channel` before `until`."""
    row = session.get(KeyValue, HOLD_PREFIX + channel) or KeyValue(key=HOLD_PREFIX + channel)
    row.value, row.version, row.updated_at = until.isoformat(), row.version + 1, now
    session.add(row)


STOP_PREFIX = "channel.stopped."


def stop_channel(session: Session, *, channel: str, reason: str, now: datetime) -> bool:
    """Record that `channel` cannot send until an operator acts; True the first time (officers to be told)."""
    row = session.get(KeyValue, STOP_PREFIX + channel)
    if row is not None and row.value:
        return False
    row = row or KeyValue(key=STOP_PREFIX + channel)
    row.value, row.version, row.updated_at = f"{reason}@{now.isoformat()}", row.version + 1, now
    session.add(row)
    return True


def channel_stopped(session: Session, *, channel: str) -> str | None:
    """Why `channel` is stopped ("billing", "token_rejected"…), or None when it sends."""
    row = session.get(KeyValue, STOP_PREFIX + channel)
    return row.value.split("@", 1)[0] if row is not None and row.value else None


def resume_channel(session: Session, *, channel: str) -> None:
    """`channel` sent again: forget the stop, so a later one is reported anew."""
    # After every message sent: one UPDATE that usually changes nothing, rather than loading the row each time.
    run(session, _resume_statement(), {"stop_key": STOP_PREFIX + channel})


@cache
def _resume_statement():
    table = KeyValue.__table__
    return update(table).where(table.c.key == bindparam("stop_key"), table.c.value != "").values(value="")


def recover_stale(session: Session, *, now: datetime, me: str = ME) -> int:
    """Claims of dead senders (or older than 10 minutes) go back to pending; returns how many.

    A sender killed between the channel's answer and its commit leaves its message 'sending':
    sent again, that one is the only duplicate a kill can cause.
    """
    stale = [r.id for r in session.exec(select(Reminder).where(Reminder.state == ReminderState.SENDING))
             if _abandoned(r, now, me)]
    for part in _chunks(stale):
        session.execute(update(Reminder).where(Reminder.id.in_(part), Reminder.state == ReminderState.SENDING)
                        .values(state=ReminderState.PENDING, claimed_by=None, claimed_at=None, next_attempt_at=now,
                                attempts=Reminder.attempts + 1))  # an attempt whose outcome is unknown
    return len(stale)


def _abandoned(row: Reminder, now: datetime, me: str) -> bool:
    return abandoned(row.claimed_by, row.claimed_at, now=now, me=me, stale=STALE_CLAIM)


def due_rows(session: Session, *, now: datetime, limit: int | None = None) -> list[Reminder]:
    """Pending reminders whose time has come, oldest first (the (state, next_attempt_at) index)."""
    if limit:
        return list(session.exec(_due_statement().limit(limit), params={"now": now}))
    return list(session.exec(_due_statement(), params={"now": now}))


@cache
def _due_statement():
    return (select(Reminder).where(Reminder.state == ReminderState.PENDING,
                                   Reminder.next_attempt_at <= bindparam("now", type_=Reminder.__table__.c.next_attempt_at.type))
            .order_by(Reminder.id))


def claim(session: Session, *, ids: list[int], now: datetime, me: str = ME) -> list[int]:
    """Take these reminders for sending; returns the ids this sender got (others may have won some)."""
    got: list[int] = []
    for part in _chunks(ids):
        got += run(session, _claim_statement(), {"ids": part, "me": me, "now": now}).scalars().all()
    return got


@cache
def _claim_statement():
    table = Reminder.__table__
    return (update(table).where(table.c.id.in_(bindparam("ids", expanding=True)), table.c.state == ReminderState.PENDING)
            .values(state=ReminderState.SENDING, claimed_by=bindparam("me", type_=table.c.claimed_by.type),
                    claimed_at=bindparam("now", type_=table.c.claimed_at.type))
            .returning(table.c.id))


def _finish(session: Session, ids: list[int], me: str, **values) -> None:
    # Core statements on the table, built once per set of columns: this runs once per message sent.
    statement = _finish_statement(tuple(sorted(values)))
    for part in _chunks(ids):
        run(session, statement, {"ids": part, "me": me, **{f"new_{k}": v for k, v in values.items()}})


@lru_cache(maxsize=16)
def _finish_statement(columns: tuple[str, ...]):
    table = Reminder.__table__
    return (update(table).where(table.c.id.in_(bindparam("ids", expanding=True)),
                                table.c.state == ReminderState.SENDING, table.c.claimed_by == bindparam("me"))
            .values({c: bindparam(f"new_{c}", type_=table.c[c].type) for c in columns}))


@cache
def _add_refs():
    return insert(MessageRef.__table__)


def mark_sent(session: Session, *, ids: list[int], now: datetime, message_ids: list[str], channel: str,
              chat_id: str, about: list[int], me: str = ME, received_at: datetime | None = None) -> None:
    """Sent: remember the message, and which assignments it was about (so a reply applies to them).

    `received_at` (default `now`) dates the message for the chat: a bare "xong" soon after it answers it.
    """
    _finish(session, ids, me, state=ReminderState.SENT, sent_at=now, message_id=message_ids[-1] if message_ids
            else None, last_error=None)
    refs = [{"channel": channel, "chat_id": str(chat_id), "message_id": str(message_id), "assignment_id": aid,
             "at": received_at or now} for message_id in message_ids for aid in dict.fromkeys(about)]
    if refs:
        run(session, _add_refs(), refs)


def mark_skipped(session: Session, *, ids: list[int], reason: str, me: str = ME) -> None:
    """Not sent on purpose (done meanwhile, date moved, too old, chat gone): recorded, never retried."""
    _finish(session, ids, me, state=ReminderState.SKIPPED, last_error=reason[:500])


def mark_failed(session: Session, *, ids: list[int], reason: str, me: str = ME) -> None:
    """The channel will never take it (blocked, kicked, chat gone) or retries ran out."""
    _finish(session, ids, me, state=ReminderState.FAILED, last_error=reason[:500])


def release(session: Session, *, ids: list[int], at: datetime, error: str | None = None, count: bool = True,
            max_attempts: int = 6, me: str = ME) -> int:
    """Back to pending until `at` (backoff or retry_after); failed once `max_attempts` is reached."""
    failed = 0
    for row in session.exec(select(Reminder).where(Reminder.id.in_(ids), Reminder.claimed_by == me,
                                                   Reminder.state == ReminderState.SENDING)):
        row.attempts += 1 if count else 0
        row.last_error = (error or row.last_error or "")[:500] or None
        row.claimed_by, row.claimed_at, row.next_attempt_at = None, None, at
        row.state = ReminderState.FAILED if count and row.attempts >= max_attempts else ReminderState.PENDING
        failed += row.state == ReminderState.FAILED
        session.add(row)
    return failed


def snooze(session: Session, *, link_id: int, assignment_id: int, until: date) -> ReminderSnooze:
    """Hold this chat's reminders of this task until `until` (a later press replaces an earlier one)."""
    row = session.exec(select(ReminderSnooze).where(ReminderSnooze.link_id == link_id,
                                                    ReminderSnooze.assignment_id == assignment_id)).first()
    row = row or ReminderSnooze(link_id=link_id, assignment_id=assignment_id, until=until, created_at=utcnow())
    row.until = until
    session.add(row)
    return row


def snoozed_until(session: Session, *, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], date]:
    """Snooze end per (link, assignment) among `pairs`."""
    found: dict[tuple[int, int], date] = {}
    assignment_ids = sorted({a for _link, a in pairs})
    for part in _chunks(assignment_ids):
        for row in session.exec(select(ReminderSnooze).where(ReminderSnooze.assignment_id.in_(part))):
            if (row.link_id, row.assignment_id) in pairs:
                found[(row.link_id, row.assignment_id)] = row.until
    return found
