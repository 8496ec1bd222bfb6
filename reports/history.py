"""An assignment as it stood at the end of a past day, rebuilt from its recorded history.

A report as of day D must say what a report run on D said. Every change is in `StatusChange` (status, due date,
"created", role, undo, "retired"); replaying those recorded by the end of D gives: whether the assignment existed
(and was still in the plan: a done one of a task a revision removed leaves the reports from that day on), its role
(chủ trì or phối hợp) and status, its due date after the extensions approved by D (each approval is a due-date
change recorded by an officer; a plan re-import's date changes are not extensions), the deadline its timeliness is
judged by (an extension approved after the deadline had passed moves the due date but does not make the work on
time), and its completion date when it was done by then. What was recorded later (a completion typed in on the 16th
about the 13th, a reopening, a later extension) does not reach back.

Assignments made by a plan's first import count from the start: an officer who loads the plan in July and
compiles quý I wants quý I's tasks. Those added by a later revision exist from the day they were added.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlmodel import Session, select

from storage.models import Assignment, Channel, Evidence, Plan, Status, StatusChange, Task

FIRST_IMPORT_SLACK = timedelta(minutes=10)  # one import's rows are written within moments of the plan


@dataclass
class StateThen:
    """What the records said about one assignment at the end of a day."""

    exists: bool
    status: str
    due_on: date | None
    done_on: date | None     # local completion date, when done by then
    extensions: int
    note: str = ""           # the last note recorded with a status change by then
    on_time_by: date | None = None  # the deadline as extended by the extensions approved before it had passed
    retired: bool | None = None     # its task left the plan by then (None: no record of when, older data)
    role: str = ""                  # chủ trì or phối hợp then (a revision may have changed it since)


def end_of_day(day: date, tz: tzinfo) -> datetime:
    """The first instant after local day `day`, aware."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def states_on(session: Session, *, rows: list[tuple[Assignment, Task, Plan]], day: date,
              tz: tzinfo) -> dict[int, StateThen]:
    """The state of each assignment at the end of `day` (local), keyed by assignment id."""
    ids = [a.id for a, _t, _p in rows]
    changes = _changes(session, ids)
    until = end_of_day(day, tz)
    return {a.id: _replay(a, plan, changes.get(a.id, []), until, tz) for a, _task, plan in rows}


def evidence_by(session: Session, *, ids: list[int], until: datetime) -> dict[int, list[str]]:
    """Names of the files sent as evidence before `until`, per assignment."""
    found: dict[int, list[str]] = defaultdict(list)
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        q = select(Evidence.assignment_id, Evidence.original_name).where(Evidence.assignment_id.in_(chunk),
                                                                         Evidence.uploaded_at < until)
        for assignment_id, name in session.exec(q.order_by(Evidence.uploaded_at, Evidence.id)):
            found[assignment_id].append(name)
    return found


def _changes(session: Session, ids: list[int]) -> dict[int, list[StatusChange]]:
    found: dict[int, list[StatusChange]] = defaultdict(list)
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        q = select(StatusChange).where(StatusChange.assignment_id.in_(chunk))
        for change in session.exec(q.order_by(StatusChange.at, StatusChange.id)):
            found[change.assignment_id].append(change)
    return found


def _replay(a: Assignment, plan: Plan, changes: list[StatusChange], until: datetime, tz: tzinfo) -> StateThen:
    by_id = {c.id: c for c in changes}
    status = _first(changes, "status", a.status)
    due = on_time_by = _as_date(_first(changes, "due_on", a.due_on.isoformat() if a.due_on else None))
    done_at, exists, note, extensions = None, True, "", 0
    retired = False if any(c.field == "retired" for c in changes) else None
    role = _first(changes, "role", a.role)
    before: dict[int, tuple] = {}   # change id → (status, done_at) it replaced, for an undo to put back
    for change in changes:
        if change.at >= until:
            break
        field, value = change.field, change.after
        if field == "undo":
            undone = by_id.get(_undo_target(change.note))
            field = undone.field if undone is not None else ""
            if field == "status" and undone.id in before:
                status, done_at = before[undone.id]
                continue
        if field == "created":
            exists, status = True, value or Status.OPEN
        elif field == "retired":
            retired = True
        elif field == "role" and value:
            role = value
        elif field == "status" and value:
            before[change.id] = (status, done_at)
            status = value
            done_at = change.at if value == Status.DONE else None
            note = change.note or note
        elif field == "due_on":
            due = _as_date(value)
            # An approved extension moves a deadline; a first date given to an undated task ("📅 Báo hạn") is not one.
            extension = change.field == "due_on" and change.channel != Channel.IMPORT and change.before is not None
            extensions += extension
            if not extension or _in_time(change.at, on_time_by, tz):
                on_time_by = due
    if changes and changes[0].field == "created" and changes[0].at >= until:
        exists = changes[0].at <= plan.imported_at + FIRST_IMPORT_SLACK
    if status == Status.DONE and done_at is None and a.done_at is not None and a.done_at >= until \
            and not any(c.field == "status" for c in changes):
        status = Status.IN_PROGRESS   # no history of it, but done only after the day: under way then
    if not any(c.field == "due_on" for c in changes):
        extensions = a.extensions   # extended without a recorded history (older data): as it stands
        on_time_by = due
    done_on = _done_on(a, status, done_at, changes, until, tz)
    return StateThen(exists=exists, status=status, due_on=due, done_on=done_on, extensions=extensions, note=note,
                     on_time_by=on_time_by, retired=retired, role=role)


def _in_time(moment: datetime, deadline: date | None, tz: tzinfo) -> bool:
    """Whether an extension approved at `moment` came by the deadline it moved (on the day itself included)."""
    return deadline is None or moment.astimezone(tz).date() <= deadline


def _done_on(a: Assignment, status: str, done_at: datetime | None, changes: list[StatusChange],
             until: datetime, tz: tzinfo) -> date | None:
    if status != Status.DONE:
        return None
    recorded_later = any(c.at >= until for c in changes)
    # The day the work was done (when recorded) belongs to the completion still current.
    stored = getattr(a, "done_on", None)
    if stored is not None and a.status == Status.DONE and not recorded_later:
        return stored
    moment = done_at or a.done_at
    return moment.astimezone(tz).date() if moment else None


def _first(changes: list[StatusChange], field: str, current):
    """The value before the first recorded change of `field` (the current value when never changed)."""
    for change in changes:
        if change.field == field:
            return change.before if field != "status" or change.before else current
    return current


def _undo_target(note: str | None) -> int | None:
    text = (note or "").strip().lstrip("#")
    return int(text) if text.isdigit() else None


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
