"""Reminders as rows: each one planned once, claimed, sent once; and snoozes chats asked for."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Column, Field, SQLModel, UniqueConstraint

from storage.models.plans import Assignment
from storage.types import UTCDateTime, utcnow

# Planning asks "which open assignments are due between these days?" every round: this index
# makes that a range scan whose cost follows what is due, not how many assignments exist.
ASSIGNMENT_DUE_INDEX = Index("ix_assignment_status_due_on", Assignment.__table__.c.status,
                             Assignment.__table__.c.due_on)


class ReminderState:
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    FINAL = (SENT, FAILED, SKIPPED)


class Reminder(SQLModel, table=True):
    """One reminder of one assignment (or an officer's digest) to one chat link for one day."""

    __table_args__ = (Index("ix_reminder_state_next", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=96)   # "{assignment}:{kind}:{day}:{link}" / "digest:{day}:{link}"
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", index=True)
    link_id: int = Field(foreign_key="chatlink.id", index=True)
    kind: str = Field(max_length=16)               # d7, d3, d1, d0, od, ci, snz, digest
    day: date                                      # the local working day it is for
    state: str = Field(default=ReminderState.PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    claimed_by: str | None = Field(default=None, max_length=128)  # "host:pid:token" of the sender
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    message_id: str | None = None
    last_error: str | None = None
    late: bool = False                              # planned after its day (the bot was down)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class ReminderSnooze(SQLModel, table=True):
    """"Nhắc lại sau": no reminders of this task to this chat before `until`, then one."""

    __table_args__ = (UniqueConstraint("link_id", "assignment_id"),)

    id: int | None = Field(default=None, primary_key=True)
    link_id: int = Field(foreign_key="chatlink.id")
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    until: date = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
