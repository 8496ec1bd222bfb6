"""The webhook journal: every authentic event (Zalo Bot, Zalo OA, Telegram) is written before the sender gets its
200, claimed by the worker that handles it, and marked done once handled.

Neither Zalo nor Telegram resends an event we acknowledged, so an event answered but not handled when a worker
stops (or is killed) would be lost. Another worker — or the same one at its next start — takes over events
whose claim is abandoned (storage.claims: at once when the worker's process is gone on this machine, after
STALE_CLAIM without renewal otherwise — the handling worker renews its claim every STALE_CLAIM / 4). Rows are
taken with `FOR UPDATE SKIP LOCKED` on PostgreSQL and a compare-and-set on the claim everywhere, so two workers
never take the same event. Should an event still be handled twice (a claim taken over from a worker that was
stuck), the router's table of processed updates applies it once.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.claims import HOST, abandoned
from storage.models import InboundEvent

NEW, TAKEN, PENDING, DONE = "new", "taken", "pending", "done"
MINE = (NEW, TAKEN)          # the caller handles the event
STALE_CLAIM = timedelta(minutes=2)
BATCH = 100


def record_event(session: Session, *, channel: str, key: str, payload: str, now: datetime, me: str) -> str:
    """Journal an event, claimed by `me` (commits, so it is safe before the 200).

    NEW: first time, ours to handle; TAKEN: seen before, unfinished and its claim abandoned, ours now;
    PENDING: another live worker (or this one) is handling it; DONE: handled before, a replay.
    """
    seen = _find(session, channel, key)
    if seen is not None:
        if seen.done_at is not None:
            return DONE
        if abandoned(seen.claimed_by, seen.claimed_at, now=now, me=me, stale=STALE_CLAIM) and _take(
                session, seen.id, seen.claimed_by, now, me):
            session.commit()
            return TAKEN
        session.rollback()
        return PENDING
    session.add(InboundEvent(channel=channel, key=key, payload=payload, received_at=now, claimed_by=me,
                             claimed_at=now))
    try:
        session.commit()
    except IntegrityError:  # the same event arrived twice at once (two workers): the other one has it
        session.rollback()
        return PENDING
    return NEW


def claim_pending(session: Session, *, channels: tuple[str, ...], now: datetime, me: str,
                  limit: int = BATCH) -> list[tuple[str, str, str]]:
    """Take up to `limit` unfinished events whose claim is abandoned: (channel, key, payload), oldest first.

    No commit: the caller commits, which is when the claims become visible (and the row locks go).
    """
    q = (select(InboundEvent)
         .where(InboundEvent.channel.in_(channels), InboundEvent.done_at == None,  # noqa: E711
                or_(InboundEvent.claimed_by == None, InboundEvent.claimed_at == None,  # noqa: E711
                    InboundEvent.claimed_at < now - STALE_CLAIM,
                    and_(InboundEvent.claimed_by.like(f"{HOST}:%"), InboundEvent.claimed_by != me)))
         .order_by(InboundEvent.id).limit(limit).with_for_update(skip_locked=True))
    rows = [(e.id, e.claimed_by, e.channel, e.key, e.payload) for e in session.exec(q)
            if abandoned(e.claimed_by, e.claimed_at, now=now, me=me, stale=STALE_CLAIM)]
    return [(channel, key, payload) for event_id, holder, channel, key, payload in rows
            if _take(session, event_id, holder, now, me)]


def _take(session: Session, event_id: int, holder: str | None, now: datetime, me: str) -> bool:
    """Compare-and-set: the claim becomes `me`'s only if nobody changed it since it was read. No commit."""
    table = InboundEvent.__table__
    same_holder = table.c.claimed_by.is_(None) if holder is None else table.c.claimed_by == holder
    result = session.execute(update(table).where(table.c.id == event_id, table.c.done_at.is_(None), same_holder)
                             .values(claimed_by=me, claimed_at=now))
    return result.rowcount == 1


def renew_claim(session: Session, *, channel: str, key: str, now: datetime, me: str) -> bool:
    """`me` is still handling the event: its claim is dated `now` (False when it is no longer `me`'s). No commit."""
    table = InboundEvent.__table__
    result = session.execute(update(table).where(table.c.channel == channel, table.c.key == key,
                                                 table.c.claimed_by == me, table.c.done_at.is_(None))
                             .values(claimed_at=now))
    return result.rowcount == 1


def mark_done(session: Session, *, channel: str, key: str, now: datetime) -> None:
    """The event was handled (or failed in a way a replay would repeat). No commit."""
    seen = _find(session, channel, key)
    if seen is not None and seen.done_at is None:
        seen.done_at = now
        session.add(seen)


def prune_done(session: Session, *, before: datetime) -> int:
    """Forget handled events received before `before` (the router keeps its own record of them). No commit."""
    result = session.exec(delete(InboundEvent).where(InboundEvent.done_at != None,  # noqa: E711
                                                     InboundEvent.received_at < before))
    return result.rowcount or 0


def _find(session: Session, channel: str, key: str) -> InboundEvent | None:
    return session.exec(select(InboundEvent).where(InboundEvent.channel == channel,
                                                   InboundEvent.key == key)).first()
