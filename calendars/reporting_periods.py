"""Report specifications and the dated periods they produce for one year."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from calendars.reporting_checkins import CheckInConfig, checkin_dates
from calendars.reporting_rules import (
    CUTOFF,
    DEFAULT_KIND,
    SO,
    DayMonth,
    DayOfLastMonth,
    Rule,
    WorkingDaysFrom,
)
from calendars.workdays import WorkCalendar
from i18n import N_

MONTHLY = "monthly"
# What `period_problems` can find, as the officer reads it (see `period_warnings` for the dated text).
PROBLEMS = {
    "so_before_cutoff": N_("Hạn gửi báo cáo không muộn hơn ngày chốt số liệu; Nghị định 09/2019 (Điều 8 khoản 5) "
                           "yêu cầu ít nhất 01 ngày làm việc sau ngày chốt."),
    "doc_no_working_day": N_("Văn bản đặt hạn gửi báo cáo {nominal} ({day}): không còn ngày làm việc nào sau ngày chốt "
                             "số liệu {cutoff}, trái Nghị định 09/2019 (Điều 8 khoản 5: ít nhất 01 ngày làm việc). "
                             "Hệ thống tính hạn là {effective}."),
    # The same when the upward deadline is the calendar file's assumption, not a date the document writes.
    "assumed_no_working_day": N_("Hạn gửi báo cáo {nominal} ({day}) là giả định của lịch, văn bản không nêu — cần "
                                 "đối chiếu: không còn ngày làm việc nào sau ngày chốt số liệu {cutoff}, trái Nghị "
                                 "định 09/2019 (Điều 8 khoản 5: ít nhất 01 ngày làm việc). Hệ thống tính hạn là "
                                 "{effective}."),
    "so_moved_later": N_("Hạn {nominal} rơi vào ngày nghỉ; ngày làm việc trước đó không sau ngày chốt số liệu "
                         "{cutoff}, nên hạn được tính là ngày làm việc tiếp theo {effective}."),
    "unit_before_cutoff": N_("Đơn vị phải nộp ({dates}) trước khi kỳ số liệu kết thúc ({cutoff}): số liệu từ ngày nộp "
                             "đến ngày chốt sẽ thiếu; cần đối chiếu với văn bản."),
    "unit_after_so": N_("Có loại đơn vị phải nộp muộn hơn hạn gửi báo cáo của cơ quan."),
}


@dataclass(frozen=True)
class ReportSpec:
    """One periodic report as the organisation's file defines it (no year yet)."""

    code: str
    name: str
    cutoff_from: DayMonth
    cutoff_to: DayMonth
    so_rule: Rule
    unit_rules: dict[str, Rule] = field(default_factory=dict)
    shift: str | None = None   # the document's own day-off rule; None = NHACVIEC_DAY_OFF_RULE (the WorkCalendar's)
    every: str = ""   # "monthly": one period per month (NĐ 09 window: 15th of the month before → 14th)

    def rule_for(self, key: str) -> Rule:
        """The rule of SO or of a unit kind named in this report."""
        return self.so_rule if key == SO else self.unit_rules[key]


@dataclass(frozen=True)
class ReportPeriod:
    """One report in one year, with every deadline as written (nominal) and as a working day."""

    code: str
    name: str
    year: int
    cutoff_start: date
    cutoff_end: date
    so_deadline: date
    so_effective: date
    unit_deadlines: dict[str, date]
    unit_effective: dict[str, date]

    @property
    def key(self) -> str:
        """Stable identifier of the period, e.g. "q1-2026"."""
        return f"{self.code}-{self.year}"

    @property
    def label(self) -> str:
        """The period named for staff, e.g. "Báo cáo CCHC quý I năm 2026" (never its code)."""
        joiner = " " if self.name.endswith("năm") else " năm "
        return f"{self.name}{joiner}{self.year}"

    def deadline_for(self, kind: str) -> tuple[date, date]:
        """(nominal, effective) deadline for a unit kind ("so" for the organisation itself).

        A kind the report does not name gets the "default" rule, and without one the
        organisation's own deadline: a late reminder is better than none.
        """
        for key in (kind, DEFAULT_KIND):
            if kind != SO and key in self.unit_deadlines:
                return self.unit_deadlines[key], self.unit_effective[key]
        return self.so_deadline, self.so_effective


def compute_period(spec: ReportSpec, year: int, work: WorkCalendar, month: int | None = None) -> ReportPeriod:
    """The dated period of `spec` for reporting year `year` (and `month`, for a monthly report)."""
    if month is None:
        code, name = spec.code, spec.name
        cutoff_start, cutoff_end = spec.cutoff_from.resolve(year), spec.cutoff_to.resolve(year)
    else:
        code, name = f"month:{month}", f"{spec.name} {month}"
        cutoff_start, cutoff_end = monthly_window(year, month)
    nominal, effective = _deadlines(spec, year, cutoff_end, work)
    units = list(spec.unit_rules)
    return ReportPeriod(
        code=code, name=name, year=year, cutoff_start=cutoff_start, cutoff_end=cutoff_end,
        so_deadline=nominal[SO], so_effective=effective[SO],
        unit_deadlines={k: nominal[k] for k in units}, unit_effective={k: effective[k] for k in units},
    )


def _deadlines(spec: ReportSpec, year: int, cutoff_end: date, work: WorkCalendar):
    nominal: dict[str, date] = {}
    effective: dict[str, date] = {}

    def settle(key: str) -> None:
        # Rules may refer to each other (units before the Sở); the loader has ruled out cycles.
        if key == CUTOFF or key in effective:
            return
        rule = spec.rule_for(key)
        if isinstance(rule, WorkingDaysFrom):
            settle(rule.of)
            day = rule.nominal(cutoff_end if rule.of == CUTOFF else effective[rule.of], work)
        elif isinstance(rule, DayOfLastMonth):
            day = rule.nominal(cutoff_end)
        else:
            day = rule.nominal(year)
        nominal[key] = day
        effective[key] = work.effective(day, rule=spec.shift, after=cutoff_end)

    for key in (SO, *spec.unit_rules):
        settle(key)
    return nominal, effective


@dataclass(frozen=True)
class ReportingCalendar:
    """An organisation's periodic-report calendar, loaded from its YAML file."""

    name: str
    reports: tuple[ReportSpec, ...]
    source: str = ""
    organisation: str = ""
    reports_to: str = ""
    notes: str = ""
    check_ins: CheckInConfig = field(default_factory=CheckInConfig)
    compiler: tuple[str, ...] = ()      # codes or names of the unit that compiles and sends the report upward
    assumptions: tuple[str, ...] = ()   # dates the file assumes, not written in the document
    corrections: tuple[str, ...] = ()   # where the file departs from the document's text (a typo…)
    so_deadline_assumed: bool = False   # the upward deadline is the file's assumption: the document writes none

    @property
    def codes(self) -> list[str]:
        """Report codes in file order."""
        return [spec.code for spec in self.reports]

    def periods(self, year: int, work: WorkCalendar) -> list[ReportPeriod]:
        """Every report of reporting year `year`, dated against `work` (monthly ones twelve times)."""
        found = []
        for spec in self.reports:
            months = range(1, 13) if spec.every == MONTHLY else (None,)
            found += [compute_period(spec, year, work, month) for month in months]
        return found

    def period(self, code: str, year: int, work: WorkCalendar) -> ReportPeriod:
        """One report of `year` by code ("q1", "month:3"); KeyError when the calendar has no such report."""
        for period in self.periods(year, work):
            if period.code == code:
                return period
        raise KeyError(code)

    def checkin_dates(self, year: int, work: WorkCalendar, every: str | None = None) -> list[date]:
        """Check-in days of `year` for event/continuous tasks (cadence from the file unless given)."""
        cadence = every or self.check_ins.every
        return checkin_dates(year, work, every=cadence, day=self.check_ins.day)

    def problems(self, year: int, work: WorkCalendar) -> list[tuple[str, str]]:
        """(period key, problem code) pairs worth showing the officer; see `period_problems`."""
        return [(p.key, code) for p in self.periods(year, work) for code in period_problems(p, work)]


def monthly_window(year: int, month: int) -> tuple[date, date]:
    """NĐ 09/2019 Điều 12: a monthly report's data run from the 15th of the month before to the 14th."""
    start = date(year - 1, 12, 15) if month == 1 else date(year, month - 1, 15)
    return start, date(year, month, 14)


def period_problems(period: ReportPeriod, work: WorkCalendar | None = None) -> list[str]:
    """Codes (keys of PROBLEMS) of what looks wrong in a dated period.

    Real plans break NĐ 09/2019 now and then (Hà Nội's Q1 2026 deadline, Sunday 15/3, leaves no
    working day after the cut-off of Saturday 14/3), so these are warnings to show, not load errors.
    """
    found = []
    if period.so_effective <= period.cutoff_end:
        found.append("so_before_cutoff")
    elif work is not None and work.working_days_between(period.cutoff_end, period.so_deadline) < 1:
        found.append("doc_no_working_day")
    # Moved later by the Nghị định 09 guard (not simply by the "after" rule): say why.
    guarded = period.so_effective > period.so_deadline if work is None else \
        work.past_window(period.so_deadline, period.cutoff_end) > period.so_deadline
    if guarded and "doc_no_working_day" not in found:
        found.append("so_moved_later")
    if any(day <= period.cutoff_end for day in period.unit_effective.values()):
        found.append("unit_before_cutoff")
    if any(day > period.so_effective for day in period.unit_effective.values()):
        found.append("unit_after_so")
    return found
