"""The summary the CCHC desk sends upward: completion × timeliness, as the records stood on a day.

How it counts (VN-DOMAIN §4, the VPCP four-way split plus "sắp đến hạn" and extensions):

* Counted: assignments of the tracked roles (chủ trì; phối hợp too when NHACVIEC_TRACK_PARTNERS), of tasks not
  removed from their plan, optionally of one unit and one plan, as they stood at the end of day D (default today
  in Asia/Ho_Chi_Minh), rebuilt from the recorded history (`reports.history`): an assignment cancelled by D, or
  added after D by a plan revision, is left out; its status, due date (after the extensions approved by D) and
  completion date are those recorded by D.
* A period (`reports.periods`: a data window such as quý I = 15/12 → 14/3, or from/to) keeps the assignments
  whose due date on D falls in it. Undated assignments (of the plans of the period's year) are reported apart
  as "chưa xác định hạn", never inside the period's totals.
* One bucket per assignment (BUCKETS, the one vocabulary of text, JSON, workbook, document and chat):
  hoàn thành đúng hạn (done by the due date as extended in time), hoàn thành quá hạn (done after it), quá hạn chưa
  hoàn thành (not done and due before D), đang thực hiện — chưa đến hạn, chưa thực hiện — chưa đến hạn,
  không hoàn thành (an officer's decision), chưa xác định hạn, chưa theo dõi (before tracking started).
* By task ("nhiệm vụ"): a task counts once, however many units and occurrences (a monthly task is one task with
  its occurrences, counted in `occurrences`): done when every assignment is done (late if any was late), overdue
  if any is overdue. By unit: the same per unit, the most overdue first.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_
from sqlmodel import Session, select

from calendars.workdays import WorkCalendar
from i18n import N_, _, fmt_date
from reports.history import StateThen, end_of_day, evidence_by, states_on
from reminders.workcal import default_calendar
from reports.periods import ROMAN, Period, PeriodError, data_window
from services.queries import AssignmentView, unit_by_code
from storage.models import Assignment, Plan, Status, StatusChange, Task, Unit

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DUE_SOON_DAYS = 7
NOT_TRACKED_STATUS = getattr(Status, "NOT_TRACKED", "not_tracked")


class ReportError(ValueError):
    """Bad report input; the message is translated and ready to show."""


class Bucket:
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    OVERDUE = "overdue"
    NOT_DONE = "not_done"
    UNDATED = "undated"
    NOT_TRACKED = "not_tracked"
    DONE = (DONE_ON_TIME, DONE_LATE)
    PENDING = (IN_PROGRESS, NOT_STARTED)
    APART = (UNDATED, NOT_TRACKED)


# The one vocabulary, in report order.
BUCKETS = {
    Bucket.DONE_ON_TIME: N_("Hoàn thành đúng hạn"),
    Bucket.DONE_LATE: N_("Hoàn thành quá hạn"),
    Bucket.IN_PROGRESS: N_("Đang thực hiện — chưa đến hạn"),
    Bucket.NOT_STARTED: N_("Chưa thực hiện — chưa đến hạn"),
    Bucket.OVERDUE: N_("Quá hạn chưa hoàn thành"),
    Bucket.NOT_DONE: N_("Không hoàn thành"),
    Bucket.UNDATED: N_("Chưa xác định hạn"),
    Bucket.NOT_TRACKED: N_("Chưa theo dõi"),
}


def bucket_label(key: str) -> str:
    """The translated label of a bucket."""
    return _(BUCKETS[key])


@dataclass
class Counts:
    """How many assignments (or tasks) fall in each bucket."""

    total: int = 0
    done_on_time: int = 0
    done_late: int = 0
    overdue: int = 0
    in_progress: int = 0
    not_started: int = 0
    due_soon: int = 0
    not_done: int = 0
    undated: int = 0
    undated_done: int = 0
    not_tracked: int = 0
    extensions: int = 0
    occurrences: int = 0

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def pending(self) -> int:
        return self.in_progress + self.not_started

    @property
    def dated(self) -> int:
        """What the period's totals are made of: everything but the undated and the untracked."""
        return self.total - self.undated - self.not_tracked

    @property
    def open(self) -> int:
        """Not (yet) done, dated and tracked: under way, not started, or overdue."""
        return self.pending + self.overdue

    def add(self, bucket: str, *, due_soon: bool = False, extensions: int = 0, undated_done: bool = False) -> None:
        """Count one item."""
        self.total += 1
        setattr(self, bucket, getattr(self, bucket) + 1)
        self.due_soon += due_soon
        self.undated_done += undated_done
        self.extensions += extensions

    def to_json(self) -> dict:
        """Every count, plus the sums."""
        return {**asdict(self), "done": self.done, "pending": self.pending, "dated": self.dated}


@dataclass
class Row:
    """One counted assignment with its state and bucket as of the report day."""

    view: AssignmentView
    bucket: str
    due_soon: bool
    done_on: date | None     # local completion date, when done by the report day
    due_on: date | None      # the due date on the report day
    status: str              # the status on the report day
    extensions: int          # extensions approved by the report day
    note: str = ""           # the last note recorded with a status by the report day
    evidence: list[str] = field(default_factory=list)  # files sent as evidence by the report day
    effective_due: date | None = None  # the last day `due_on` is met on (WorkCalendar.met_by)


@dataclass
class UnitRow:
    code: str
    name: str
    counts: Counts


@dataclass
class TaskRow:
    """One task (a recurring one with all its occurrences in the period), and its units."""

    task: Task
    bucket: str
    counts: Counts            # its assignments
    occurrences: int
    units: list[str]
    counted_occurrences: int = 0  # of those, the ones its counts count (an untracked one is reported apart)


@dataclass
class Report:
    """Everything the text, JSON, workbook and document are made of."""

    as_of: date
    period: Period | None
    unit: Unit | None
    roles: tuple[str, ...]
    plan: Plan | None = None
    rows: list[Row] = field(default_factory=list)
    assignments: Counts = field(default_factory=Counts)
    tasks: Counts = field(default_factory=Counts)
    units: list[UnitRow] = field(default_factory=list)
    task_rows: list[TaskRow] = field(default_factory=list)

    def to_json(self) -> dict:
        """A stable dict for `--json` (the paragraph is added by `reports.report_json`)."""
        period = None if self.period is None else {
            "from": None if self.period.start == date.min else self.period.start.isoformat(),
            "to": None if self.period.end == date.max else self.period.end.isoformat(),
            "year": self.period.year, "quarter": self.period.quarter, "code": self.period.code,
            "label": self.period.label()}
        return {"as_of": self.as_of.isoformat(), "period": period, "roles": list(self.roles),
                "unit": None if self.unit is None else {"code": self.unit.code, "name": self.unit.name},
                "plan": None if self.plan is None else {"id": self.plan.id, "title": self.plan.title},
                "buckets": {key: _(label) for key, label in BUCKETS.items()},
                "assignments": self.assignments.to_json(), "tasks": self.tasks.to_json(),
                "units": [{"code": u.code, "name": u.name, **u.counts.to_json()} for u in self.units]}


def parse_quarter(text: str) -> int:
    """'I'..'IV', '1'..'4', 'Q2', 'quý 3' → 1..4; anything else is a ReportError."""
    key = text.strip().upper().replace(" ", "")
    for prefix in ("QUÝ", "QUY", "Q"):
        key = key.removeprefix(prefix)
    if key in ROMAN:
        return ROMAN.index(key) + 1
    if key in ("1", "2", "3", "4"):
        return int(key)
    raise ReportError(_("Quý \"{text}\" không hợp lệ: dùng I, II, III, IV hoặc 1–4.").format(text=text[:20]))


def make_period(*, as_of: date, year: int | None = None, quarter: int | None = None, code: str | None = None,
                date_from: date | None = None, date_to: date | None = None,
                windows: dict[str, tuple[date, date]] | None = None, today: date | None = None) -> Period | None:
    """The due-date range asked for (a data window, or from/to); None means every due date.

    Given `today`, a report day still to come is refused: its records do not exist yet.
    """
    if today is not None and as_of > today:
        raise ReportError(_("Ngày tính đến {date} chưa tới (hôm nay là {today}): báo cáo chỉ tính đến hôm nay hoặc "
                            "một ngày đã qua.").format(date=fmt_date(as_of), today=fmt_date(today)))
    if (date_from or date_to) and (year or quarter or code):
        raise ReportError(_("Chọn hoặc kỳ báo cáo/năm/quý, hoặc khoảng ngày từ/đến, không dùng cả hai."))
    if date_from or date_to:
        start, end = date_from or date.min, date_to or date.max
        if start > end:
            raise ReportError(_("Ngày bắt đầu {start} sau ngày kết thúc {end}.").format(
                start=fmt_date(start), end=fmt_date(end)))
        return Period(start, end)
    if year is None and quarter is None and code is None:
        return None
    year = year or as_of.year
    if not 2000 <= year <= 2100:
        raise ReportError(_("Năm {year} không hợp lệ").format(year=year))
    if quarter is not None and code is not None:
        raise ReportError(_("Chọn hoặc --period, hoặc --quarter, không dùng cả hai."))
    try:
        period = data_window(code or (f"q{quarter}" if quarter else "year"), year, windows)
    except PeriodError as exc:
        raise ReportError(str(exc)) from exc
    if period.start > as_of:
        raise ReportError(_("Kỳ báo cáo {period} chưa bắt đầu: số liệu của kỳ tính từ {start}, sau ngày tính đến "
                            "{as_of}.").format(period=period.label(), start=fmt_date(period.start),
                                               as_of=fmt_date(as_of)))
    return period


def classify(state: StateThen, *, as_of: date, work: WorkCalendar | None = None) -> str:
    """The bucket of one assignment from its state on the report day.

    A deadline on a day off is judged by the day-off rule the reminders follow, but never before the date
    written: with "after" (NHACVIEC_DAY_OFF_RULE), done on the Monday after a Saturday deadline is on time;
    with "before" the reminders ask for it on Friday, yet work done by the written Saturday is not late. Work done
    is judged by the deadline as extended by the extensions approved before it had passed (`on_time_by`).
    """
    if state.status == NOT_TRACKED_STATUS:
        return Bucket.NOT_TRACKED
    if state.due_on is None:
        return Bucket.UNDATED
    work = work or default_calendar()
    due = work.met_by(state.due_on)
    if state.status == Status.DONE:
        # Judged by the deadline as extended in time: an extension approved once it had passed moves the due
        # date (and the reminders) but does not make the work on time.
        late = state.done_on is not None and state.done_on > work.met_by(state.on_time_by or state.due_on)
        return Bucket.DONE_LATE if late else Bucket.DONE_ON_TIME
    if state.status == Status.NOT_DONE:
        return Bucket.NOT_DONE
    if due < as_of:
        return Bucket.OVERDUE
    return Bucket.IN_PROGRESS if state.status == Status.IN_PROGRESS else Bucket.NOT_STARTED


def build_report(session: Session, *, as_of: date, roles: tuple[str, ...], period: Period | None = None,
                 unit_code: str | None = None, plan_id: int | None = None, tz: tzinfo = LOCAL_TZ,
                 day_off_rule: str = "before") -> Report:
    """Count the assignments (and tasks, and units) the report is about, as they stood on `as_of`.

    `day_off_rule` is NHACVIEC_DAY_OFF_RULE: a deadline on a day off is judged as the reminders count it.
    """
    work = default_calendar(day_off_rule)
    unit = None
    if unit_code:
        unit = unit_by_code(session, unit_code)
        if unit is None:
            raise ReportError(_("Không có đơn vị mã {code}.").format(code=unit_code.strip()[:20]))
    plan = session.get(Plan, plan_id) if plan_id is not None else None
    if plan_id is not None and plan is None:
        raise ReportError(_("Không có kế hoạch #{id} (xem nhacviec plans list).").format(id=plan_id))
    report = Report(as_of=as_of, period=period, unit=unit, roles=tuple(roles), plan=plan)
    found = list(session.exec(_query(roles, unit, plan_id)))
    states = states_on(session, rows=[(a, t, p) for a, t, _u, p in found], day=as_of, tz=tz)
    for a, task, u, p in found:
        state = states[a.id]
        # A task a revision removed (or of a plan removed) counts on the days before: its open assignments through
        # their recorded cancellations, its done ones through the recorded day it left (unknown for older data: gone).
        gone = (task.removed or p.removed) and a.status != Status.CANCELLED and state.retired is not False
        if gone or not state.exists or state.status == Status.CANCELLED or state.role not in roles \
                or not _in_period(state, period, p):
            continue
        bucket = classify(state, as_of=as_of, work=work)
        effective = work.met_by(state.due_on) if state.due_on else None
        soon = bucket in Bucket.PENDING and effective <= as_of + timedelta(days=DUE_SOON_DAYS)
        report.rows.append(Row(AssignmentView(a, task, u), bucket, soon, state.done_on, state.due_on,
                               state.status, state.extensions, state.note, effective_due=effective))
    if not report.rows and plan is None and period and period.year and not _has_plan(session, period.year):
        raise ReportError(_("Chưa có kế hoạch nào của năm {year} trong Hệ thống: không có gì để báo cáo cho "
                            "{period}.").format(year=period.year, period=period.label()))
    evidence = evidence_by(session, ids=[r.view.id for r in report.rows], until=end_of_day(as_of, tz))
    for row in report.rows:
        row.evidence = evidence.get(row.view.id, [])
    for row in report.rows:
        _add(report.assignments, row)
    report.task_rows = _task_rows(report.rows)
    report.tasks = _task_counts(report.task_rows)
    report.units = _unit_rows(report.rows)
    return report


def _has_plan(session: Session, year: int) -> bool:
    """Whether a plan of `year` is loaded (a removed one does not count)."""
    live = select(Plan.id).where(Plan.year == year, Plan.removed == False)  # noqa: E712
    return session.exec(live).first() is not None


def _in_period(state: StateThen, period: Period | None, plan: Plan) -> bool:
    if period is None:
        return True
    if state.due_on is None:   # the plans of the reporting year (quý I opens in December, last year's plans stay out)
        return plan.year == period.year if period.year else period.start.year <= plan.year <= period.end.year
    return period.start <= state.due_on <= period.end


def _query(roles: tuple[str, ...], unit: Unit | None, plan_id: int | None):
    # A unit whose role a revision changed counts in its role on the report day (`reports.history`).
    role_changed = exists().where(StatusChange.assignment_id == Assignment.id, StatusChange.field == "role")
    q = (select(Assignment, Task, Unit, Plan).join(Task, Task.id == Assignment.task_id)
         .join(Plan, Plan.id == Task.plan_id).join(Unit, Unit.id == Assignment.unit_id)
         .where(or_(Assignment.role.in_(roles), role_changed)))
    if unit is not None:
        q = q.where(Assignment.unit_id == unit.id)
    if plan_id is not None:
        q = q.where(Task.plan_id == plan_id)
    return q.order_by(Plan.year, Task.plan_id, Task.position, Assignment.due_on, Unit.code)


def _add(counts: Counts, row: Row) -> None:
    counts.add(row.bucket, due_soon=row.due_soon, extensions=row.extensions,
               undated_done=row.bucket == Bucket.UNDATED and row.status == Status.DONE)


def _task_rows(rows: list[Row]) -> list[TaskRow]:
    groups: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row.view.task.id].append(row)
    found = []
    for items in groups.values():
        counts = Counts()
        for row in items:
            _add(counts, row)
        occurrences = len({_occurrence(r) for r in items})
        bucket = _task_bucket({r.bucket for r in items})
        counted = occurrences if bucket in Bucket.APART else len({_occurrence(r) for r in items
                                                                   if r.bucket not in Bucket.APART})
        units = list(dict.fromkeys(r.view.unit.code for r in items))
        found.append(TaskRow(items[0].view.task, bucket, counts, occurrences, units, counted))
    return found


def _occurrence(row: Row) -> str:
    """Which occurrence of its task a row is: its period, else its due day."""
    return row.view.assignment.period or (row.due_on.isoformat() if row.due_on else "")


def _task_counts(task_rows: list[TaskRow]) -> Counts:
    counts = Counts()
    for t in task_rows:
        counts.add(t.bucket, due_soon=t.counts.due_soon > 0, extensions=t.counts.extensions,
                   undated_done=t.bucket == Bucket.UNDATED and t.counts.undated_done == t.counts.total)
        counts.occurrences += t.occurrences
    return counts


def _task_bucket(buckets: set[str]) -> str:
    """Done when every assignment is done (late if any was), overdue if any is; apart ones only when all are."""
    for apart in Bucket.APART:
        if buckets == {apart}:
            return apart
    buckets = buckets - set(Bucket.APART)
    if buckets <= set(Bucket.DONE):
        return Bucket.DONE_LATE if Bucket.DONE_LATE in buckets else Bucket.DONE_ON_TIME
    for bucket in (Bucket.OVERDUE, Bucket.NOT_DONE):
        if bucket in buckets:
            return bucket
    # Some done, the others still within the deadline: the task is under way.
    return Bucket.NOT_STARTED if buckets == {Bucket.NOT_STARTED} else Bucket.IN_PROGRESS


def _unit_rows(rows: list[Row]) -> list[UnitRow]:
    by_unit: dict[int, UnitRow] = {}
    for row in rows:
        u = row.view.unit
        item = by_unit.setdefault(u.id, UnitRow(u.code, u.name, Counts()))
        _add(item.counts, row)
    return sorted(by_unit.values(), key=lambda r: (-r.counts.overdue, -r.counts.done_late, r.code))
