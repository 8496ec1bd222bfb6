"""The webhook journal: every authentic event is written before Zalo gets its 200, and marked done once handled.

Zalo does not resend an event we acknowledged, so an event answered but not yet handled when the process stops
would be lost; at start the events still pending are handled. Replays are harmless: the router's table of
processed updates applies each event once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import InboundEvent

NEW, PENDING, DONE = "new", "pending", "done"


def record_event(session: Session, *, channel: str, key: str, payload: str, now: datetime) -> str:
    """Journal an event (commits, so it is safe before the 200): new, or pending/done when seen before."""
    seen = _find(session, channel, key)
    if seen is not None:
        return DONE if seen.done_at else PENDING
    session.add(InboundEvent(channel=channel, key=key, payload=payload, received_at=now))
    try:
        session.commit()
    except IntegrityError:  # the same event arrived twice at once
        session.rollback()
        return PENDING
    return NEW


def mark_done(session: Session, *, channel: str, key: str, now: datetime) -> None:
    """The event was handled (or failed in a way a replay would repeat). No commit."""
    seen = _find(session, channel, key)
    if seen is not None and seen.done_at is None:
        seen.done_at = now
        session.add(seen)


def pending_events(session: Session, *, channels: tuple[str, ...]) -> list[InboundEvent]:
    """Events answered but never handled, oldest first."""
    return list(session.exec(select(InboundEvent).where(InboundEvent.channel.in_(channels),
                                                        InboundEvent.done_at == None)  # noqa: E711
                             .order_by(InboundEvent.id)))


def prune_done(session: Session, *, before: datetime) -> int:
    """Forget handled events received before `before` (the router keeps its own record of them). No commit."""
    result = session.exec(delete(InboundEvent).where(InboundEvent.done_at != None,  # noqa: E711
                                                     InboundEvent.received_at < before))
    return result.rowcount or 0


def _find(session: Session, channel: str, key: str) -> InboundEvent | None:
    return session.exec(select(InboundEvent).where(InboundEvent.channel == channel,
                                                   InboundEvent.key == key)).first()
