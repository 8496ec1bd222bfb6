"""Bring a plan's tasks and assignments in line with a new reading of its document (history stays put)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from plans.revision import GuessedMatch, Revision, TaskChange, review_revision
from storage.models import Assignment, Channel, Plan, Role, Status, StatusChange, Task, Unit
from storage.types import utcnow


@dataclass
class TaskSpec:
    """What a task should look like after the import."""

    number: str
    section: str
    title: str
    product: str
    lead_text: str
    partners_text: str
    deadline_text: str
    kind: str
    dues: tuple[date, ...]
    lead_ids: list[int]
    partner_ids: list[int]
    source: str = "appendix"
    unit_dues: dict[int, date] | None = None   # per-unit due dates (reporting calendar); see _wanted_per_unit
    start_on: date | None = None               # "Thời gian bắt đầu", when the plan gives one


@dataclass
class SyncReport:
    """What an import created or changed."""

    plan_id: int
    unchanged: bool = True
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    assignments_created: int = 0
    assignments_cancelled: int = 0
    per_unit: dict[str, int] = field(default_factory=dict)
    unresolved: dict[str, list[str]] = field(default_factory=dict)
    changes: list[TaskChange] = field(default_factory=list)
    track_from: date | None = None
    not_tracked: int = 0              # occurrences created "not tracked" (due before track_from)


TASK_FIELDS = ("number", "section", "title", "product", "lead_text", "partners_text", "deadline_text", "source")


def sync_plan_tasks(session: Session, *, plan: Plan, specs: list[TaskSpec], actor: str,
                    accept_guesses: bool = False, revision: Revision | None = None,
                    track_from: date | None = None) -> SyncReport:
    """Create, update or retire tasks and assignments so the plan matches `specs`; no commit.

    Rows are matched to tasks by content (see plans/revision.py), so statuses, evidence and history stay with
    their task whatever its new STT. GuessedMatch (nothing written) when a pairing is only a guess, unless
    `accept_guesses`. A new occurrence due before `track_from` is created "not tracked": shown, never reminded.
    """
    revision = revision or review_revision(session, plan=plan, specs=specs)
    if revision.guesses and not accept_guesses:
        raise GuessedMatch(revision)
    report = SyncReport(plan_id=plan.id, changes=[c for c in revision.changes if c.visible], track_from=track_from)
    codes = {u.id: u.code for u in session.exec(select(Unit))}
    for position, (spec, task) in enumerate(zip(specs, revision.tasks)):
        if task is None:
            task = Task(plan_id=plan.id, number=spec.number, title=spec.title)
            report.created.append(spec.number)
        if _apply(task, spec, position) and spec.number not in report.created:
            report.updated.append(spec.number)
        session.add(task)
        session.flush()
        _sync_assignments(session, task=task, spec=spec, actor=actor, report=report, codes=codes,
                          track_from=track_from)
    for task in revision.retired:
        task.removed = True
        session.add(task)
        report.removed.append(task.number)
        _cancel_open(session, task=task, keep=set(), actor=actor, report=report)
    report.unchanged = not (report.created or report.updated or report.removed
                            or report.assignments_created or report.assignments_cancelled)
    if not report.unchanged:
        plan.updated_at = utcnow()
        session.add(plan)
    return report


def _apply(task: Task, spec: TaskSpec, position: int) -> bool:
    changed = False
    values = {name: getattr(spec, name) for name in TASK_FIELDS}
    values.update(deadline_kind=spec.kind, dues=[d.isoformat() for d in spec.dues], position=position, removed=False,
                  start_on=spec.start_on)
    for name, value in values.items():
        before = getattr(task, name)
        if before != value:
            setattr(task, name, value)
            # Not a change to the officer: the position, or where a line wrapped (the same plan as PDF and Word).
            changed = changed or (name != "position" and not _same_words(before, value))
    return changed


def _same_words(before, after) -> bool:
    return isinstance(before, str) and isinstance(after, str) and before.split() == after.split()


def _wanted(spec: TaskSpec) -> dict[tuple[int, str], tuple[str, date | None]]:
    if spec.unit_dues is not None:
        return _wanted_per_unit(spec)
    periods = [(d.isoformat(), d) for d in spec.dues] or [("", None)]
    wanted: dict[tuple[int, str], tuple[str, date | None]] = {}
    for role, ids in ((Role.LEAD, spec.lead_ids), (Role.PARTNER, spec.partner_ids)):
        for unit_id in ids:
            for period, due in periods:
                wanted.setdefault((unit_id, period), (role, due))
    return wanted


def _sync_assignments(session: Session, *, task: Task, spec: TaskSpec, actor: str, report: SyncReport,
                      codes: dict[int, str], track_from: date | None = None) -> None:
    wanted = _wanted(spec)
    current = {(a.unit_id, a.period): a for a in session.exec(select(Assignment).where(Assignment.task_id == task.id))}
    _move_changed_dates(session, wanted=wanted, current=current, actor=actor)
    for key, (role, due) in wanted.items():
        code = codes.get(key[0], "?")
        report.per_unit[code] = report.per_unit.get(code, 0) + 1
        found = current.get(key)
        start = Status.NOT_TRACKED if track_from and due and due < track_from else Status.OPEN
        if found is None:
            found = Assignment(task_id=task.id, unit_id=key[0], role=role, period=key[1], due_on=due,
                               original_due_on=due, status=start)
            session.add(found)
            session.flush()
            _history(session, found, "created", None, start, actor)
            report.assignments_created += 1
            report.not_tracked += start == Status.NOT_TRACKED
        elif found.status == Status.CANCELLED:
            _set_status(session, found, start, actor)
            report.assignments_created += 1
        if found.role != role:
            found.role = role
            session.add(found)
        if spec.unit_dues is not None:
            _follow_due(session, found, due, actor, report, spec.number)
    _cancel_open(session, task=task, keep=set(wanted), actor=actor, report=report)


def _move_changed_dates(session: Session, *, wanted: dict, current: dict, actor: str) -> None:
    """A deadline edited in the document moves the unit's assignment, keeping its status and history."""
    for unit_id in {u for u, _p in wanted}:
        new = sorted(p for u, p in wanted if u == unit_id and (u, p) not in current)
        old = sorted(p for (u, p), a in current.items()
                     if u == unit_id and (u, p) not in wanted and a.status != Status.CANCELLED)
        for old_period, new_period in zip(old, new):
            a = current.pop((unit_id, old_period))
            due = wanted[(unit_id, new_period)][1]
            _history(session, a, "due_on", a.due_on.isoformat() if a.due_on else None,
                     due.isoformat() if due else None, actor)
            a.period, a.due_on, a.original_due_on = new_period, due, due
            session.add(a)
            current[(unit_id, new_period)] = a


def _cancel_open(session: Session, *, task: Task, keep: set, actor: str, report: SyncReport) -> None:
    rows = session.exec(select(Assignment).where(Assignment.task_id == task.id))
    for a in rows:
        if (a.unit_id, a.period) not in keep and a.status not in (Status.CANCELLED, Status.DONE):
            _set_status(session, a, Status.CANCELLED, actor)
            report.assignments_cancelled += 1


def _set_status(session: Session, a: Assignment, status: str, actor: str) -> None:
    _history(session, a, "status", a.status, status, actor)
    a.status = status
    a.updated_at = utcnow()
    session.add(a)


def _history(session: Session, a: Assignment, field_name: str, before, after, actor: str) -> None:
    session.add(StatusChange(assignment_id=a.id, actor_name=actor, channel=Channel.IMPORT,
                             field=field_name, before=before, after=after))


# --- Per-unit due dates (reporting calendar: each kind of unit has its own deadline) ---

def _wanted_per_unit(spec: TaskSpec) -> dict[tuple[int, str], tuple[str, date | None]]:
    """One assignment per lead unit, due on its own date; the task is the occurrence, so period ''."""
    return {(unit_id, ""): (Role.LEAD, spec.unit_dues[unit_id]) for unit_id in spec.lead_ids
            if unit_id in spec.unit_dues}


def _follow_due(session: Session, a: Assignment, due: date | None, actor: str, report: SyncReport,
                number: str) -> None:
    """A re-applied calendar moves a due date, unless an officer already extended it."""
    if a.due_on == due or a.extensions or a.status not in Status.ACTIVE:
        return
    _history(session, a, "due_on", a.due_on.isoformat() if a.due_on else None, due.isoformat() if due else None,
             actor)
    a.due_on, a.original_due_on, a.updated_at = due, due, utcnow()
    session.add(a)
    if number not in report.updated and number not in report.created:
        report.updated.append(number)
