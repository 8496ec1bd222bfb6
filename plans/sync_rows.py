"""The rows an import writes, in bulk: a plan's assignments read in one query, new tasks, assignments and their
history inserted with executemany, changed assignments updated in a few statements (SQLAlchemy Core).

One ORM object and one flush per assignment made a 1,000-row × 21-unit import take half a minute; the decisions
stay in plans/sync.py, this module only reads and writes what they decided.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import bindparam, insert, literal, select, update
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session

from storage.models import Assignment, Channel, StatusChange, Task
from storage.types import UTCDateTime

ASSIGNMENT = Assignment.__table__
TASK = Task.__table__
HISTORY = StatusChange.__table__
Key = tuple[int, str]  # (unit id, period)


@dataclass(eq=False, slots=True)
class AssignmentRow:
    """One assignment as the import sees it; `id` None until a new one is inserted."""

    task_id: int
    unit_id: int
    period: str
    role: str
    status: str
    due_on: date | None
    extensions: int = 0
    id: int | None = None
    changed: dict | None = None  # columns to update


CARRIED = frozenset(f.name for f in fields(AssignmentRow))


def keeps_extension(extensions: int, due_on: date | None, new_due: date | None) -> bool:
    """A revision never shortens an approved extension: the unit was told "Hạn mới: …" and keeps it."""
    return bool(extensions) and due_on is not None and new_due is not None and due_on > new_due


def load_assignments(session: Session, *, plan_id: int) -> dict[int, dict[Key, AssignmentRow]]:
    """Every assignment of the plan's tasks, by task id then (unit id, period): one query."""
    a = ASSIGNMENT.c
    query = (select(a.id, a.task_id, a.unit_id, a.period, a.role, a.status, a.due_on, a.extensions)
             .join(TASK, TASK.c.id == a.task_id).where(TASK.c.plan_id == plan_id))
    found: dict[int, dict[Key, AssignmentRow]] = {}
    for id_, task_id, unit_id, period, role, status, due_on, extensions in session.execute(query).all():
        row = AssignmentRow(task_id, unit_id, period, role, status, due_on, extensions, id_)
        found.setdefault(task_id, {})[(unit_id, period)] = row
    return found


def insert_tasks(session: Session, rows: list[dict]) -> list[int]:
    """Insert new tasks (full column dicts); their ids, in the order given."""
    if not rows:
        return []
    statement = insert(TASK).returning(TASK.c.id, sort_by_parameter_order=True)
    return list(session.execute(statement, rows).scalars())


class Writes:
    """What one import writes to assignments and their history, collected in order and written at the end."""

    def __init__(self, *, actor: str, now: datetime):
        self.actor, self.now = actor, now
        self.new: list[AssignmentRow] = []
        self.dirty: dict[int, AssignmentRow] = {}
        self.history: list[tuple[AssignmentRow, str, str | None, str | None]] = []

    def create(self, row: AssignmentRow) -> None:
        """A new assignment; its "created" history row is written with it."""
        self.new.append(row)

    def record(self, row: AssignmentRow, field_name: str, before: str | None, after: str | None) -> None:
        """A history row of an existing assignment."""
        self.history.append((row, field_name, before, after))

    def change(self, row: AssignmentRow, **values) -> None:
        """Set columns of an existing assignment (those the row carries are updated on it too)."""
        row.changed = row.changed or {}
        for name, value in values.items():
            if name in CARRIED:
                setattr(row, name, value)
            row.changed[name] = value
        self.dirty[row.id] = row

    def write(self, session: Session, *, plan_id: int) -> None:
        """Insert the new assignments and their "created" history, then update and record the other changes."""
        if self.new:
            session.execute(insert(ASSIGNMENT), [self._values(row) for row in self.new])
            session.execute(self._created_history(plan_id))
        self._update(session)
        if self.history:
            session.execute(insert(HISTORY), [
                {"assignment_id": row.id, "at": self.now, "actor_name": self.actor, "channel": Channel.IMPORT,
                 "field": name, "before": before, "after": after, "undone": False}
                for row, name, before, after in self.history])

    def _values(self, row: AssignmentRow) -> dict:
        return {"task_id": row.task_id, "unit_id": row.unit_id, "role": row.role, "period": row.period,
                "due_on": row.due_on, "original_due_on": row.due_on, "status": row.status, "extensions": 0,
                "updated_at": self.now}

    def _created_history(self, plan_id: int):
        """One INSERT … SELECT for the rows just inserted: the plan's assignments stamped with this import's time
        (before any update stamps an existing one), in id order."""
        a = ASSIGNMENT.c
        created = (select(a.id, literal(self.now, UTCDateTime()), literal(self.actor), literal(Channel.IMPORT),
                          literal("created"), a.status, literal(False))
                   .join(TASK, TASK.c.id == a.task_id).where(TASK.c.plan_id == plan_id, a.updated_at == self.now)
                   .order_by(a.id))
        return insert(HISTORY).from_select(
            ["assignment_id", "at", "actor_name", "channel", "field", "after", "undone"], created)

    def _update(self, session: Session) -> None:
        """One executemany per set of changed columns; assignments loaded in the session are expired."""
        by_columns: dict[tuple[str, ...], list[dict]] = {}
        for row in self.dirty.values():
            names = tuple(sorted(row.changed))
            by_columns.setdefault(names, []).append({"_id": row.id, **{f"v_{n}": row.changed[n] for n in names}})
        for names, params in by_columns.items():
            statement = (update(ASSIGNMENT).where(ASSIGNMENT.c.id == bindparam("_id"))
                         .values({n: bindparam(f"v_{n}") for n in names}))
            session.connection().execute(statement, params)
        for assignment_id in self.dirty:
            loaded = session.identity_map.get(identity_key(Assignment, assignment_id))
            if loaded is not None:
                session.expire(loaded)
