"""The files of a report, built once for every surface (CLI, /baocao, Zalo OA, the web desk)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo

from sqlmodel import Session

from reports.summary import LOCAL_TZ, Report, build_report, make_period


@dataclass
class ReportFiles:
    """A report, its chart (PNG), workbook (XLSX) and document (DOCX), and a file-name stem."""

    report: Report
    chart: bytes
    xlsx: bytes
    docx: bytes
    stem: str

    def named(self) -> list[tuple[str, bytes, str]]:
        """(file name, bytes, MIME type) of the three files, the document first."""
        return [(f"{self.stem}.docx", self.docx,
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                (f"{self.stem}.xlsx", self.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (f"{self.stem}.png", self.chart, "image/png")]


def file_stem(report: Report) -> str:
    """'bao-cao-cchc-q1-2026-den-15-04-2026' (ASCII, safe on every channel)."""
    period = report.period
    scope = (f"{period.code.replace(':', '')}-{period.year}" if period and period.code
             else f"{period.start:%d-%m-%Y}-{period.end:%d-%m-%Y}" if period and period.start != date.min
             and period.end != date.max else "tat-ca")
    unit = f"-{report.unit.code.lower()}" if report.unit else ""
    return f"bao-cao-cchc-{scope}{unit}-den-{report.as_of:%d-%m-%Y}"


def build_files(report: Report, *, organisation: str = "") -> ReportFiles:
    """The chart, workbook and document of an already counted report."""
    from reports.chart import completion_chart  # matplotlib only when files are made
    from reports.docx import docx_bytes
    from reports.xlsx import xlsx_bytes

    chart = completion_chart(report)
    return ReportFiles(report, chart, xlsx_bytes(report, chart), docx_bytes(report, chart, organisation=organisation),
                       file_stem(report))


def report_files(session: Session, *, as_of: date, roles: tuple[str, ...], period: str | None = None,
                 year: int | None = None, unit_code: str | None = None, plan_id: int | None = None,
                 tz: tzinfo = LOCAL_TZ, organisation: str = "", day_off_rule: str = "before") -> ReportFiles:
    """Count and build the files for a period code (q1, h1, m9, year, month:N; None: every due date).

    ReportError (translated message) on bad input. For the Zalo OA sender and the web desk.
    """
    window = make_period(as_of=as_of, year=year, code=period) if (period or year) else None
    report = build_report(session, as_of=as_of, roles=roles, period=window, unit_code=unit_code, plan_id=plan_id,
                          tz=tz, day_off_rule=day_off_rule)
    return build_files(report, organisation=organisation)
