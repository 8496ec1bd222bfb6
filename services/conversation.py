"""What the conversation remembers: which tasks a sent message was about, pending questions, seen updates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, exists, insert
from sqlalchemy import select as core_select
from sqlmodel import Session, select

from services.people import REOPENED_BY_WRITING
from storage.models import ChatLink, ChatState, ChatUser, KeyValue, MessageRef, ProcessedUpdate, Unit
from storage.prebuilt import one_of, run
from storage.types import utcnow

# The statements every update runs are built once, with bound parameters: building one costs more than running it.


@cache
def _refs_of_message():
    return select(MessageRef.assignment_id).where(
        MessageRef.channel == bindparam("channel"), MessageRef.chat_id == bindparam("chat_id"),
        MessageRef.message_id == bindparam("message_id"))


@cache
def _last_ref():
    return (select(MessageRef.message_id, MessageRef.at)
            .where(MessageRef.channel == bindparam("channel"), MessageRef.chat_id == bindparam("chat_id"))
            .order_by(MessageRef.id.desc()).limit(1))


@cache
def _question():
    return select(ChatState).where(ChatState.channel == bindparam("channel"), ChatState.chat_id == bindparam("chat_id"),
                                   ChatState.user_key == bindparam("user_key"))


@cache
def _processed():
    return (select(ProcessedUpdate.id).where(ProcessedUpdate.channel == bindparam("channel"),
                                             ProcessedUpdate.key == bindparam("key")).limit(1))


def _seen_and_closed():
    """EXISTS (this update applied before), EXISTS (links of this chat closed for a reason its writing undoes)."""
    updates, links = ProcessedUpdate.__table__, ChatLink.__table__
    seen = exists().where(updates.c.channel == bindparam("channel"), updates.c.key == bindparam("key"))
    closed = exists().where(links.c.channel == bindparam("channel"), links.c.chat_id == bindparam("chat_id"),
                            links.c.active == False,  # noqa: E712
                            one_of(links.c.inactive_reason, REOPENED_BY_WRITING))
    return seen, closed


@cache
def _arrival():
    return core_select(*_seen_and_closed())


@cache
def _arrival_of_user():
    unit_active = core_select(Unit.active).where(Unit.id == ChatUser.unit_id).scalar_subquery()
    return (select(ChatUser, *_seen_and_closed(), unit_active)
            .where(ChatUser.channel == bindparam("channel"), ChatUser.external_id == bindparam("external_id")))


@dataclass
class Arrival:
    """What every incoming message asks first."""

    user: ChatUser | None        # the sender, if known on this channel
    seen: bool                   # this update was applied before (a redelivery)
    closed: bool                 # the chat has links closed because it could not be reached (its writing reopens them)
    unit_removed: bool | None    # the sender's unit was removed from the directory (None: no unit, or unknown)


@cache
def _add_processed():
    return insert(ProcessedUpdate.__table__)


def assignments_of_message(session: Session, *, channel: str, chat_id: str, message_id: str) -> list[int]:
    """Assignment ids a sent message (reminder, card, list) was about, in order, without repeats."""
    ids = run(session, _refs_of_message(), {"channel": channel, "chat_id": chat_id,
                                                            "message_id": message_id}).scalars().all()
    return list(dict.fromkeys(ids))


def last_message_about(session: Session, *, channel: str, chat_id: str, since: datetime) -> list[int]:
    """What the last message to this chat was about, if it was sent after `since`."""
    last = run(session, _last_ref(), {"channel": channel, "chat_id": chat_id}).first()
    if last is None or last.at < since:
        return []
    return assignments_of_message(session, channel=channel, chat_id=chat_id, message_id=last.message_id)


def pending_question(session: Session, *, channel: str, chat_id: str, user_key: str) -> ChatState | None:
    """The question the bot is waiting on from this person in this chat (expired or not)."""
    return session.exec(_question(), params={"channel": channel, "chat_id": chat_id, "user_key": user_key}).first()


def already_processed(session: Session, *, channel: str, key: str) -> bool:
    """True when this inbound update was applied before."""
    return run(session, _processed(), {"channel": channel, "key": key}).first() is not None


def arrive(session: Session, *, channel: str, key: str | None, chat_id: str, sender_id: str) -> Arrival:
    """The sender, whether this update was applied before, whether the chat has links its writing reopens, and
    whether the sender's unit was removed: one statement for a known sender (two for a first contact).

    Asked on every incoming message, before anything else; four separate look-ups cost twice as much."""
    params = {"channel": channel, "key": key, "chat_id": chat_id, "external_id": sender_id}
    row = session.exec(_arrival_of_user(), params=params).first()
    if row is None:
        seen, closed = run(session, _arrival(), params).one()
        return Arrival(None, bool(seen), bool(closed), None)
    user, seen, closed, unit_active = row
    return Arrival(user, bool(seen), bool(closed), None if unit_active is None else not unit_active)


def record_processed(session: Session, *, channel: str, key: str) -> None:
    """Write down that this update was applied (IntegrityError when it was, concurrently). No commit."""
    run(session, _add_processed(), {"channel": channel, "key": key, "at": utcnow()})


def claim_update(session: Session, *, channel: str, key: str) -> bool:
    """Record an inbound event as applied; False when it was applied before (a replay). No commit."""
    if already_processed(session, channel=channel, key=key):
        return False
    session.add(ProcessedUpdate(channel=channel, key=key))
    return True


def chat_link_for_unit(session: Session, *, channel: str, chat_id: str, unit_id: int) -> ChatLink | None:
    """The active link by which this chat receives that unit's reminders."""
    return session.exec(select(ChatLink).where(ChatLink.channel == channel, ChatLink.chat_id == chat_id,
                                               ChatLink.unit_id == unit_id, ChatLink.active == True)).first()  # noqa: E712


def unit_links(session: Session, *, unit_id: int) -> list[ChatLink]:
    """Every active chat of a unit."""
    return list(session.exec(select(ChatLink).where(ChatLink.unit_id == unit_id, ChatLink.active == True)))  # noqa: E712


def _numbers_key(channel: str, chat_id: str) -> str:
    return f"message-numbers:{channel}:{chat_id}"[:128]


def next_message_number(session: Session, *, channel: str, chat_id: str) -> int:
    """A message number never given before in this chat, across sessions (console "#n"); no commit."""
    row = session.get(KeyValue, _numbers_key(channel, chat_id)) or KeyValue(key=_numbers_key(channel, chat_id))
    number = int(row.value or 0) + 1
    row.value, row.version = str(number), row.version + 1
    session.add(row)
    return number


def last_message_number(session: Session, *, channel: str, chat_id: str) -> int:
    """The highest message number given in this chat (0 when none)."""
    row = session.get(KeyValue, _numbers_key(channel, chat_id))
    return int(row.value) if row and row.value else 0
