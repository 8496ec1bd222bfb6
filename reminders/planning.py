"""What is due on one working day, and to which chats: range queries on the (status, due_on) index."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from sqlalchemy import and_, bindparam, distinct, exists, or_, union
from sqlmodel import Session, select

from calendars.reporting_checkins import checkin_dates
from calendars.workdays import WorkCalendar
from config import Settings
from reminders import cadence, weekly
from services import people
from storage.models import Assignment, ChatLink, MemberRole, Plan, ReminderSnooze, Status, Task
from storage.prebuilt import run

CHECKIN_TASK_KINDS = ("event", "continuous")
IN_CHUNK = 500  # bound parameters per IN (…): SQLite allows many more, PostgreSQL is happier this way


@dataclass(frozen=True)
class Due:
    """A reminder that should exist: one assignment (None for a digest), one chat link, one kind, one day."""

    assignment_id: int | None
    link_id: int
    kind: str
    day: date
    late: bool = False

    @property
    def key(self) -> str:
        """The unique key that makes planning idempotent."""
        if self.assignment_id is None:
            return f"{self.kind}:{self.day.isoformat()}:{self.link_id}"
        return f"{self.assignment_id}:{self.kind}:{self.day.isoformat()}:{self.link_id}"


@dataclass(frozen=True)
class _Hit:
    assignment_id: int
    unit_id: int
    kind: str
    ordinal: int = 0  # overdue reminders: 1 for the first


def plan_day(session: Session, *, day: date, work: WorkCalendar, settings: Settings,
             digest: bool = True, week: bool | None = None) -> list[Due]:
    """Every reminder working day `day` carries, for the chats linked now. Reads only.

    `digest`: the officers' daily digest; `week`: the week's summary, when `day` is its day (default: as `digest`).
    """
    overdue_dues = _overdue_dates(session, day, settings)
    hits = [*_offset_hits(session, day, work, settings), *_overdue_hits(session, day, work, settings, overdue_dues),
            *_checkin_hits(session, day, work, settings)]
    snoozed, again = _snoozes(session, day)
    links = _links_by_unit(session, {h.unit_id for h in hits})
    planned: dict[str, Due] = {}
    for hit in hits:
        for link in links.get(hit.unit_id, ()):
            if (link.id, hit.assignment_id) in snoozed or not _reaches(link, hit):
                continue
            due = Due(hit.assignment_id, link.id, hit.kind, day)
            planned[due.key] = due
    for link_id, assignment_id in again:
        due = Due(assignment_id, link_id, cadence.SNOOZED, day)
        planned[due.key] = due
    late_before = work.late_before(day)  # by the day-off rule, as /overdue judges it
    if digest and any(due < late_before for due in overdue_dues):  # some open assignment is late
        for link in people.officer_links(session):
            due = Due(None, link.id, cadence.DIGEST, day)
            planned[due.key] = due
    if (digest if week is None else week) and weekly.is_weekly_day(day, work):
        for link in weekly.readers_with_news(session, day=day, roles=settings.tracked_roles, work=work):
            due = Due(None, link.id, cadence.WEEKLY, day)
            planned[due.key] = due
    return list(planned.values())


def _reaches(link: ChatLink, hit: _Hit) -> bool:
    # The unit's head is added from the second overdue reminder on, and only to those.
    if link.role == MemberRole.HEAD:
        return hit.kind == cadence.OVERDUE and hit.ordinal >= 2
    return True


def effective_offsets(task_offsets: str | None, plan_offsets: str | None, default: str) -> tuple[int, ...]:
    """The task's cadence, else its plan's, else the configured default."""
    return (cadence.parse_offsets(task_offsets) or cadence.parse_offsets(plan_offsets)
            or cadence.parse_offsets(default) or cadence.DEFAULT_OFFSETS)


def _offsets_in_use(session: Session, default: str) -> set[int]:
    used = set(effective_offsets(None, None, default))
    for text in run(session, _offsets_statement(), {}).scalars():
        used.update(cadence.parse_offsets(text) or ())
    return used


@cache
def _offsets_statement():
    return union(*(select(column).where(column.is_not(None))
                   for column in (Task.reminder_offsets, Plan.reminder_offsets)))


def _active_with_plan():
    return (select(Assignment.id, Assignment.unit_id, Assignment.due_on, Task.reminder_offsets,
                   Plan.reminder_offsets)
            .join(Task, Task.id == Assignment.task_id).join(Plan, Plan.id == Task.plan_id)
            .where(Assignment.status.in_(Status.ACTIVE), Assignment.role.in_(bindparam("roles", expanding=True)),
                   Task.removed == False))  # noqa: E712


def _started(day):
    """The task's work has started ("Thời gian bắt đầu"): no reminder before it."""
    return or_(Task.start_on.is_(None), Task.start_on <= day)


# Each round runs these for every offset and every working day it plans: built once, values bound at run time.
@lru_cache(maxsize=16)
def _windows_statement(windows: int):
    """Assignments due in any of `windows` date ranges [start_i, end_i), work started by `day`."""
    day = bindparam("day", type_=Task.__table__.c.start_on.type)
    # The span of all windows first: the (status, due_on) index takes a range, not an OR of ranges.
    return _active_with_plan().where(
        Assignment.due_on >= bindparam("first"), Assignment.due_on < bindparam("last"),
        or_(*(and_(Assignment.due_on >= bindparam(f"start_{i}"), Assignment.due_on < bindparam(f"end_{i}"))
              for i in range(windows))), _started(day))


@cache
def _overdue_dates_statement():
    return select(distinct(Assignment.due_on)).where(
        Assignment.status.in_(Status.ACTIVE), Assignment.role.in_(bindparam("roles", expanding=True)),
        Assignment.due_on.is_not(None), Assignment.due_on < bindparam("day"))


@cache
def _overdue_statement():
    return _active_with_plan().where(Assignment.due_on.in_(bindparam("dues", expanding=True)))


def _offset_hits(session: Session, day: date, work: WorkCalendar, settings: Settings) -> list[_Hit]:
    """The k-day reminders of every offset k in use; one query for all their windows."""
    windows = {k: cadence.offset_window(day, k, work)
               for k in sorted(_offsets_in_use(session, settings.reminder_offsets))}
    params = {"roles": list(settings.tracked_roles), "day": day,
              "first": min((start for start, _end in windows.values()), default=day),
              "last": max((end for _start, end in windows.values()), default=day)}
    for i, (start, end) in enumerate(windows.values()):
        params[f"start_{i}"], params[f"end_{i}"] = start, end
    rows = run(session, _windows_statement(len(windows)), params).all() if windows else []
    hits = []
    for k, (start, end) in windows.items():
        for aid, unit_id, due, task_offsets, plan_offsets in rows:
            if start <= due < end and k in effective_offsets(task_offsets, plan_offsets, settings.reminder_offsets):
                hits.append(_Hit(aid, unit_id, cadence.offset_kind(k)))
    return hits


def _overdue_dates(session: Session, day: date, settings: Settings) -> list[date]:
    """Due dates before `day` of open assignments (of the tracked roles)."""
    return run(session, _overdue_dates_statement(), {"roles": list(settings.tracked_roles), "day": day}).scalars().all()


def _overdue_hits(session: Session, day: date, work: WorkCalendar, settings: Settings,
                  dues: list[date]) -> list[_Hit]:
    ordinals = cadence.overdue_dates(day, list(dues), work, settings.overdue_every_workdays)
    hits = []
    chosen = sorted(ordinals)
    roles = list(settings.tracked_roles)
    for i in range(0, len(chosen), IN_CHUNK):
        rows = run(session, _overdue_statement(), {"roles": roles, "dues": chosen[i:i + IN_CHUNK]})
        hits += [_Hit(aid, unit_id, cadence.OVERDUE, ordinals[due]) for aid, unit_id, due, _t, _p in rows]
    return hits


@lru_cache(maxsize=64)
def _checkin_days(year: int, every: str, work: WorkCalendar) -> frozenset[date]:
    return frozenset(checkin_dates(year, work, every=every))


def _checkin_hits(session: Session, day: date, work: WorkCalendar, settings: Settings) -> list[_Hit]:
    cadences = [every for every in ("monthly", "weekly") if day in _checkin_days(day.year, every, work)]
    if not cadences:
        return []
    default = settings.reminder_checkin_every
    q = (select(Assignment.id, Assignment.unit_id, Task.checkin_every).join(Task, Task.id == Assignment.task_id)
         .where(Assignment.status.in_(Status.ACTIVE), Assignment.role.in_(settings.tracked_roles),
                Assignment.due_on.is_(None), _started(day),
                Task.removed == False, Task.deadline_kind.in_(CHECKIN_TASK_KINDS)))  # noqa: E712
    return [_Hit(aid, unit_id, cadence.CHECKIN) for aid, unit_id, every in session.exec(q)
            if (every or default) in cadences]


def _snoozes(session: Session, day: date) -> tuple[set[tuple[int, int]], list[tuple[int, int]]]:
    """(link, assignment) pairs still snoozed on `day`, and those whose snooze ends on `day`."""
    # From the snoozes (the `until` index) outwards: with joins SQLite starts from every open assignment instead,
    # and the round grows with the table even when nothing is snoozed.
    open_task = exists().where(Assignment.id == ReminderSnooze.assignment_id, Assignment.status.in_(Status.ACTIVE))
    active_chat = exists().where(ChatLink.id == ReminderSnooze.link_id, ChatLink.active == True)  # noqa: E712
    rows = session.exec(select(ReminderSnooze.link_id, ReminderSnooze.assignment_id, ReminderSnooze.until)
                        .where(ReminderSnooze.until >= day, open_task, active_chat))
    snoozed, again = set(), []
    for link_id, assignment_id, until in rows:
        snoozed.add((link_id, assignment_id))
        if until == day:
            again.append((link_id, assignment_id))
    return snoozed, again


def _links_by_unit(session: Session, unit_ids: set[int]) -> dict[int, list[ChatLink]]:
    found: dict[int, list[ChatLink]] = defaultdict(list)
    ids = sorted(unit_ids)
    for i in range(0, len(ids), IN_CHUNK):
        for link in session.exec(_links_statement(), params={"units": ids[i:i + IN_CHUNK]}):
            found[link.unit_id].append(link)
    return found


@cache
def _links_statement():
    return select(ChatLink).where(ChatLink.unit_id.in_(bindparam("units", expanding=True)),
                                  ChatLink.active == True)  # noqa: E712
