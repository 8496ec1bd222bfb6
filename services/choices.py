"""Numbered choices for channels without buttons: the options of the bot's latest message to a person, kept apart
from pending questions. A latest message without options leaves an empty list: numbers then answer nothing."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlmodel import Session, select

from storage.models import ChatState

SUFFIX = "#choices"
SENT = "#choices-sent"   # the message ids that carried the standing numbers (a long text is sent in parts)
HOURS = 12


def _row(session: Session, channel: str, chat_id: str, user_key: str) -> ChatState | None:
    return session.exec(select(ChatState).where(ChatState.channel == channel, ChatState.chat_id == chat_id,
                                                 ChatState.user_key == user_key + SUFFIX)).first()


def save_choices(session: Session, *, channel: str, chat_id: str, user_key: str, data: list[str],
                 now: datetime) -> None:
    """Remember what '1', '2'… mean for this person in this chat (nothing, when `data` is empty); no commit."""
    state = _row(session, channel, chat_id, user_key) or ChatState(
        channel=channel, chat_id=chat_id, user_key=user_key + SUFFIX, kind="choices", expires_at=now)
    state.payload, state.expires_at = json.dumps(data), now + timedelta(hours=HOURS)
    session.add(state)


def save_carrier(session: Session, *, channel: str, chat_id: str, user_key: str, message_ids: list[str],
                 now: datetime) -> None:
    """Remember which sent messages carried the numbers saved last (a quote of another message is not their
    question); no commit."""
    state = session.exec(select(ChatState).where(ChatState.channel == channel, ChatState.chat_id == chat_id,
                                                 ChatState.user_key == user_key + SENT)).first() or ChatState(
        channel=channel, chat_id=chat_id, user_key=user_key + SENT, kind="choices-sent", expires_at=now)
    state.payload, state.expires_at = json.dumps(message_ids), now + timedelta(hours=HOURS)
    session.add(state)


def owners(*, sender_id: str, chat_id: str, group: bool) -> tuple[str, ...]:
    """Whose numbers a person's number may answer: their own; in a group, also the group's (a reminder's)."""
    return (sender_id, chat_id) if group else (sender_id,)


def quotes_another(session: Session, *, channel: str, chat_id: str, user_keys: tuple[str, ...], quoted: str | None,
                   now: datetime) -> bool:
    """True when `quoted` (the message a number was sent as a reply to) is known not to be a message whose numbers
    stand for these keys (the person; in a group also the group's own): "3" quoting an older list must not answer
    the latest one."""
    if not quoted:
        return False
    carriers: set[str] = set()
    known = False
    for key in user_keys:
        state = session.exec(select(ChatState).where(ChatState.channel == channel, ChatState.chat_id == chat_id,
                                                     ChatState.user_key == key + SENT)).first()
        if state is not None and state.expires_at >= now:
            known = True
            carriers.update(json.loads(state.payload))
    return known and str(quoted) not in carriers


def load_choices(session: Session, *, channel: str, chat_id: str, user_key: str, now: datetime) -> list[str]:
    """The options '1', '2'… currently stand for (empty when none or expired)."""
    state = _row(session, channel, chat_id, user_key)
    if state is None or state.expires_at < now:
        return []
    return json.loads(state.payload)


def load_member_choices(session: Session, *, channel: str, chat_id: str, user_key: str, now: datetime) -> list[str]:
    """In a group: the options of the bot's latest message to this member, their own (an answer to them) or one
    sent to the whole group (a reminder), whichever came later; their own when both came at once."""
    rows = [row for row in (_row(session, channel, chat_id, user_key), _row(session, channel, chat_id, chat_id))
            if row is not None and row.expires_at >= now]
    if not rows:
        return []
    return json.loads(max(rows, key=lambda row: row.expires_at).payload)  # max keeps the first of equals


def retired(session: Session, *, channel: str, chat_id: str, user_key: str, now: datetime) -> bool:
    """True when the bot's latest message to this person, within the hours numbers last, had no numbered choices."""
    state = _row(session, channel, chat_id, user_key)
    return state is not None and state.expires_at >= now and json.loads(state.payload) == []


# Choices that act on one assignment, its id second: "s:12:done", "open:12", "x:12", "sn:12:1"…
_ABOUT_KINDS = {"s", "open", "x", "xd", "pick", "ev", "sn", "ci", "cid"}


def recent_about(session: Session, *, channel: str, chat_id: str, user_key: str, since: datetime) -> list[int]:
    """The assignments the bot's latest message to this person in this chat offered choices about, when it was sent
    after `since` ([] otherwise, or when it had none)."""
    state = _row(session, channel, chat_id, user_key)
    if state is None or state.expires_at - timedelta(hours=HOURS) < since:
        return []
    ids = []
    for data in json.loads(state.payload):
        kind, _sep, rest = data.partition(":")
        number = rest.split(":", 1)[0]
        if kind in _ABOUT_KINDS and number.isdigit():
            ids.append(int(number))
    return list(dict.fromkeys(ids))
