"""Retention: bookkeeping rows that only matter for a while are pruned; the audit history is never touched.

Pruned, once a day by the reminder clock (`prune_if_due`):
- ProcessedUpdate (replay protection) older than 30 days: Telegram redelivers for 24 hours, Zalo within minutes;
- MessageRef (which task a sent message was about) older than 180 days: a reply to a reminder half a year old
  is asked "which task?" instead;
- Reminder rows sent, failed or skipped for days more than 180 days ago (pending ones are kept), and snoozes
  that ended more than 30 days ago;
- wrong join codes (InviteAttempt) older than a day, and conversation questions expired more than a day ago.
Kept forever: StatusChange (every change, with who and when), ExtensionRequest, Evidence, Invite, Plan/Task
revisions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.models import (ChatState, InviteAttempt, KeyValue, MessageRef, ProcessedUpdate, Reminder,
                            ReminderSnooze, ReminderState)

LAST_RUN = "retention.last_run"


@dataclass(frozen=True)
class Retention:
    """How long each kind of bookkeeping row is kept."""

    updates: timedelta = timedelta(days=30)
    message_refs: timedelta = timedelta(days=180)
    reminders: timedelta = timedelta(days=180)
    snoozes: timedelta = timedelta(days=30)
    attempts: timedelta = timedelta(days=1)
    questions: timedelta = timedelta(days=1)


def prune(session: Session, *, now: datetime, keep: Retention = Retention()) -> dict[str, int]:
    """Delete what is no longer needed; returns rows deleted per table. No commit."""
    done = {
        "processed_updates": delete(ProcessedUpdate).where(ProcessedUpdate.at < now - keep.updates),
        "message_refs": delete(MessageRef).where(MessageRef.at < now - keep.message_refs),
        "reminders": delete(Reminder).where(Reminder.day < (now - keep.reminders).date(),
                                            Reminder.state.in_(ReminderState.FINAL)),
        "snoozes": delete(ReminderSnooze).where(ReminderSnooze.until < (now - keep.snoozes).date()),
        "invite_attempts": delete(InviteAttempt).where(InviteAttempt.at < now - keep.attempts),
        "questions": delete(ChatState).where(ChatState.expires_at < now - keep.questions),
    }
    return {name: session.execute(statement).rowcount for name, statement in done.items()}


def prune_if_due(engine: Engine, *, now: datetime) -> dict[str, int] | None:
    """Prune at most once a day (several processes may call it; one wins the day)."""
    with Session(engine) as session:
        mark = session.get(KeyValue, LAST_RUN)
        today = now.date().isoformat()
        if mark is not None and mark.value >= today:
            return None
        mark = mark or KeyValue(key=LAST_RUN)
        mark.value, mark.updated_at, mark.version = today, now, (mark.version or 0) + 1
        session.add(mark)
        counts = prune(session, now=now)
        try:
            session.commit()
        except IntegrityError:  # another process took today's run
            session.rollback()
            return None
        return counts
