"""The quarterly summary the CCHC desk sends upward: completion × timeliness, as of a day.

How it counts (VN-DOMAIN §4, the VPCP four-way split plus "sắp đến hạn" and extensions):

* Counted: assignments of the tracked roles (chủ trì; phối hợp too when NHACVIEC_TRACK_PARTNERS), not cancelled,
  of tasks not removed from their plan, optionally of one unit.
* As of a day D (default today in Asia/Ho_Chi_Minh). A period (a year, a quarter, or from/to) limits the
  assignments by their current due date `due_on` (an approved extension moves it). Undated assignments are
  counted apart as "chưa xác định hạn" (those of plans of the period's years when a period is given).
* Buckets of a dated assignment:
  - hoàn thành đúng hạn: done, and the local date of `done_at` <= `due_on`;
  - hoàn thành quá hạn: done after `due_on`;
  - quá hạn: not done by D (open, in progress, or done only after D) and `due_on` < D;
  - đang thực hiện / chưa đến hạn: not done by D and `due_on` >= D, split into in progress (also: done after D)
    and not started (open); "sắp đến hạn" is the part due within 7 days of D;
  - không hoàn thành: an officer closed it as not done.
* Extensions: the sum of `Assignment.extensions` (approved ones).
* By unit: the same counts per unit, the most overdue first.
* By task ("nhiệm vụ"): one task at one due occurrence (a monthly task is 12); with several units it counts as
  done only when all are done (late if any was late), overdue if any unit is overdue.
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from i18n import _, fmt_date
from services.queries import AssignmentView, unit_by_code
from storage.models import Assignment, Plan, Status, Task, Unit

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DUE_SOON_DAYS = 7
ROMAN = ("I", "II", "III", "IV")


class ReportError(ValueError):
    """Bad report input; the message is translated and ready to show."""


class Bucket:
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    OVERDUE = "overdue"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    NOT_DONE = "not_done"
    UNDATED = "undated"
    DONE = (DONE_ON_TIME, DONE_LATE)
    PENDING = (IN_PROGRESS, NOT_STARTED)


@dataclass(frozen=True)
class Period:
    """A range of due dates (inclusive), with how it was asked for."""

    start: date
    end: date
    year: int | None = None
    quarter: int | None = None

    def label(self) -> str:
        """'Quý I/2026', 'Năm 2026' or 'Từ 01/01/2026 đến 15/02/2026'."""
        if self.quarter:
            return _("Quý {q}/{year}").format(q=ROMAN[self.quarter - 1], year=self.year)
        if self.year:
            return _("Năm {year}").format(year=self.year)
        start = fmt_date(self.start) if self.start != date.min else "…"
        end = fmt_date(self.end) if self.end != date.max else "…"
        return _("Từ {start} đến {end}").format(start=start, end=end)


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
    extensions: int = 0

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def pending(self) -> int:
        return self.in_progress + self.not_started

    def add(self, bucket: str, *, due_soon: bool = False, extensions: int = 0, undated_done: bool = False) -> None:
        """Count one item."""
        self.total += 1
        setattr(self, bucket, getattr(self, bucket) + 1)
        self.due_soon += due_soon
        self.undated_done += undated_done
        self.extensions += extensions

    def to_json(self) -> dict:
        """Every count, plus the done and pending sums."""
        return {**asdict(self), "done": self.done, "pending": self.pending}


@dataclass
class Row:
    """One counted assignment with its bucket as of the report day."""

    view: AssignmentView
    bucket: str
    due_soon: bool
    done_on: date | None  # local date of completion, when done by the report day


@dataclass
class UnitRow:
    code: str
    name: str
    counts: Counts


@dataclass
class Report:
    """Everything the text, JSON and workbook are made of."""

    as_of: date
    period: Period | None
    unit: Unit | None
    roles: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    assignments: Counts = field(default_factory=Counts)
    tasks: Counts = field(default_factory=Counts)
    units: list[UnitRow] = field(default_factory=list)

    def to_json(self) -> dict:
        """A stable dict for `--json`."""
        period = None if self.period is None else {
            "from": None if self.period.start == date.min else self.period.start.isoformat(),
            "to": None if self.period.end == date.max else self.period.end.isoformat(),
            "year": self.period.year, "quarter": self.period.quarter, "label": self.period.label()}
        return {"as_of": self.as_of.isoformat(), "period": period, "roles": list(self.roles),
                "unit": None if self.unit is None else {"code": self.unit.code, "name": self.unit.name},
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


def make_period(*, as_of: date, year: int | None = None, quarter: int | None = None,
                date_from: date | None = None, date_to: date | None = None) -> Period | None:
    """The due-date range asked for; None means every due date."""
    if (date_from or date_to) and (year or quarter):
        raise ReportError(_("Chọn hoặc năm/quý, hoặc khoảng ngày từ/đến, không dùng cả hai."))
    if date_from or date_to:
        start, end = date_from or date.min, date_to or date.max
        if start > end:
            raise ReportError(_("Ngày bắt đầu {start} sau ngày kết thúc {end}.").format(
                start=fmt_date(start), end=fmt_date(end)))
        return Period(start, end)
    if year is None and quarter is None:
        return None
    year = year or as_of.year
    if not 2000 <= year <= 2100:
        raise ReportError(_("Năm {year} không hợp lệ").format(year=year))
    if quarter is None:
        return Period(date(year, 1, 1), date(year, 12, 31), year=year)
    last_month = quarter * 3
    end = date(year, last_month, calendar.monthrange(year, last_month)[1])
    return Period(date(year, last_month - 2, 1), end, year=year, quarter=quarter)


def classify(a: Assignment, *, as_of: date, tz: tzinfo = LOCAL_TZ) -> tuple[str, date | None]:
    """The bucket of one assignment as of `as_of`, and its local completion date when done by then."""
    done_on = a.done_at.astimezone(tz).date() if a.status == Status.DONE and a.done_at else None
    done_by_then = a.status == Status.DONE and (done_on is None or done_on <= as_of)
    if a.due_on is None:
        return Bucket.UNDATED, done_on if done_by_then else None
    if done_by_then:
        late = done_on is not None and done_on > a.due_on
        return (Bucket.DONE_LATE if late else Bucket.DONE_ON_TIME), done_on
    if a.status == Status.NOT_DONE:
        return Bucket.NOT_DONE, None
    if a.due_on < as_of:
        return Bucket.OVERDUE, None
    # Done only after the report day: it was still being worked on that day.
    return (Bucket.IN_PROGRESS if a.status in (Status.IN_PROGRESS, Status.DONE) else Bucket.NOT_STARTED), None


def build_report(session: Session, *, as_of: date, roles: tuple[str, ...], period: Period | None = None,
                 unit_code: str | None = None, tz: tzinfo = LOCAL_TZ) -> Report:
    """Count the assignments (and tasks, and units) the report is about."""
    unit = None
    if unit_code:
        unit = unit_by_code(session, unit_code)
        if unit is None:
            raise ReportError(_("Không có đơn vị mã {code}.").format(code=unit_code.strip()[:20]))
    report = Report(as_of=as_of, period=period, unit=unit, roles=tuple(roles))
    for a, task, u, plan_year in session.exec(_query(roles, unit, period)):
        bucket, done_on = classify(a, as_of=as_of, tz=tz)
        if bucket == Bucket.UNDATED and period and not period.start.year <= plan_year <= period.end.year:
            continue
        soon = bucket in Bucket.PENDING and a.due_on <= as_of + timedelta(days=DUE_SOON_DAYS)
        report.rows.append(Row(AssignmentView(a, task, u), bucket, soon, done_on))
    for row in report.rows:
        report.assignments.add(row.bucket, due_soon=row.due_soon, extensions=row.view.assignment.extensions,
                               undated_done=row.bucket == Bucket.UNDATED and row.done_on is not None)
    report.tasks = _task_counts(report.rows)
    report.units = _unit_rows(report.rows)
    return report


def _query(roles: tuple[str, ...], unit: Unit | None, period: Period | None):
    q = (select(Assignment, Task, Unit, Plan.year).join(Task, Task.id == Assignment.task_id)
         .join(Plan, Plan.id == Task.plan_id).join(Unit, Unit.id == Assignment.unit_id)
         .where(Task.removed == False, Assignment.status != Status.CANCELLED,  # noqa: E712
                Assignment.role.in_(roles)))
    if unit is not None:
        q = q.where(Assignment.unit_id == unit.id)
    if period is not None:
        q = q.where((Assignment.due_on == None) | Assignment.due_on.between(period.start, period.end))  # noqa: E711
    return q.order_by(Plan.year, Task.plan_id, Task.position, Assignment.due_on, Unit.code)


def _task_counts(rows: list[Row]) -> Counts:
    """Tasks at one due occurrence: done when every unit is done, overdue when any unit is."""
    groups: dict[tuple, list[Row]] = defaultdict(list)
    for row in rows:
        a = row.view.assignment
        groups[(a.task_id, a.period or (a.due_on.isoformat() if a.due_on else ""))].append(row)
    counts = Counts()
    for items in groups.values():
        buckets = {r.bucket for r in items}
        counts.add(_task_bucket(buckets), due_soon=any(r.due_soon for r in items),
                   extensions=sum(r.view.assignment.extensions for r in items),
                   undated_done=buckets == {Bucket.UNDATED} and all(r.done_on for r in items))
    return counts


def _task_bucket(buckets: set[str]) -> str:
    if buckets == {Bucket.UNDATED}:
        return Bucket.UNDATED
    buckets = buckets - {Bucket.UNDATED}
    if buckets <= set(Bucket.DONE):
        return Bucket.DONE_LATE if Bucket.DONE_LATE in buckets else Bucket.DONE_ON_TIME
    for bucket in (Bucket.OVERDUE, Bucket.NOT_DONE):
        if bucket in buckets:
            return bucket
    # Some units done, the others still within the deadline: the task is under way.
    return Bucket.NOT_STARTED if buckets == {Bucket.NOT_STARTED} else Bucket.IN_PROGRESS


def _unit_rows(rows: list[Row]) -> list[UnitRow]:
    by_unit: dict[int, UnitRow] = {}
    for row in rows:
        u = row.view.unit
        item = by_unit.setdefault(u.id, UnitRow(u.code, u.name, Counts()))
        item.counts.add(row.bucket, due_soon=row.due_soon, extensions=row.view.assignment.extensions,
                        undated_done=row.bucket == Bucket.UNDATED and row.done_on is not None)
    return sorted(by_unit.values(), key=lambda r: (-r.counts.overdue, -r.counts.done_late, r.code))
