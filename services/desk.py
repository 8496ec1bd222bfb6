"""Read-only questions the desk (web pages) asks; the numbers come from the same report the CLI and chat use."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, tzinfo

from sqlmodel import Session, select

from reports.summary import Counts, Report, build_report
from services import conversation, queries
from services.extensions import decided_by_name
from services.queries import AssignmentView
from storage.models import (Assignment, ChatLink, Evidence, ExtensionRequest, Plan, Status, StatusChange, Task,
                            Unit, UnitGroup, UnitGroupMember)


@dataclass
class PlanProgress:
    plan: Plan
    report: Report

    @property
    def counts(self) -> Counts:
        return self.report.assignments


def plan_progress(session: Session, *, as_of: date, roles: tuple[str, ...], tz: tzinfo,
                  day_off_rule: str = "before") -> tuple[Report, list]:
    """The whole report as of a day, and each plan's (`nhacviec report --plan N`)."""
    report = build_report(session, as_of=as_of, roles=roles, tz=tz, day_off_rule=day_off_rule)
    plans = [PlanProgress(p, build_report(session, as_of=as_of, roles=roles, plan_id=p.id, tz=tz,
                                          day_off_rule=day_off_rule))
             for p in session.exec(select(Plan).order_by(Plan.year, Plan.id))]
    return report, plans


def overdue(session: Session, *, today: date, roles: tuple[str, ...], unit_ids: list[int] | None = None,
            section: str = "", plan_id: int | None = None, day_off_rule: str = "before") -> list[AssignmentView]:
    """The chat's /overdue list, optionally narrowed to a plan and a section."""
    views = queries.overdue(session, today=today, unit_ids=unit_ids, roles=roles, day_off_rule=day_off_rule)
    return [v for v in views if (not section or v.task.section == section)
            and (plan_id is None or v.task.plan_id == plan_id)]


def sections(session: Session) -> list[str]:
    """Section headings of the tasks still in their plans, in plan order."""
    rows = session.exec(select(Task.section).where(Task.removed == False)  # noqa: E712
                        .order_by(Task.plan_id, Task.position))
    return list(dict.fromkeys(s for s in rows if s))


def units(session: Session) -> list[Unit]:
    """Active units by code."""
    return list(session.exec(select(Unit).where(Unit.active == True).order_by(Unit.code)))  # noqa: E712


def groups(session: Session) -> list[tuple[UnitGroup, list[Unit]]]:
    """Each group of units with its members."""
    out = []
    for group in session.exec(select(UnitGroup).order_by(UnitGroup.name)):
        members = session.exec(select(Unit).join(UnitGroupMember, UnitGroupMember.unit_id == Unit.id)
                               .where(UnitGroupMember.group_id == group.id).order_by(Unit.code))
        out.append((group, list(members)))
    return out


def unit_views(session: Session, unit: Unit) -> list[AssignmentView]:
    """Every assignment of the unit but the cancelled ones."""
    return [v for v in queries.views(session, unit_ids=[unit.id], statuses=None)
            if v.assignment.status != Status.CANCELLED]


def unit_contacts(session: Session, unit: Unit) -> list[ChatLink]:
    """The chats that receive the unit's reminders."""
    return conversation.unit_links(session, unit_id=unit.id)


def last_reply(session: Session, unit: Unit) -> StatusChange | None:
    """The unit's latest answer (a change made in chat or on the desk, not by an import)."""
    return session.exec(select(StatusChange).join(Assignment, Assignment.id == StatusChange.assignment_id)
                        .where(Assignment.unit_id == unit.id, StatusChange.channel.not_in(("import", "system")))
                        .order_by(StatusChange.at.desc())).first()


HISTORY_SHOWN = 40  # the latest changes of a task; older ones stay in the database
DECIDED_SHOWN = 20  # the latest decided extension requests of a task


@dataclass
class TaskPage:
    task: Task
    plan: Plan
    views: list[AssignmentView]
    history: list[StatusChange]
    evidence: list[Evidence]
    requests: list[ExtensionRequest]
    decided: list[tuple[ExtensionRequest, str]] = field(default_factory=list)  # with who decided, when known


def task_page(session: Session, task_id: int, *, unit_id: int | None = None) -> TaskPage | None:
    """A task with its assignments (one unit's when `unit_id`), history, evidence and pending extensions."""
    task = session.get(Task, task_id)
    if task is None:
        return None
    views = [v for v in queries.views(session, statuses=None, task_number=task.number, plan_id=task.plan_id)
             if v.assignment.status != Status.CANCELLED and (unit_id is None or v.unit.id == unit_id)]
    ids = [v.id for v in views]
    history = list(session.exec(select(StatusChange).where(StatusChange.assignment_id.in_(ids))
                                .order_by(StatusChange.at.desc(), StatusChange.id.desc()).limit(HISTORY_SHOWN + 1)))
    evidence = list(session.exec(select(Evidence).where(Evidence.assignment_id.in_(ids))
                                 .order_by(Evidence.uploaded_at)))
    requests = list(session.exec(select(ExtensionRequest).where(ExtensionRequest.assignment_id.in_(ids),
                                                                ExtensionRequest.state == "pending")))
    decided = [(r, decided_by_name(session, r)) for r in session.exec(
        select(ExtensionRequest).where(ExtensionRequest.assignment_id.in_(ids), ExtensionRequest.state != "pending")
        .order_by(ExtensionRequest.decided_at.desc(), ExtensionRequest.id.desc()).limit(DECIDED_SHOWN))]
    return TaskPage(task, session.get(Plan, task.plan_id), views, history, evidence, requests, decided)


def evidence_file(session: Session, evidence_id: int) -> tuple[Evidence, Assignment] | None:
    """An evidence file with the assignment it belongs to."""
    item = session.get(Evidence, evidence_id)
    return (item, session.get(Assignment, item.assignment_id)) if item else None
