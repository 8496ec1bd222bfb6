"""People on chat channels: who they are, which unit, which role, where to reach them."""
from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from storage.models import Channel, ChatLink, ChatUser, KeyValue, MemberRole, Unit
from storage.prebuilt import run
from storage.types import utcnow

# Why a chat was closed that its writing to us again undoes (the bot unblocked, Zalo's window open again).
REOPENED_BY_WRITING = ("no_interaction", "blocked", "zalo_unreachable", "held_window")
REMOVED = "removed"  # inactive_reason of a removed person's chats: never reopened by a message from them


@cache
def _user_q():
    return select(ChatUser).where(ChatUser.channel == bindparam("channel"), ChatUser.external_id == bindparam("external_id"))


@cache
def _touch_q():
    table = ChatLink.__table__
    return (update(table).where(table.c.channel == bindparam("b_channel"), table.c.chat_id == bindparam("b_chat_id"))
            .values(last_inbound_at=bindparam("b_at")))


@cache
def _unit_active_q():
    return select(Unit.active).where(Unit.id == bindparam("id"))


def unit_removed(session: Session, *, unit_id: int) -> bool:
    """True when the unit was removed from the directory (a unit with no row at all is not a removal).

    Asked on every update: one prebuilt query for the flag, not an ORM load of the unit."""
    return run(session, _unit_active_q(), {"id": unit_id}).scalar() is False


def find_user(session: Session, *, channel: str, external_id: str) -> ChatUser | None:
    """The person with this id on this channel, if known."""
    return session.exec(_user_q(), params={"channel": channel, "external_id": external_id}).first()


_LOOK_UP = object()


def ensure_user(session: Session, *, channel: str, external_id: str, name: str,
                found=_LOOK_UP) -> tuple[ChatUser, bool]:
    """The person, created unlinked on first contact, and whether their chat now shows another name.

    A new name is the person's at once for this turn but not written: call `keep_name` when the turn ends. A write
    holds SQLite's lock until the commit, and a turn may await a file's download first.
    `found`: the person as already looked up (or None: not known), when the caller has asked (the router's
    `conversation.arrive`)."""
    user = find_user(session, channel=channel, external_id=external_id) if found is _LOOK_UP else found
    if user is None:
        user = ChatUser(channel=channel, external_id=external_id, display_name=name)
        session.add(user)
        session.flush()
        return user, False
    if name and user.display_name != name:
        set_committed_value(user, "display_name", name)
        return user, True
    return user, False


@cache
def _rename_q():
    table = ChatUser.__table__
    return update(table).where(table.c.id == bindparam("b_id")).values(display_name=bindparam("b_name"))


def keep_name(session: Session, *, user_id: int, name: str) -> None:
    """Write the name `ensure_user` found changed (no commit)."""
    run(session, _rename_q(), {"b_id": user_id, "b_name": name})


def group_link(session: Session, *, channel: str, chat_id: str) -> ChatLink | None:
    """The active unit link of a group chat."""
    return session.exec(select(ChatLink).where(ChatLink.channel == channel, ChatLink.chat_id == chat_id,
                                               ChatLink.kind == "group", ChatLink.active == True)).first()  # noqa: E712


def unlink_group(session: Session, *, channel: str, chat_id: str, keep_unit_id: int) -> list[ChatLink]:
    """A group linked to another unit: close its links to every other unit (reason "relinked"); returns them."""
    links = list(session.exec(select(ChatLink).where(
        ChatLink.channel == channel, ChatLink.chat_id == chat_id, ChatLink.kind == "group",
        ChatLink.active == True, ChatLink.unit_id != keep_unit_id)))  # noqa: E712
    for link in links:
        link.active, link.inactive_reason = False, "relinked"
        session.add(link)
    session.flush()
    return links


def link_chat(session: Session, *, channel: str, chat_id: str, kind: str, unit: Unit, user: ChatUser | None,
              role: str, lang: str) -> ChatLink:
    """Make `chat_id` receive `unit`'s reminders (reactivates an old link)."""
    link = session.exec(select(ChatLink).where(ChatLink.channel == channel, ChatLink.chat_id == chat_id,
                                               ChatLink.unit_id == unit.id)).first()
    if link is None:
        link = ChatLink(channel=channel, chat_id=chat_id, kind=kind, unit_id=unit.id)
    link.user_id = user.id if user and kind == "private" else link.user_id
    link.role, link.lang, link.active, link.inactive_reason = role, lang, True, None
    session.add(link)
    session.flush()
    return link


def officer_links(session: Session) -> list[ChatLink]:
    """Private chats of every active officer (the CCHC desk and leaders)."""
    q = (select(ChatLink).join(ChatUser, ChatUser.id == ChatLink.user_id)
         .where(ChatUser.role == MemberRole.OFFICER, ChatUser.active == True,  # noqa: E712
                ChatLink.active == True, ChatLink.kind == "private"))  # noqa: E712
    return list(session.exec(q))


def head_links(session: Session, *, unit_id: int) -> list[ChatLink]:
    """Private chats of the unit's heads."""
    q = (select(ChatLink).join(ChatUser, ChatUser.id == ChatLink.user_id)
         .where(ChatUser.unit_id == unit_id, ChatUser.role == MemberRole.HEAD, ChatUser.active == True,  # noqa: E712
                ChatLink.active == True, ChatLink.kind == "private"))  # noqa: E712
    return list(session.exec(q))


def deactivate_chat(session: Session, *, channel: str, chat_id: str, reason: str) -> list[ChatLink]:
    """Mark every link of a chat inactive (bot blocked, kicked, chat gone); returns them."""
    links = list(session.exec(select(ChatLink).where(ChatLink.channel == channel, ChatLink.chat_id == chat_id,
                                                     ChatLink.active == True)))  # noqa: E712
    for link in links:
        link.active, link.inactive_reason = False, reason
        session.add(link)
    return links


def migrate_chat(session: Session, *, channel: str, old_chat_id: str, new_chat_id: str) -> int:
    """A group became a supergroup: its id changed; move every link, and remember where the old id went (the
    buttons of messages sent before still arrive with it)."""
    links = list(session.exec(select(ChatLink).where(ChatLink.channel == channel, ChatLink.chat_id == old_chat_id)))
    for link in links:
        link.chat_id = new_chat_id
        session.add(link)
    if links:
        key = _moved_key(channel, old_chat_id)
        moved = session.get(KeyValue, key) or KeyValue(key=key)
        moved.value, moved.updated_at = new_chat_id, utcnow()
        session.add(moved)
    return len(links)


def _moved_key(channel: str, chat_id: str) -> str:
    return f"chat_moved:{channel}:{chat_id}"[:128]


def moved_group_link(session: Session, *, channel: str, chat_id: str) -> ChatLink | None:
    """The active unit link of the supergroup a group became (a button under a message sent before the move)."""
    moved = session.get(KeyValue, _moved_key(channel, chat_id))
    return group_link(session, channel=channel, chat_id=moved.value) if moved is not None else None


def touch_inbound(session: Session, *, channel: str, chat_id: str, at: datetime) -> None:
    """Remember the last time a Zalo OA chat wrote to us (the OA may message it freely for 7 days after).

    Only there does the time matter; on other channels an answer to /viec or /overdue then writes nothing."""
    if channel != Channel.ZALO_OA:
        return
    run(session, _touch_q(), {"b_channel": channel, "b_chat_id": chat_id, "b_at": at})
    for link in session.identity_map.values():  # links of this chat already loaded see the new time too
        if isinstance(link, ChatLink) and link.channel == channel and link.chat_id == chat_id:
            set_committed_value(link, "last_inbound_at", at)


def links_of_user(session: Session, *, user_id: int) -> list[ChatLink]:
    """Every private chat link of a person."""
    return list(session.exec(select(ChatLink).where(ChatLink.user_id == user_id)))


def list_people(session: Session, *, unit_id: int | None = None, include_removed: bool = False) -> list[dict]:
    """Linked people (officers, heads, staff) with their unit and how many chats reach them."""
    q = select(ChatUser, Unit).join(Unit, Unit.id == ChatUser.unit_id).order_by(Unit.code, ChatUser.id)
    if unit_id is not None:
        q = q.where(ChatUser.unit_id == unit_id)
    if not include_removed:
        q = q.where(ChatUser.active == True)  # noqa: E712
    rows = []
    for user, unit in session.exec(q):
        chats = [link for link in links_of_user(session, user_id=user.id) if link.active]
        rows.append({"id": user.id, "channel": user.channel, "external_id": user.external_id,
                     "name": user.display_name, "unit": unit.code, "role": user.role, "active": user.active,
                     "chats": len(chats), "joined_at": user.created_at.isoformat()})
    return rows


def remove_person(session: Session, *, user_id: int) -> ChatUser | None:
    """Take a person's access away: no unit rights, no reminders, and writing to the bot does not reopen them.

    Their past answers stay in the history. A new invite from an officer can let them in again. No commit.
    """
    user = session.get(ChatUser, user_id)
    if user is None or user.unit_id is None:
        return None
    user.active = False
    session.add(user)
    for link in links_of_user(session, user_id=user.id):
        link.active, link.inactive_reason = False, REMOVED
        session.add(link)
    return user


def chat_has_links(session: Session, *, channel: str, chat_id: str) -> bool:
    """True when this chat is (or was) linked to some unit."""
    return session.exec(select(ChatLink.id).where(ChatLink.channel == channel, ChatLink.chat_id == chat_id)).first() \
        is not None


ZALO_UNREACHABLE = ("zalo_unreachable", "no_interaction", "held_window")


def unreachable_on_zalo(session: Session, *, unit_id: int | None = None) -> list[tuple[str, str, str]]:
    """(unit name, channel, reason) of Zalo chats closed because Zalo would not carry reminders to them."""
    q = (select(Unit.name, ChatLink.channel, ChatLink.inactive_reason).join(Unit, Unit.id == ChatLink.unit_id)
         .where(ChatLink.active == False, ChatLink.inactive_reason.in_(ZALO_UNREACHABLE))  # noqa: E712
         .order_by(Unit.name))
    if unit_id is not None:
        q = q.where(ChatLink.unit_id == unit_id)
    return list(dict.fromkeys(tuple(row) for row in session.exec(q)))


def reopen_chat(engine: Engine, *, channel: str, chat_id: str) -> int:
    """The chat reached us (a Zalo OA follow): links closed because it could not be reached are active again."""
    with Session(engine) as session:
        reopened = reopen_links(session, channel=channel, chat_id=chat_id)
        session.commit()
    return reopened


def reopen_links(session: Session, *, channel: str, chat_id: str) -> int:
    """The chat wrote to us: its links closed because it could not be reached (blocked, Zalo's window shut) are
    active again; a removed person's are not. No commit. Every message asks `conversation.arrive` first, so this
    runs only for a chat that has such links."""
    links = list(session.exec(select(ChatLink).where(
        ChatLink.channel == channel, ChatLink.chat_id == chat_id, ChatLink.active == False,  # noqa: E712
        ChatLink.inactive_reason.in_(REOPENED_BY_WRITING))))
    for link in links:
        link.active, link.inactive_reason = True, None
        session.add(link)
    return len(links)
