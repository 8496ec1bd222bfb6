"""Chat people, the chats reminders go to, invites, and what makes updates idempotent."""
from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Column, Field, SQLModel, UniqueConstraint

from storage.types import UTCDateTime, utcnow


class MemberRole:
    MEMBER = "member"
    HEAD = "head"
    OFFICER = "officer"
    ALL = (MEMBER, HEAD, OFFICER)


class ChatUser(SQLModel, table=True):
    """A person on one channel, linked to a unit with a role."""

    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    external_id: str
    display_name: str = ""
    lang: str = "vi"
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    role: str = MemberRole.MEMBER
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class ChatLink(SQLModel, table=True):
    """A chat (private or group) that receives a unit's reminders."""

    __table_args__ = (UniqueConstraint("channel", "chat_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    chat_id: str = Field(index=True)
    kind: str = "private"            # private | group
    unit_id: int = Field(foreign_key="unit.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="chatuser.id")
    role: str = MemberRole.MEMBER
    lang: str = "vi"
    active: bool = True
    inactive_reason: str | None = None
    last_inbound_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Invite(SQLModel, table=True):
    """A join code for a unit with a role; counts its uses and expires."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=32)
    unit_id: int = Field(foreign_key="unit.id")
    role: str = MemberRole.MEMBER
    max_uses: int = 1
    used: int = 0
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class InviteAttempt(SQLModel, table=True):
    """A wrong join code typed in a chat: counted to stop guessing (per chat and overall)."""

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))


class ProcessedUpdate(SQLModel, table=True):
    """An inbound update already applied (Telegram update_id, Zalo event id…)."""

    __table_args__ = (UniqueConstraint("channel", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    key: str
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class InboundEvent(SQLModel, table=True):
    """A webhook event we answered 200 to, kept until it is handled: a restart handles what a stop interrupted."""

    __table_args__ = (UniqueConstraint("channel", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    key: str
    payload: str                      # the event as Zalo or Telegram sent it (JSON)
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True, index=True))
    claimed_by: str | None = Field(default=None, max_length=128)  # "host:pid:token" of the worker handling it
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class MessageRef(SQLModel, table=True):
    """Which assignments a sent message (reminder, task card) was about, for replies and quotes."""

    __table_args__ = (UniqueConstraint("channel", "chat_id", "message_id", "assignment_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    chat_id: str = Field(index=True)
    message_id: str = Field(index=True)
    assignment_id: int = Field(foreign_key="assignment.id")
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class ExtensionRequest(SQLModel, table=True):
    """A unit's request for a later due date, decided by an officer."""

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    requested_by: int | None = Field(default=None, foreign_key="chatuser.id")
    requested_on: date
    previous_due_on: date | None = None
    reason: str = ""
    state: str = "pending"           # pending | approved | rejected
    decided_by: int | None = Field(default=None, foreign_key="chatuser.id")
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class ChatState(SQLModel, table=True):
    """A question the bot is waiting on in a chat (which task? which date?)."""

    __table_args__ = (UniqueConstraint("channel", "chat_id", "user_key"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    chat_id: str
    user_key: str
    kind: str
    payload: str = "{}"
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class KeyValue(SQLModel, table=True):
    """Small runtime state (Zalo OA tokens…) updated with a version check."""

    key: str = Field(primary_key=True, max_length=128)
    value: str = ""
    version: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
