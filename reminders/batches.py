"""From reminder rows to one message per chat, checking each row is still worth sending."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from sqlmodel import Session, select

from calendars.workdays import WorkCalendar
from config import Settings
from reminders import cadence, weekly
from reminders.compose import ChatMessage, digest_lines, load_views, new_message
from reminders.store import snoozed_until
from services import people
from storage.models import ChatLink, MemberRole, Status


class RowLike(Protocol):
    """A stored Reminder or a planned Due: what a message is built from."""

    assignment_id: int | None
    link_id: int
    kind: str
    day: date
    late: bool


@dataclass
class Batch:
    """One chat's message and the rows it carries."""

    message: ChatMessage
    rows: list = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [r.id for r in self.rows if getattr(r, "id", None) is not None]

    @property
    def late_count(self) -> int:
        return sum(1 for r in self.rows if r.late)

    @property
    def attempts(self) -> int:
        return max((getattr(r, "attempts", 0) for r in self.rows), default=0)


@dataclass
class Built:
    """Messages to send, and rows not to send with the reason why."""

    batches: list[Batch]
    skipped: dict[str, list] = field(default_factory=lambda: defaultdict(list))


def load_links(session: Session, ids: set[int]) -> dict[int, ChatLink]:
    """Chat links by id."""
    ordered = sorted(ids)
    found: dict[int, ChatLink] = {}
    for i in range(0, len(ordered), 500):
        found.update({link.id: link for link in session.exec(
            select(ChatLink).where(ChatLink.id.in_(ordered[i:i + 500])))})
    return found


def chat_of(link: ChatLink) -> tuple[str, str]:
    """(channel, chat id): what 'one message per chat' groups by."""
    return link.channel, link.chat_id


def build(session: Session, rows: list[RowLike], *, today: date, work: WorkCalendar, settings: Settings,
          links: dict[int, ChatLink] | None = None) -> Built:
    """Group rows per chat; rows no longer due (done, moved, snoozed, too old, chat gone) are set aside."""
    links = links if links is not None else load_links(session, {r.link_id for r in rows})
    views = load_views(session, {r.assignment_id for r in rows if r.assignment_id is not None})
    snoozes = snoozed_until(session, pairs={(r.link_id, r.assignment_id) for r in rows if r.assignment_id})
    digest = (digest_lines(session, today=today, roles=settings.tracked_roles, work=work)
              if any(r.kind == cadence.DIGEST for r in rows) else [])
    weeks = {r.link_id: weekly.summary_for(session, link=links[r.link_id], day=r.day, roles=settings.tracked_roles,
                                           work=work)
             for r in rows if r.kind == cadence.WEEKLY and r.link_id in links}
    unreachable = (people.unreachable_on_zalo(session)
                   if any(r.kind in (cadence.DIGEST, cadence.WEEKLY) for r in rows) else [])
    built, by_chat = Built([]), {}
    for row in rows:
        link = links.get(row.link_id)
        reason = _why_not(row, link, views, snoozes, today, work, settings, digest or unreachable)
        if reason is None and row.kind == cadence.WEEKLY and weeks[row.link_id].empty:
            reason = "nothing_this_week"   # an empty digest is not sent
        if reason:
            built.skipped[reason].append(row)
            continue
        batch = by_chat.get(chat_of(link))
        if batch is None:
            batch = by_chat[chat_of(link)] = Batch(new_message(link))
            built.batches.append(batch)
        _add(batch, row, link, views, digest, today, unreachable)
        if row.kind == cadence.WEEKLY:
            batch.message.weekly = weeks[row.link_id]
            if link.role == MemberRole.OFFICER:   # the Sở's week: which units Zalo cannot reach
                batch.message.unreachable = unreachable
    return built


def _add(batch: Batch, row: RowLike, link: ChatLink, views: dict, digest: list, today: date,
         unreachable: list | None = None) -> None:
    batch.rows.append(row)
    message = batch.message
    message.late = message.late or row.late or row.day < today
    if row.kind == cadence.DIGEST:
        message.digest = digest
        message.unreachable = unreachable or []
        return
    if row.kind == cadence.WEEKLY:
        return
    view = views[row.assignment_id]
    if view.unit.name not in message.units:
        message.units.append(view.unit.name)
    message.add(view, row.kind)


def _why_not(row: RowLike, link: ChatLink | None, views: dict, snoozes: dict, today: date, work: WorkCalendar,
             settings: Settings, digest: list) -> str | None:
    if link is None or not link.active:
        return "chat_inactive"
    if work.working_days_between(row.day, today) > settings.reminder_grace_days:
        return "too_old"
    if row.kind == cadence.DIGEST:
        return None if digest else "nothing_overdue"
    if row.kind == cadence.WEEKLY:
        return None
    view = views.get(row.assignment_id)
    if view is None or view.task.removed or view.assignment.status not in Status.ACTIVE:
        return "not_open"
    due = view.assignment.due_on
    if not cadence.still_due(row.kind, due, row.day, work, settings.overdue_every_workdays):
        return "date_moved"
    if row.kind != cadence.SNOOZED and snoozes.get((row.link_id, row.assignment_id), row.day) > row.day:
        return "snoozed"
    if link.role == MemberRole.HEAD and row.kind == cadence.OVERDUE:
        ordinal = cadence.overdue_ordinal(due, row.day, work, settings.overdue_every_workdays)
        return None if ordinal and ordinal >= 2 else "not_for_head"
    return None
