"""Read-only questions about plans, tasks and assignments; return plain rows or ORM objects."""
from __future__ import annotations

import collections
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, or_
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, select

from reminders.workcal import default_calendar
from services.labels import role_label, status_label
from storage.models import Assignment, ExtensionRequest, Plan, Status, Task, Unit
from storage.prebuilt import one_of, run

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class AssignmentView:
    """An assignment with its task and unit, ready to render."""

    assignment: Assignment
    task: Task
    unit: Unit
    pending_until: date | None = None  # the day asked for in an extension request awaiting a decision

    @property
    def id(self) -> int:
        return self.assignment.id


def unit_by_code(session: Session, code: str) -> Unit | None:
    """The unit with this code (case-insensitive)."""
    return session.exec(select(Unit).where(func.upper(Unit.code) == code.strip().upper())).first()


def plan_summaries(session: Session) -> list[dict]:
    """Every plan with counts of tasks and open assignments."""
    rows = []
    for plan in session.exec(select(Plan).where(Plan.removed == False).order_by(Plan.year, Plan.id)):  # noqa: E712
        tasks = session.exec(select(func.count()).select_from(Task).where(
            Task.plan_id == plan.id, Task.removed == False)).one()  # noqa: E712
        open_count = session.exec(select(func.count()).select_from(Assignment).join(Task).where(
            Task.plan_id == plan.id, Assignment.status.in_(Status.ACTIVE))).one()
        rows.append({"id": plan.id, "title": plan.title, "year": plan.year, "tasks": tasks,
                     "open": open_count, "source": plan.source_name, "sha256": plan.source_sha256})
    return rows


def _base():
    return (select(Assignment, Task, Unit).join(Task, Task.id == Assignment.task_id)
            .join(Plan, Plan.id == Task.plan_id).join(Unit, Unit.id == Assignment.unit_id)
            .where(Task.removed == False, Plan.removed == False))  # noqa: E712


def views(session: Session, *, unit_ids: list[int] | None = None, plan_id: int | None = None,
          statuses: tuple[str, ...] | None = Status.ACTIVE, due_before: date | None = None,
          due_from: date | None = None, task_number: str | None = None, words: str | None = None,
          roles: tuple[str, ...] | None = None, limit: int | None = None) -> list[AssignmentView]:
    """Assignments matching the filters, nearest due date first (undated last)."""
    terms = words.split() if words else []
    params = {"unit_ids": unit_ids, "plan_id": plan_id, "statuses": list(statuses or ()), "due_before": due_before,
              "due_from": due_from, "task_number": task_number, "roles": list(roles or ())}
    for i, word in enumerate(terms):
        params[f"pattern_{i}"], params[f"word_{i}"] = f"%{word}%", word
    q = _views_statement(unit_ids is not None, plan_id is not None, bool(statuses), due_before is not None,
                         due_from is not None, task_number is not None, roles is not None, len(terms), limit or None)
    return with_pending(session, [AssignmentView(a, t, u) for a, t, u in session.exec(q, params=params)])


@lru_cache(maxsize=128)
def _views_statement(units: bool, plan: bool, statuses: bool, due_before: bool, due_from: bool, number: bool,
                     roles: bool, words: int, limit: int | None):
    """The query of `views` for one combination of filters, values left as bound parameters (built once)."""
    q = _base()
    if units:
        q = q.where(Assignment.unit_id.in_(bindparam("unit_ids", expanding=True)))
    if plan:
        q = q.where(Task.plan_id == bindparam("plan_id"))
    if statuses:
        q = q.where(Assignment.status.in_(bindparam("statuses", expanding=True)))
    if due_before:
        q = q.where(Assignment.due_on.is_not(None), Assignment.due_on < bindparam("due_before"))
    if due_from:
        q = q.where(Assignment.due_on.is_not(None), Assignment.due_on >= bindparam("due_from"))
    if number:
        q = q.where(Task.number == bindparam("task_number"))
    if roles:
        q = q.where(Assignment.role.in_(bindparam("roles", expanding=True)))
    for i in range(words):
        pattern = bindparam(f"pattern_{i}")
        q = q.where(or_(Task.title.ilike(pattern), Task.product.ilike(pattern), Task.number == bindparam(f"word_{i}")))
    q = q.order_by(Assignment.due_on.is_(None), Assignment.due_on, Task.position, Unit.code)
    return q.limit(limit) if limit else q


@cache
def _pending_statement():
    return select(ExtensionRequest.assignment_id, ExtensionRequest.requested_on).where(
        ExtensionRequest.state == "pending", ExtensionRequest.assignment_id.in_(bindparam("ids", expanding=True)))


def with_pending(session: Session, found: list[AssignmentView]) -> list[AssignmentView]:
    """Note on each view the extension request still waiting for an officer, if any (one query)."""
    ids = [v.id for v in found]
    pending: dict[int, date] = {}
    for chunk in range(0, len(ids), 500):
        pending.update(dict(run(session, _pending_statement(), {"ids": ids[chunk:chunk + 500]}).all()))
    for v in found:
        v.pending_until = pending.get(v.id)
    return found


def current_only(views: list[AssignmentView], today: date) -> list[AssignmentView]:
    """Of a recurring task, keep what is late and the next occurrence; later ones would only be noise."""
    seen_future: set[tuple[int, int]] = set()
    out = []
    for v in views:
        key = (v.task.id, v.unit.id)
        due = v.assignment.due_on
        if due is not None and due >= today:
            if key in seen_future:
                continue
            seen_future.add(key)
        out.append(v)
    return out


def current_ids(session: Session, *, unit_id: int, roles: tuple[str, ...], today: date) -> list[int]:
    """The ids of current_only(views(unit_ids=[unit_id], roles=roles), today), in the same order."""
    return current_of(current_keys(session, unit_id=unit_id, roles=roles), roles, today)


def current_keys(session: Session, *, unit_id: int, roles: tuple[str, ...]) -> list:
    """(id, task_id, unit_id, due_on, role) of the unit's open assignments in `roles`, in list order; one query.

    Four plain columns per assignment instead of three ORM objects, so a list that shows one page of a large
    unit's tasks loads only that page's rows (`views_of`); `current_of` picks from them, for one set of roles or
    several (the /viec list and its count of phối hợp tasks from the same rows).
    """
    return run(session, _current_keys_statement(tuple(roles)), {"unit_id": unit_id}).all()


def current_of(keys: list, roles: tuple[str, ...], today: date) -> list[int]:
    """Of `current_keys` rows, the ids current_only keeps among those in `roles`, in order."""
    seen_future: set[tuple[int, int]] = set()
    out = []
    for assignment_id, task_id, owner, due, role in keys:
        if role not in roles:
            continue
        if due is not None and due >= today:
            if (task_id, owner) in seen_future:
                continue
            seen_future.add((task_id, owner))
        out.append(assignment_id)
    return out


@lru_cache(maxsize=16)
def _current_keys_statement(roles: tuple[str, ...]):
    """`views`'s order and filters for one unit, the statuses and roles as `one_of` (asked on every /viec)."""
    return (_base().with_only_columns(Assignment.id, Assignment.task_id, Assignment.unit_id, Assignment.due_on,
                                      Assignment.role)
            .where(Assignment.unit_id == bindparam("unit_id"), one_of(Assignment.status, Status.ACTIVE),
                   one_of(Assignment.role, roles))
            .order_by(Assignment.due_on.is_(None), Assignment.due_on, Task.position, Unit.code))


def count_current(session: Session, *, unit_id: int, roles: tuple[str, ...], today: date) -> int:
    """len(current_only(views(unit_ids=[unit_id], roles=roles), today)), counted by the database (one query)."""
    late, next_ones = run(session, _count_statement(), {"unit_id": unit_id, "roles": list(roles), "today": today}).one()
    return late + next_ones


@cache
def _count_statement():
    base = (select(Assignment.task_id, Assignment.due_on).join(Task, Task.id == Assignment.task_id)
            .where(Task.removed == False, Assignment.unit_id == bindparam("unit_id"),  # noqa: E712
                   Assignment.status.in_(Status.ACTIVE), Assignment.role.in_(bindparam("roles", expanding=True))))
    today = bindparam("today", type_=Assignment.__table__.c.due_on.type)
    late_or_undated = base.where(or_(Assignment.due_on.is_(None), Assignment.due_on < today)).subquery()
    coming = base.where(Assignment.due_on >= today).subquery()
    return select(select(func.count()).select_from(late_or_undated).scalar_subquery(),
                  select(func.count(func.distinct(coming.c.task_id))).scalar_subquery())


@cache
def _by_ids_statement():
    return _base().where(Assignment.id.in_(bindparam("ids", expanding=True)))


@cache
def _by_id_statement():
    return _base().where(Assignment.id == bindparam("id"))


def views_of(session: Session, ids: list[int]) -> list[AssignmentView]:
    """These assignments (those that exist and whose task is in the plan), in the order given; one query."""
    if not ids:
        return []
    found = {a.id: AssignmentView(a, t, u)
             for a, t, u in session.exec(_by_ids_statement(), params={"ids": list(set(ids))})}
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def read_views_of(session: Session, ids: list[int]) -> list[AssignmentView]:
    """As `views_of`, for showing only: the assignment, task and unit are read-only rows with the same attributes,
    not ORM objects (a `/viec` page's three ORM objects per line cost more than the rest of answering it).
    Writing to one raises; act on an assignment through `views_of` or the session."""
    if not ids:
        return []
    statement, shapes = _read_rows()
    found = {}
    for row in run(session, statement, {"ids": list(set(ids))}):
        a, t, u = (shape._make(row[start:end]) for shape, start, end in shapes)
        found[a.id] = AssignmentView(a, t, u)
    return [found[i] for i in dict.fromkeys(ids) if i in found]


@cache
def _read_rows():
    """The statement of `read_views_of` and, per model, a named tuple of its attributes and where its columns sit."""
    columns, shapes = [], []
    for model in (Assignment, Task, Unit):
        attrs = sa_inspect(model).column_attrs
        shape = collections.namedtuple(f"{model.__name__}Row", [attr.key for attr in attrs])
        shapes.append((shape, len(columns), len(columns) + len(attrs)))
        columns += [attr.columns[0] for attr in attrs]
    base = _by_ids_statement()
    return base.with_only_columns(*columns), tuple(shapes)


def view(session: Session, assignment_id: int) -> AssignmentView | None:
    """One assignment with its task and unit."""
    row = session.exec(_by_id_statement(), params={"id": assignment_id}).first()
    return with_pending(session, [AssignmentView(*row)])[0] if row else None


def pending_extensions(session: Session) -> list[tuple[ExtensionRequest, AssignmentView]]:
    """Extension requests awaiting an officer, oldest first, with what they are about."""
    rows = session.exec(select(ExtensionRequest).where(ExtensionRequest.state == "pending")
                        .order_by(ExtensionRequest.created_at, ExtensionRequest.id)).all()
    found = [(r, view(session, r.assignment_id)) for r in rows]
    return [(r, v) for r, v in found if v is not None and v.assignment.status in Status.ACTIVE]


def overdue(session: Session, *, today: date, unit_ids: list[int] | None = None,
            roles: tuple[str, ...] = ("lead",), day_off_rule: str = "before") -> list[AssignmentView]:
    """Open assignments whose due date has passed (chủ trì only, unless phối hợp units are tracked too).

    A deadline on a day off is late by NHACVIEC_DAY_OFF_RULE, as the reminders and the report judge it.
    """
    due_before = default_calendar(day_off_rule).late_before(today)
    return [v for v in views(session, unit_ids=unit_ids, due_before=due_before) if v.assignment.role in roles]


# `nhacviec tasks --status`: which stored statuses each choice lists (None: every status, cancelled too)
STATUS_CHOICES: dict[str, tuple[str, ...] | None] = {
    "open": Status.ACTIVE, "done": (Status.DONE,), "all": None}


def assignment_rows(session: Session, *, unit_code: str | None = None, plan_id: int | None = None,
                    due_before: date | None = None, status: str | None = None) -> list[dict]:
    """Plain rows for `nhacviec tasks`; without `status`, every assignment still in the plan (not cancelled)."""
    unit_ids = None
    if unit_code:
        unit = unit_by_code(session, unit_code)
        unit_ids = [unit.id] if unit else []
    out = []
    for v in views(session, unit_ids=unit_ids, plan_id=plan_id, due_before=due_before,
                   statuses=STATUS_CHOICES[status] if status else None):
        if status is None and v.assignment.status == Status.CANCELLED:
            continue
        a = v.assignment
        out.append({"assignment_id": a.id, "plan_id": v.task.plan_id, "number": v.task.number,
                    "source": v.task.source, "title": v.task.title, "unit": v.unit.code, "role": a.role, "role_label": role_label(a.role),
                    "due_on": a.due_on.isoformat() if a.due_on else None, "deadline_text": v.task.deadline_text,
                    "deadline_kind": v.task.deadline_kind, "status": a.status,
                    "status_label": status_label(a.status), "done_on": _done_on(a)})
    return out


def _done_on(a: Assignment) -> str | None:
    """The day the work was done, when known (recorded by the unit; else the day it was recorded done)."""
    if a.status != Status.DONE:
        return None
    day = getattr(a, "done_on", None)
    if day is None and a.done_at is not None:
        day = a.done_at.astimezone(VN).date()
    return day.isoformat() if day else None


def occurrences(session: Session, found: list[AssignmentView]) -> dict[tuple[int, int], list[Assignment]]:
    """Every dated occurrence (not cancelled) of these views' tasks for their units, by (task, unit), by due day."""
    if not found:
        return {}
    rows = session.exec(select(Assignment).where(
        Assignment.task_id.in_({v.task.id for v in found}), Assignment.unit_id.in_({v.unit.id for v in found}),
        Assignment.due_on.is_not(None), Assignment.status != Status.CANCELLED).order_by(Assignment.due_on))
    series: dict[tuple[int, int], list[Assignment]] = {}
    for a in rows:
        series.setdefault((a.task_id, a.unit_id), []).append(a)
    return series
