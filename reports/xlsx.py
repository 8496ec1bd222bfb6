"""The report as a workbook: a 'Tổng hợp' sheet of counts and a 'Chi tiết' sheet in the report layout."""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from i18n import _, fmt_date
from reports import headline
from reports.summary import DUE_SOON_DAYS, Bucket, Counts, Report, Row
from services.labels import status_label
from storage.models import Status

DATE_FORMAT = "dd/mm/yyyy"
BOLD = Font(bold=True)


def write_xlsx(report: Report, path: Path) -> None:
    """Write the summary and the detail sheets to `path`."""
    book = Workbook()
    _summary_sheet(book.active, report)
    _detail_sheet(book.create_sheet(_("Chi tiết")), report)
    book.save(path)


def _count_rows(c: Counts) -> list[tuple[str, int]]:
    return [(_("Tổng số"), c.total), (_("Hoàn thành đúng hạn"), c.done_on_time),
            (_("Hoàn thành quá hạn"), c.done_late), (_("Quá hạn chưa hoàn thành"), c.overdue),
            (_("Đang thực hiện trong hạn"), c.in_progress), (_("Chưa thực hiện, chưa đến hạn"), c.not_started),
            (_("Sắp đến hạn (trong {days} ngày)").format(days=DUE_SOON_DAYS), c.due_soon),
            (_("Không hoàn thành"), c.not_done), (_("Chưa xác định hạn"), c.undated),
            (_("Số lần gia hạn"), c.extensions)]


def _summary_sheet(ws, report: Report) -> None:
    ws.title = _("Tổng hợp")
    scope = report.period.label() if report.period else _("Tất cả thời hạn")
    ws.append([_("BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ CCHC")])
    ws.append([_("Kỳ báo cáo: {scope}; tính đến ngày {date}").format(scope=scope, date=fmt_date(report.as_of))])
    if report.unit is not None:
        ws.append([_("Đơn vị: {name} ({code})").format(name=report.unit.name, code=report.unit.code)])
    ws.append([_("{n} nhiệm vụ: {summary}").format(n=report.tasks.total, summary=headline(report.tasks))])
    ws.append([])
    _header(ws, [_("Chỉ tiêu"), _("Nhiệm vụ"), _("Phân công")])
    for (label, tasks), (_label, assignments) in zip(_count_rows(report.tasks), _count_rows(report.assignments)):
        ws.append([label, tasks, assignments])
    ws.append([])
    _header(ws, [_("Mã đơn vị"), _("Đơn vị"), _("Tổng số"), _("Hoàn thành đúng hạn"), _("Hoàn thành quá hạn"),
                 _("Quá hạn chưa hoàn thành"), _("Đang thực hiện"), _("Sắp đến hạn"), _("Chưa xác định hạn"),
                 _("Số lần gia hạn")])
    for u in report.units:
        c = u.counts
        ws.append([u.code, u.name, c.total, c.done_on_time, c.done_late, c.overdue, c.pending, c.due_soon,
                   c.undated, c.extensions])
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 40


def _header(ws, titles: list[str]) -> None:
    ws.append(titles)
    for cell in ws[ws.max_row]:
        cell.font = BOLD


def _detail_sheet(ws, report: Report) -> None:
    _header(ws, [_("STT"), _("Nhiệm vụ"), _("Đơn vị chủ trì"), _("Thời hạn"), _("Trạng thái"),
                 _("Ngày hoàn thành"), _("Đánh giá"), _("Gia hạn")])
    for index, row in enumerate(report.rows, 1):
        v = row.view
        due = v.assignment.due_on or (v.task.deadline_text or _("Chưa xác định hạn"))
        ws.append([index, _("{number}. {title}").format(number=v.task.number, title=" ".join(v.task.title.split())),
                   v.unit.name, due, _status_then(row), row.done_on, _verdict(row), v.assignment.extensions])
        for column in (4, 6):
            ws.cell(ws.max_row, column).number_format = DATE_FORMAT
        ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEFGH", (6, 70, 30, 14, 18, 16, 22, 9)):
        ws.column_dimensions[column].width = width


def _status_then(row: Row) -> str:
    """The status on the report day: done only after it reads as still in progress."""
    status = row.view.assignment.status
    if status == Status.DONE and row.done_on is None and row.view.assignment.done_at is not None:
        status = Status.IN_PROGRESS
    return status_label(status)


def _verdict(row: Row) -> str:
    return {Bucket.DONE_ON_TIME: _("Đúng hạn"), Bucket.DONE_LATE: _("Quá hạn"), Bucket.OVERDUE: _("Quá hạn"),
            Bucket.IN_PROGRESS: _("Trong hạn"), Bucket.NOT_STARTED: _("Trong hạn"),
            Bucket.UNDATED: _("Chưa xác định hạn")}.get(row.bucket, "—")
