"""An officer's housekeeping: remove a plan or a unit, close earlier occurrences in bulk. Nothing is deleted:
assignments are closed with a history row each, so every report of the past still adds up."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlmodel import Session, select

from i18n import _
from services.status import Actor, set_status
from storage.models import Assignment, Channel, MemberRole, Plan, Status, StatusChange, Task, Unit


class AdminError(ValueError):
    """The change was refused; the message says why (translated)."""


def cli_actor(name: str = "cli") -> Actor:
    """The officer at the terminal."""
    return Actor(name=name, channel=Channel.CLI, role=MemberRole.OFFICER)


def live_plan(session: Session, plan_id: int) -> Plan:
    """The plan `plan_id` unless missing or removed (AdminError)."""
    plan = session.get(Plan, plan_id)
    if plan is None or plan.removed:
        raise AdminError(_("Không có kế hoạch #{id}. Xem danh sách: nhacviec plans list").format(id=plan_id))
    return plan


def remove_plan(session: Session, *, plan: Plan, actor: Actor, now: datetime | None = None) -> int:
    """Hide the plan and cancel its open assignments (done ones stay done); returns how many were cancelled."""
    now = now or datetime.now(timezone.utc)
    note = _("Gỡ kế hoạch #{id}").format(id=plan.id)
    rows = session.exec(select(Assignment).join(Task).where(Task.plan_id == plan.id,
                                                            Assignment.status.in_(Status.ACTIVE))).all()
    for a in rows:
        set_status(session, assignment=a, status=Status.CANCELLED, actor=actor, now=now, note=note)
    done = session.exec(select(Assignment).join(Task).where(Task.plan_id == plan.id,
                                                            Assignment.status == Status.DONE)).all()
    for a in done:   # done stays done; the day it left the reports is recorded (`reports.history`)
        session.add(StatusChange(assignment_id=a.id, at=now, actor_id=actor.user.id if actor.user else None,
                                 actor_name=actor.name, channel=actor.channel, field="retired", before=Status.DONE,
                                 note=note))
    plan.removed = True
    session.add(plan)
    return len(rows)


@dataclass
class UnitRemoval:
    """What removing a unit did."""

    unit: Unit
    cancelled: int


def remove_unit(session: Session, *, code: str, force: bool, actor: Actor,
                now: datetime | None = None) -> UnitRemoval:
    """Deactivate the unit (no more assignments or reminders); refused while it has open work unless `force`."""
    from services.queries import unit_by_code

    unit = unit_by_code(session, code)
    if unit is None or not unit.active:
        raise AdminError(_("Không có đơn vị mã {code}").format(code=code))
    rows = session.exec(select(Assignment).join(Task).join(Plan).where(
        Assignment.unit_id == unit.id, Assignment.status.in_(Status.ACTIVE), Plan.removed == False)).all()  # noqa: E712
    if rows and not force:
        raise AdminError(_("Đơn vị {code} còn {n} phân công chưa xong; chưa gỡ. Chuyển việc cho đơn vị khác, hoặc "
                           "gỡ kèm huỷ các phân công đó (lịch sử được giữ): nhacviec units remove {code} --force")
                         .format(code=unit.code, n=len(rows)))
    now = now or datetime.now(timezone.utc)
    note = _("Gỡ đơn vị {code}").format(code=unit.code)
    for a in rows:
        set_status(session, assignment=a, status=Status.CANCELLED, actor=actor, now=now, note=note)
    unit.active = False
    session.add(unit)
    return UnitRemoval(unit, len(rows))


def close_before(session: Session, *, before: date, status: str, actor: Actor, unit: Unit | None = None,
                 plan_id: int | None = None, now: datetime | None = None) -> int:
    """Close open occurrences due before `before` as done or not tracked, each with history; returns the count."""
    if status not in (Status.DONE, Status.NOT_TRACKED):
        raise AdminError(_("Chỉ đóng được thành \"done\" hoặc \"not_tracked\"."))
    q = (select(Assignment).join(Task).join(Plan).where(
        Assignment.status.in_(Status.ACTIVE), Assignment.due_on.is_not(None), Assignment.due_on < before,
        Plan.removed == False, Task.removed == False))  # noqa: E712
    if unit is not None:
        q = q.where(Assignment.unit_id == unit.id)
    if plan_id is not None:
        q = q.where(Task.plan_id == plan_id)
    rows = session.exec(q).all()
    now = now or datetime.now(timezone.utc)
    note = _("Đóng hàng loạt các kỳ đến hạn trước {date}").format(date=before.strftime("%d/%m/%Y"))
    for a in rows:
        set_status(session, assignment=a, status=status, actor=actor, now=now, note=note)
    return len(rows)
