"""What an officer must check before trusting a reporting calendar: NĐ 09 conflicts, corrections, assumptions."""
from __future__ import annotations

from calendars.ics import day_label
from calendars.reporting_periods import PROBLEMS, ReportingCalendar, ReportPeriod, period_problems
from calendars.workdays import WorkCalendar
from i18n import _, fmt_date


def period_warnings(period: ReportPeriod, work: WorkCalendar, *, so_assumed: bool = False) -> list[str]:
    """The dated problems of one period, each a sentence naming the dates; an upward deadline the calendar
    assumes (`so_assumed`) is never said to be set by the document."""
    early = sorted({d for d in period.unit_effective.values() if d <= period.cutoff_end})
    values = {"nominal": fmt_date(period.so_deadline), "effective": fmt_date(period.so_effective),
              "cutoff": fmt_date(period.cutoff_end), "dates": ", ".join(fmt_date(d) for d in early),
              "day": day_label(period.so_deadline, work)}
    codes = period_problems(period, work)
    if so_assumed:
        codes = ["assumed_no_working_day" if code == "doc_no_working_day" else code for code in codes]
    return [_(PROBLEMS[code]).format(**values) for code in codes]


def calendar_warnings(calendar: ReportingCalendar, year: int, work: WorkCalendar) -> list[str]:
    """Every warning of the year: corrections of the document, assumptions, then period by period."""
    lines = [_("Đính chính so với văn bản: {text}").format(text=text) for text in calendar.corrections]
    lines += [_("Giả định — cần đối chiếu: {text}").format(text=text) for text in calendar.assumptions]
    for period in calendar.periods(year, work):
        lines += [_("{period}: {problem}").format(period=period.label, problem=problem)
                  for problem in period_warnings(period, work, so_assumed=calendar.so_deadline_assumed)]
    return lines
