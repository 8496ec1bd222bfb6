"""The reporting calendar in the database: a plan per year whose tasks are the periodic reports.

`apply_calendar` creates or updates the plan "Lịch báo cáo CCHC định kỳ năm YYYY": one task per
report, one assignment per unit that must report, due on the working day its kind's deadline
means. Applying again changes only what the calendar changed (an extended date is kept).
`task_deadlines` gathers the year's dated tasks that `nhacviec calendar` shows beside the periods.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from calendars.reporting_periods import ReportingCalendar, ReportPeriod
from calendars.reporting_rules import DEFAULT_KIND
from calendars.workdays import WorkCalendar
from i18n import fmt_date, use_locale
from plans.sync import SyncReport, TaskSpec, sync_plan_tasks
from units.normalize import normalize
from storage.models import Assignment, Plan, Status, Task, Unit

SOURCE_PREFIX = "calendar:"
# Plan and task texts are data kept in the database (like an imported plan's), so Vietnamese.
PLAN_TITLE = "Lịch báo cáo CCHC định kỳ năm {year}"
TASK_PRODUCT = "Báo cáo (số liệu từ {start} đến {end})"
TASK_DEADLINE = "Cơ quan gửi báo cáo lên cấp trên chậm nhất {so}; đơn vị nộp trước theo lịch"
TASK_DEADLINE_COMPILER = "{unit} tổng hợp, gửi báo cáo lên cấp trên chậm nhất {so}; các đơn vị nộp trước theo lịch"


def units_reporting(period: ReportPeriod, units: list[Unit], compiler: Unit | None = None) -> dict[int, date]:
    """Units that must send this report, each with the working day it must send it by.

    The compiling unit (Văn phòng Sở) owns the upward deadline instead of its kind's early date:
    its assignment is "tổng hợp, gửi báo cáo lên cấp trên", reminded against the date that matters.
    """
    kinds = set(period.unit_deadlines)
    due = {}
    for unit in units:
        if unit.active and (unit.kind in kinds or DEFAULT_KIND in kinds):
            due[unit.id] = period.deadline_for(unit.kind)[1]
    if compiler is not None and compiler.active:
        due[compiler.id] = period.so_effective
    return due


def find_compiler(session: Session, *, names: tuple[str, ...]) -> Unit | None:
    """The first unit whose code, name or alias matches one of `names` (the calendar's `compiler`)."""
    units = list(session.exec(select(Unit).where(Unit.active == True)))  # noqa: E712
    for wanted in names:
        key = normalize(wanted)
        for unit in units:
            if unit.code.casefold() == wanted.strip().casefold() or key in {normalize(t) for t in
                                                                            (unit.name, *unit.aliases)}:
                return unit
    return None


def find_plan(session: Session, *, year: int) -> Plan | None:
    """The reporting-calendar plan of `year`, if applied (and not removed since: a removed plan stays as it was)."""
    return session.exec(select(Plan).where(Plan.year == year, Plan.source_name.startswith(SOURCE_PREFIX),
                                           Plan.removed == False)).first()  # noqa: E712


def apply_calendar(session: Session, *, calendar: ReportingCalendar, preset: str, year: int, work: WorkCalendar,
                   actor: str = "cli", compiler: Unit | None = None, track_from: date | None = None) -> SyncReport:
    """Create or update the year's reporting plan, its tasks and assignments; no commit.

    `compiler` is the unit that compiles the report and sends it upward (it gets the upward deadline).
    Reports due before `track_from` are created "not tracked" (joining mid-year: never reminded, never overdue).
    """
    plan = find_plan(session, year=year) or Plan(title=PLAN_TITLE.format(year=year), year=year)
    plan.title, plan.issuer = PLAN_TITLE.format(year=year), calendar.organisation
    plan.source_name = SOURCE_PREFIX + preset
    session.add(plan)
    session.flush()
    units = list(session.exec(select(Unit).order_by(Unit.code)))
    specs = [_spec(period, units_reporting(period, units, compiler), calendar, compiler)
             for period in calendar.periods(year, work)]
    return sync_plan_tasks(session, plan=plan, specs=specs, actor=actor, track_from=track_from)


def _spec(period: ReportPeriod, unit_dues: dict[int, date], calendar: ReportingCalendar,
          compiler: Unit | None) -> TaskSpec:
    with use_locale("vi"):
        product = TASK_PRODUCT.format(start=fmt_date(period.cutoff_start), end=fmt_date(period.cutoff_end))
        deadline = (TASK_DEADLINE_COMPILER.format(unit=compiler.name, so=fmt_date(period.so_effective)) if compiler
                    else TASK_DEADLINE.format(so=fmt_date(period.so_effective)))
    return TaskSpec(number=period.code, section=calendar.name, title=period.label,
                    product=product, lead_text="", partners_text="", deadline_text=deadline, kind="date",
                    dues=tuple(sorted(set(unit_dues.values()))), lead_ids=list(unit_dues), partner_ids=[],
                    source="calendar", unit_dues=unit_dues)


@dataclass
class TaskDeadline:
    """One dated task of the year (for one unit, or for however many units share the date)."""

    number: str
    title: str
    plan: str
    nominal: date
    effective: date
    from_calendar: bool = False   # a period of the applied reporting calendar (already a period event)
    units: list[str] = field(default_factory=list)


def task_deadlines(session: Session, *, year: int, work: WorkCalendar, unit: Unit | None = None) -> list[TaskDeadline]:
    """The year's open task deadlines, by date, each with the working day it effectively means."""
    q = (select(Assignment.due_on, Task.number, Task.title, Plan.title, Plan.source_name, Unit.code)
         .join(Task, Task.id == Assignment.task_id).join(Plan, Plan.id == Task.plan_id)
         .join(Unit, Unit.id == Assignment.unit_id)
         .where(Assignment.due_on >= date(year, 1, 1), Assignment.due_on <= date(year, 12, 31),
                Assignment.status != Status.CANCELLED, Task.removed == False))  # noqa: E712
    if unit is not None:
        q = q.where(Assignment.unit_id == unit.id)
    found: dict[tuple, TaskDeadline] = {}
    for due, number, title, plan, source, code in session.exec(q.order_by(Assignment.due_on, Task.position,
                                                                          Unit.code)):
        entry = found.setdefault((due, plan, number), TaskDeadline(
            number, title, plan, due, work.effective(due), source.startswith(SOURCE_PREFIX)))
        entry.units.append(code)
    return list(found.values())
