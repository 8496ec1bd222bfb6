"""Bring a plan's tasks and assignments in line with a new reading of its document (history stays put)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from plans.revision import GuessedMatch, Revision, TaskChange, review_revision
from plans.sync_rows import AssignmentRow, Key, Writes, insert_tasks, keeps_extension
from storage.models import Plan, Role, Status, Task, Unit
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
    unresolved: list[str] = field(default_factory=list)  # names in the unit cell the directory does not hold


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
    `revision`, when given, must have been read in this transaction: its assignments are the ones written from.
    Assignments and their history are read once and written in bulk (plans/sync_rows.py).
    """
    revision = revision or review_revision(session, plan=plan, specs=specs)
    if revision.guesses and not accept_guesses:
        raise GuessedMatch(revision)
    report = SyncReport(plan_id=plan.id, changes=[c for c in revision.changes if c.visible], track_from=track_from)
    codes = dict(session.execute(select(Unit.id, Unit.code)).all())
    task_ids = _save_tasks(session, plan=plan, specs=specs, tasks=revision.tasks, report=report)
    current = revision.assignments
    writes = Writes(actor=actor, now=utcnow())
    for spec, task_id in zip(specs, task_ids):
        _sync_assignments(writes, task_id=task_id, spec=spec, current=current.get(task_id, {}), report=report,
                          codes=codes, track_from=track_from)
    for task in revision.retired:
        task.removed = True
        session.add(task)
        report.removed.append(task.number)
        _cancel_open(writes, rows=current.get(task.id, {}).values(), keep=set(), report=report)
        _record_done_retired(writes, rows=current.get(task.id, {}).values())
    writes.write(session, plan_id=plan.id)
    report.unchanged = not (report.created or report.updated or report.removed
                            or report.assignments_created or report.assignments_cancelled)
    if not report.unchanged:
        plan.updated_at = utcnow()
        session.add(plan)
    return report


def _save_tasks(session: Session, *, plan: Plan, specs: list[TaskSpec], tasks: list[Task | None],
                report: SyncReport) -> list[int]:
    """Each spec's task id: matched tasks updated in place, new ones inserted together."""
    created: set[str] = set()
    new_rows: list[dict] = []
    for position, (spec, task) in enumerate(zip(specs, tasks)):
        if task is None:
            report.created.append(spec.number)
            created.add(spec.number)
            new_rows.append({"plan_id": plan.id, "reminder_offsets": None, "checkin_every": None,
                             **_task_values(spec, position)})
        else:
            if _apply(task, spec, position) and spec.number not in created:
                report.updated.append(spec.number)
            session.add(task)
    new_ids = iter(insert_tasks(session, new_rows))
    session.flush()
    return [task.id if task is not None else next(new_ids) for task in tasks]


def _task_values(spec: TaskSpec, position: int) -> dict:
    values = {name: getattr(spec, name) for name in TASK_FIELDS}
    values.update(deadline_kind=spec.kind, dues=[d.isoformat() for d in spec.dues], position=position, removed=False,
                  start_on=spec.start_on)
    return values


def _apply(task: Task, spec: TaskSpec, position: int) -> bool:
    changed = False
    for name, value in _task_values(spec, position).items():
        before = getattr(task, name)
        if before != value:
            setattr(task, name, value)
            # Not a change to the officer: the position, or where a line wrapped (the same plan as PDF and Word).
            changed = changed or (name != "position" and not _same_words(before, value))
    return changed


def _same_words(before, after) -> bool:
    return isinstance(before, str) and isinstance(after, str) and before.split() == after.split()


def _wanted(spec: TaskSpec) -> dict[Key, tuple[str, date | None]]:
    if spec.unit_dues is not None:
        return _wanted_per_unit(spec)
    periods = [(d.isoformat(), d) for d in spec.dues] or [("", None)]
    wanted: dict[Key, tuple[str, date | None]] = {}
    for role, ids in ((Role.LEAD, spec.lead_ids), (Role.PARTNER, spec.partner_ids)):
        for unit_id in ids:
            for period, due in periods:
                wanted.setdefault((unit_id, period), (role, due))
    return wanted


def _sync_assignments(writes: Writes, *, task_id: int, spec: TaskSpec, current: dict[Key, AssignmentRow],
                      report: SyncReport, codes: dict[int, str], track_from: date | None) -> None:
    wanted = _wanted(spec)
    if current:
        _move_changed_dates(writes, wanted=wanted, current=current)
    for key, (role, due) in wanted.items():
        code = codes.get(key[0], "?")
        report.per_unit[code] = report.per_unit.get(code, 0) + 1
        found = current.get(key)
        start = Status.NOT_TRACKED if track_from and due and due < track_from else Status.OPEN
        if found is None:
            writes.create(AssignmentRow(task_id, key[0], key[1], role, start, due))
            report.assignments_created += 1
            report.not_tracked += start == Status.NOT_TRACKED
            continue
        if found.status == Status.CANCELLED:
            _set_status(writes, found, start)
            report.assignments_created += 1
        if found.role != role:   # recorded: the reports of the days before count the unit in its role then
            writes.record(found, "role", found.role, role)
            writes.change(found, role=role)
        if spec.unit_dues is not None:
            _follow_due(writes, found, due, report, spec.number)
    if current:
        _cancel_open(writes, rows=current.values(), keep=wanted.keys(), report=report)


def _move_changed_dates(writes: Writes, *, wanted: dict, current: dict) -> None:
    """A deadline edited in the document moves the unit's assignment, keeping its status and history
    (and an approved extension to a later day than the new deadline)."""
    missing = {u for u, p in wanted if (u, p) not in current}  # units with a new occurrence: only they can move
    if not missing:
        return
    for unit_id in {u for u, _p in wanted}:
        if unit_id not in missing:
            continue
        new = sorted(p for u, p in wanted if u == unit_id and (u, p) not in current)
        old = sorted(p for (u, p), a in current.items()
                     if u == unit_id and (u, p) not in wanted and a.status != Status.CANCELLED)
        for old_period, new_period in zip(old, new):
            a = current.pop((unit_id, old_period))
            due = wanted[(unit_id, new_period)][1]
            if keeps_extension(a.extensions, a.due_on, due):
                writes.change(a, period=new_period, original_due_on=due)  # the plan's date; the approval stands
            else:
                writes.record(a, "due_on", a.due_on.isoformat() if a.due_on else None,
                              due.isoformat() if due else None)
                writes.change(a, period=new_period, due_on=due, original_due_on=due)
            current[(unit_id, new_period)] = a


def _cancel_open(writes: Writes, *, rows, keep, report: SyncReport) -> None:
    for a in list(rows):
        if (a.unit_id, a.period) not in keep and a.status not in (Status.CANCELLED, Status.DONE):
            _set_status(writes, a, Status.CANCELLED)
            report.assignments_cancelled += 1


def _record_done_retired(writes: Writes, *, rows) -> None:
    """What was done stays done; the day its task left the plan is recorded, so the reports of the days before
    still count it (`reports.history`)."""
    for a in rows:
        if a.status == Status.DONE:
            writes.record(a, "retired", Status.DONE, None)


def _set_status(writes: Writes, a: AssignmentRow, status: str) -> None:
    writes.record(a, "status", a.status, status)
    writes.change(a, status=status, updated_at=writes.now)


# --- Per-unit due dates (reporting calendar: each kind of unit has its own deadline) ---

def _wanted_per_unit(spec: TaskSpec) -> dict[Key, tuple[str, date | None]]:
    """One assignment per lead unit, due on its own date; the task is the occurrence, so period ''."""
    return {(unit_id, ""): (Role.LEAD, spec.unit_dues[unit_id]) for unit_id in spec.lead_ids
            if unit_id in spec.unit_dues}


def _follow_due(writes: Writes, a: AssignmentRow, due: date | None, report: SyncReport, number: str) -> None:
    """A re-applied calendar moves a due date, unless an officer already extended it."""
    if a.due_on == due or a.extensions or a.status not in Status.ACTIVE:
        return
    writes.record(a, "due_on", a.due_on.isoformat() if a.due_on else None, due.isoformat() if due else None)
    writes.change(a, due_on=due, original_due_on=due, updated_at=writes.now)
    if number not in report.updated and number not in report.created:
        report.updated.append(number)
