"""Changing an assignment: status, promised day, undo. Every change is written to the history."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from i18n import LOCAL_TZ, _, fmt_date
from services.labels import status_label
from storage.models import Assignment, ChatUser, MemberRole, Plan, Status, StatusChange, Task

UNDO_WINDOW = timedelta(minutes=10)


class NotAllowed(Exception):
    """The person may not change this assignment."""


class BadCompletionDay(ValueError):
    """A stated completion day that cannot be true (in the future, or before the task was given)."""


@dataclass
class Actor:
    """Who makes a change and through which channel."""

    name: str
    channel: str
    user: ChatUser | None = None
    unit_id: int | None = None
    role: str = MemberRole.MEMBER

    @property
    def is_officer(self) -> bool:
        return self.role == MemberRole.OFFICER


def check_allowed(actor: Actor, assignment: Assignment) -> None:
    """Officers change anything; staff only their own unit's assignments; a removed person nothing."""
    removed = actor.user is not None and not actor.user.active
    if not removed and (actor.is_officer or (actor.unit_id is not None and actor.unit_id == assignment.unit_id)):
        return
    raise NotAllowed(_("Nhiệm vụ này không thuộc đơn vị của đồng chí nên không thể cập nhật."))


def _record(session: Session, a: Assignment, actor: Actor, field: str, before, after, *, now: datetime,
            note: str | None = None, evidence_id: int | None = None) -> StatusChange:
    change = StatusChange(assignment_id=a.id, at=now, actor_id=actor.user.id if actor.user else None,
                          actor_name=actor.name, channel=actor.channel, field=field,
                          before=None if before is None else str(before), after=None if after is None else str(after),
                          note=note, evidence_id=evidence_id)
    session.add(change)
    session.flush()
    return change


def assigned_on(session: Session, assignment: Assignment) -> date:
    """The first day work on the assignment can have been done: its plan's year, or its import if earlier."""
    plan = session.get(Plan, session.get(Task, assignment.task_id).plan_id)
    return min(date(plan.year, 1, 1), plan.imported_at.astimezone(LOCAL_TZ).date())


def check_done_on(session: Session, assignment: Assignment, done_on: date, *, today: date) -> date:
    """`done_on` if it can be the day the work was done; BadCompletionDay with the reason otherwise."""
    if done_on > today:
        raise BadCompletionDay(_("Ngày hoàn thành {day} chưa tới. Xin gửi lại ngày đã hoàn thành.").format(
            day=fmt_date(done_on)))
    first = assigned_on(session, assignment)
    if done_on < first:
        raise BadCompletionDay(_("Ngày hoàn thành {day} trước ngày giao nhiệm vụ ({first}). Xin kiểm tra lại "
                                 "ngày hoàn thành.").format(day=fmt_date(done_on), first=fmt_date(first)))
    return done_on


def set_status(session: Session, *, assignment: Assignment, status: str, actor: Actor, now: datetime,
               note: str | None = None, evidence_id: int | None = None,
               promised_on: date | None = None, done_on: date | None = None) -> StatusChange | None:
    """Move an assignment to `status`; returns the history row, None if nothing changed. No commit.

    `done_on` is the day the work was done when the person said so (else the local day of `now`).
    """
    check_allowed(actor, assignment)
    if status not in Status.ALL:
        raise ValueError(status)
    today = now.astimezone(LOCAL_TZ).date()
    if done_on is not None:
        check_done_on(session, assignment, done_on, today=today)
    change = None
    new_done_on = (done_on or today) if status == Status.DONE else None
    moved = _swap_status(session, assignment, status, now, done_on=new_done_on)
    if moved is not None:
        before, before_done_on = moved
        if done_on is not None and done_on != today:  # a stated day: the audit keeps it, when and by whom
            _record(session, assignment, actor, "done_on", before_done_on, done_on, now=now, note=note)
        change = _record(session, assignment, actor, "status", before, status, now=now, note=note,
                         evidence_id=evidence_id)
    elif status == Status.DONE and done_on is not None and done_on != assignment.done_on:
        change = _record(session, assignment, actor, "done_on", assignment.done_on, done_on, now=now, note=note)
        assignment.done_on, assignment.updated_at = done_on, now
    if promised_on and promised_on != assignment.promised_on:
        change = change or _record(session, assignment, actor, "promised_on", assignment.promised_on,
                                   promised_on.isoformat(), now=now, note=note)
        assignment.promised_on, assignment.updated_at = promised_on, now
    if change is None and evidence_id is not None:
        change = _record(session, assignment, actor, "evidence", None, None, now=now, note=note,
                         evidence_id=evidence_id)
    return change  # an answer that changes nothing ("xong" again) writes nothing to the assignment


def _swap_status(session: Session, a: Assignment, status: str, now: datetime,
                 done_on: date | None) -> tuple[str, date | None] | None:
    """Compare-and-set the status; returns the status (and done day) it moved from, None when already `status`.

    Another worker may have moved it since `a` was read (the same "xong" through two workers, two people
    answering at once): then read it again and move from what it is now, so each answer is applied once.
    """
    for _attempt in range(5):
        before, before_done_on = a.status, a.done_on
        if before == status:
            return None
        done_at = now if status == Status.DONE else None
        moved = session.execute(update(Assignment).where(Assignment.id == a.id, Assignment.status == before)
                                .values(status=status, done_at=done_at, done_on=done_on, updated_at=now)).rowcount
        if moved:
            set_committed_value(a, "status", status)
            set_committed_value(a, "done_at", done_at)
            set_committed_value(a, "done_on", done_on)
            set_committed_value(a, "updated_at", now)
            return before, before_done_on
        session.refresh(a)
    raise RuntimeError(f"assignment {a.id} keeps changing under us")


def move_due(session: Session, *, assignment: Assignment, new_due: date, actor: Actor, now: datetime,
             note: str | None = None) -> StatusChange:
    """Approve a new due date; the previous one stays in the history and extensions are counted."""
    session.flush()
    session.refresh(assignment, with_for_update=True)  # PostgreSQL: the row is ours until commit
    change = _record(session, assignment, actor, "due_on",
                     assignment.due_on.isoformat() if assignment.due_on else None, new_due.isoformat(),
                     now=now, note=note)
    assignment.due_on = new_due
    assignment.extensions = Assignment.extensions + 1  # counted by the database, not from what we read
    assignment.updated_at = now
    session.add(assignment)
    return change


def last_change(session: Session, *, actor_id: int, since: datetime) -> StatusChange | None:
    """The person's most recent change not yet undone, if within the window."""
    q = (select(StatusChange).where(StatusChange.actor_id == actor_id, StatusChange.at >= since,
                                    StatusChange.undone == False)  # noqa: E712
         .order_by(StatusChange.at.desc(), StatusChange.id.desc()))
    return session.exec(q).first()


def last_status_change(session: Session, *, assignment_id: int) -> StatusChange | None:
    """Who last moved the assignment's status, and when (not undone)."""
    q = (select(StatusChange).where(StatusChange.assignment_id == assignment_id, StatusChange.field == "status",
                                    StatusChange.undone == False)  # noqa: E712
         .order_by(StatusChange.at.desc(), StatusChange.id.desc()))
    return session.exec(q).first()


def undo_last(session: Session, *, actor: Actor, now: datetime) -> tuple[StatusChange, Assignment] | None:
    """Revert the person's last change made within the last 10 minutes, if it is still what the task says.

    NotAllowed when someone changed the task since, or the person may no longer act on it. Both writes are
    conditional (compare-and-set), so two /undo at once, or an officer's change racing it, cannot both win.
    """
    if actor.user is None:
        return None
    change = last_change(session, actor_id=actor.user.id, since=now - UNDO_WINDOW)
    if change is None or change.field not in ("status", "promised_on", "evidence", "done_on"):
        return None
    a = session.get(Assignment, change.assignment_id)
    check_allowed(actor, a)
    if not _claim(session, change):
        return None
    if not _revert(session, a, change):
        session.execute(update(StatusChange).where(StatusChange.id == change.id).values(undone=False))
        session.refresh(change)
        raise NotAllowed(_("Không hoàn tác được: nhiệm vụ đã được thay đổi sau đó (hiện là \"{status}\").").format(
            status=status_label(a.status)))
    _record(session, a, actor, "undo", change.after, change.before, now=now, note=f"#{change.id}")
    a.updated_at = now
    session.add(a)
    return change, a


def _claim(session: Session, change: StatusChange) -> bool:
    """Mark the change undone, unless a concurrent /undo already did."""
    done = session.execute(update(StatusChange).where(StatusChange.id == change.id, StatusChange.undone == False)  # noqa: E712
                           .values(undone=True))
    session.refresh(change)
    return done.rowcount == 1


def _revert(session: Session, a: Assignment, change: StatusChange) -> bool:
    """Put back the value before `change`, only where the task still holds the value it set."""
    if change.field == "status":
        before = change.before or Status.OPEN
        values = {"status": before, "done_at": None, "done_on": None}
        if before == Status.DONE:  # back to done: the completion it had, not none
            values["done_at"], values["done_on"] = _completion_before(session, change)
        where = Assignment.status == change.after
    elif change.field == "done_on":
        values = {"done_on": date.fromisoformat(change.before) if change.before else None}
        where = (Assignment.done_on == date.fromisoformat(change.after) if change.after
                 else Assignment.done_on.is_(None))
    elif change.field == "promised_on":
        values = {"promised_on": date.fromisoformat(change.before) if change.before else None}
        where = (Assignment.promised_on == date.fromisoformat(change.after) if change.after
                 else Assignment.promised_on.is_(None))
    else:  # evidence: the file stays in the history; the entry is marked undone
        return True
    done = session.execute(update(Assignment).where(Assignment.id == a.id, where).values(**values))
    session.refresh(a)
    return done.rowcount == 1


def _completion_before(session: Session, change: StatusChange) -> tuple[datetime | None, date | None]:
    """When the assignment had been done before `change` moved it away from done, and the day stated for it.

    Read from the history: the last move to done before `change`, and a completion day stated with it (recorded
    at the same moment); without a stated day, the local day of that move. (None, None) when no record says.
    """
    earlier = select(StatusChange).where(StatusChange.assignment_id == change.assignment_id,
                                         StatusChange.id < change.id)
    done = session.exec(earlier.where(StatusChange.field == "status", StatusChange.after == Status.DONE)
                        .order_by(StatusChange.id.desc())).first()
    if done is None:
        return None, None
    stated = session.exec(earlier.where(StatusChange.field == "done_on", StatusChange.at >= done.at,
                                        StatusChange.undone == False)  # noqa: E712
                          .order_by(StatusChange.id.desc())).first()
    if stated is not None and stated.after:
        return done.at, date.fromisoformat(stated.after[:10])
    return done.at, done.at.astimezone(LOCAL_TZ).date()


def task_of(session: Session, assignment: Assignment) -> Task:
    """The task an assignment belongs to."""
    return session.get(Task, assignment.task_id)
