"""The cadence an officer chose for a plan or one of its tasks, over the configured default.

A task's own offsets win over its plan's, which win over NHACVIEC_REMINDER_OFFSETS (see planning);
check-ins of undated tasks follow the task's choice, else NHACVIEC_REMINDER_CHECKIN_EVERY.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from calendars.reporting_checkins import CHECKIN_EVERY
from config import Settings
from reminders import cadence
from reminders.planning import effective_offsets
from storage.models import Plan, Task
from storage.types import utcnow

KEEP = object()  # "leave this setting as it is"


class CadenceError(ValueError):
    """The plan, the task or the values given cannot be used (the message says which)."""


@dataclass(frozen=True)
class Cadence:
    """What reminders a plan (or one task of it) now follows, and where each choice comes from."""

    plan_id: int
    task_number: str | None
    offsets: tuple[int, ...]
    offsets_from: str          # task | plan | default
    checkin: str | None        # task only: monthly | weekly
    checkin_from: str          # task | default

    def as_json(self) -> dict:
        return {"plan_id": self.plan_id, "task": self.task_number, "offsets": list(self.offsets),
                "offsets_from": self.offsets_from, "checkin": self.checkin, "checkin_from": self.checkin_from}


def find(session: Session, *, plan_id: int, task_number: str | None) -> tuple[Plan, Task | None]:
    """The plan and, when a number is given, its task; CadenceError when either is missing."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise CadenceError(f"plan:{plan_id}")
    if task_number is None:
        return plan, None
    task = session.exec(select(Task).where(Task.plan_id == plan_id, Task.number == task_number,
                                           Task.removed == False)).first()  # noqa: E712
    if task is None:
        raise CadenceError(f"task:{task_number}")
    return plan, task


def change(session: Session, *, plan: Plan, task: Task | None, offsets=KEEP, checkin=KEEP) -> None:
    """Set (text), clear (None) or keep (KEEP) the offsets and the check-in rhythm; does not commit."""
    if offsets is not KEEP:
        if offsets is not None and cadence.parse_offsets(offsets) is None:
            raise CadenceError(f"offsets:{offsets}")
        target = task if task is not None else plan
        target.reminder_offsets = ",".join(map(str, cadence.parse_offsets(offsets))) if offsets else None
        session.add(target)
    if checkin is not KEEP:
        if task is None:
            raise CadenceError("checkin:plan")
        if checkin is not None and checkin not in CHECKIN_EVERY:
            raise CadenceError(f"checkin:{checkin}")
        task.checkin_every = checkin
        session.add(task)
    plan.updated_at = utcnow()
    session.add(plan)


def current(plan: Plan, task: Task | None, settings: Settings) -> Cadence:
    """The cadence in force for the plan, or for the task."""
    own = task.reminder_offsets if task is not None else None
    offsets_from = "task" if cadence.parse_offsets(own) else (
        "plan" if cadence.parse_offsets(plan.reminder_offsets) else "default")
    checkin = task.checkin_every if task is not None else None
    return Cadence(plan.id, task.number if task is not None else None,
                   effective_offsets(own, plan.reminder_offsets, settings.reminder_offsets), offsets_from,
                   checkin or settings.reminder_checkin_every, "task" if checkin else "default")
