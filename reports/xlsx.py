"""The report as a workbook: 'Tổng hợp' (title, counts, units, chart), 'Nhiệm vụ' (one row per task, a recurring
one with its occurrences) and 'Chi tiết' (the appendix: one row per assignment), ready to print.

Every text cell is written as text: a unit named "=HYPERLINK(…)" or a deadline "=1+2" stays those characters,
never a live formula in the file sent upward.
"""
from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from i18n import _
from reports import COUNTED, paragraph, scope_line
from reports.summary import DUE_SOON_DAYS, Bucket, Counts, Report, Row, bucket_label
from reports.texts import evidence_text, status_then, task_name, verdict

DATE_FORMAT = "dd/mm/yyyy"
FONT = "Times New Roman"
BOLD = Font(name=FONT, bold=True, size=12)
NORMAL = Font(name=FONT, size=12)
TITLE = Font(name=FONT, bold=True, size=14)
THIN = Side(style="thin")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")


def xlsx_bytes(report: Report, chart: bytes | None = None) -> bytes:
    """The workbook as bytes."""
    book = Workbook()
    _summary_sheet(book.active, report, chart)
    _task_sheet(book.create_sheet(_("Nhiệm vụ")), report)
    _detail_sheet(book.create_sheet(_("Chi tiết")), report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_xlsx(report: Report, path, chart: bytes | None = None) -> None:
    """Write the workbook to `path`."""
    with open(path, "wb") as f:
        f.write(xlsx_bytes(report, chart))


def put(ws: Worksheet, row: int, column: int, value, *, font: Font = NORMAL, border: bool = False):
    """One cell; strings always as text (never a formula), dates as dates."""
    cell = ws.cell(row, column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    cell.font = font
    if border:
        cell.border = GRID
        cell.alignment = WRAP
    return cell


def _table(ws: Worksheet, start: int, header: list[str], rows: list[list]) -> int:
    """A bordered table with a bold header at row `start`; returns the next free row."""
    for col, title in enumerate(header, 1):
        put(ws, start, col, title, font=BOLD, border=True)
    for r, values in enumerate(rows, start + 1):
        for col, value in enumerate(values, 1):
            put(ws, r, col, value, border=True)
    return start + len(rows) + 2


def _titles(ws: Worksheet, report: Report, title: str) -> int:
    put(ws, 1, 1, _("BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ CCHC"), font=TITLE)
    put(ws, 2, 1, title, font=BOLD)
    put(ws, 3, 1, scope_line(report))
    row = 4
    for extra in (_("Kế hoạch: {title} (#{id})").format(title=report.plan.title, id=report.plan.id)
                  if report.plan else None,
                  _("Đơn vị: {name} ({code})").format(name=report.unit.name, code=report.unit.code)
                  if report.unit else None):
        if extra:
            put(ws, row, 1, extra)
            row += 1
    return row + 1


def _count_rows(tasks: Counts, assignments: Counts) -> list[list]:
    keys = (*COUNTED, Bucket.UNDATED, Bucket.NOT_TRACKED)
    rows = [[_("Tổng số có hạn trong kỳ"), tasks.dated, assignments.dated]]
    rows += [[bucket_label(k), getattr(tasks, k), getattr(assignments, k)] for k in keys]
    rows += [[_("Sắp đến hạn (trong {days} ngày)").format(days=DUE_SOON_DAYS), tasks.due_soon, assignments.due_soon],
             [_("Số lần gia hạn"), tasks.extensions, assignments.extensions]]
    return rows


def _summary_sheet(ws: Worksheet, report: Report, chart: bytes | None) -> None:
    ws.title = _("Tổng hợp")
    row = _titles(ws, report, _("Tổng hợp"))
    put(ws, row, 1, paragraph(report)).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
    ws.row_dimensions[row].height = 75
    row += 2
    row = _table(ws, row, [_("Chỉ tiêu"), _("Theo nhiệm vụ"), _("Theo phân công")],
                 _count_rows(report.tasks, report.assignments))
    header = [_("Mã đơn vị"), _("Đơn vị"), _("Tổng số có hạn")] + [bucket_label(k) for k in COUNTED] + \
        [bucket_label(Bucket.UNDATED), _("Số lần gia hạn")]
    units = [[u.code, u.name, u.counts.dated, *(getattr(u.counts, k) for k in COUNTED), u.counts.undated,
              u.counts.extensions] for u in report.units]
    row = _table(ws, row, header, units)
    if chart:
        image = Image(io.BytesIO(chart))
        image.anchor = f"A{row}"
        ws.add_image(image)
    for column, width in zip("ABCDEFGHIJK", (30, 36, 12, 14, 14, 16, 16, 14, 14, 14, 12)):
        ws.column_dimensions[column].width = width
    _print_setup(ws, landscape=True)


def _task_sheet(ws: Worksheet, report: Report) -> None:
    row = _titles(ws, report, _("Theo nhiệm vụ (nhiệm vụ định kỳ một dòng, kèm số kỳ)"))
    header = [_("STT"), _("Mục"), _("Nhiệm vụ"), _("Đơn vị chủ trì"), _("Số kỳ"), _("Đánh giá")] + \
        [bucket_label(k) for k in COUNTED]
    rows = [[i, t.task.section, task_name(t.task), ", ".join(t.units), t.counted_occurrences, bucket_label(t.bucket),
             *(getattr(t.counts, k) for k in COUNTED)] for i, t in enumerate(report.task_rows, 1)]
    _table(ws, row, header, rows)
    ws.freeze_panes = ws.cell(row + 1, 4)
    for column, width in zip("ABCDEFGHIJKL", (6, 24, 60, 22, 8, 22, 12, 12, 12, 12, 12, 12)):
        ws.column_dimensions[column].width = width
    _print_setup(ws, landscape=True, header_row=row)


def _detail_sheet(ws: Worksheet, report: Report) -> None:
    row = _titles(ws, report, _("Phụ lục: chi tiết phân công"))
    header = [_("STT"), _("Mục"), _("Nhiệm vụ"), _("Sản phẩm"), _("Đơn vị chủ trì"), _("Phối hợp"), _("Thời hạn"),
              _("Trạng thái"), _("Ngày hoàn thành"), _("Đánh giá"), _("Gia hạn"),
              _("Tài liệu kiểm chứng, số văn bản"), _("Ghi chú")]
    rows = [_detail_row(i, r) for i, r in enumerate(report.rows, 1)]
    _table(ws, row, header, rows)
    ws.freeze_panes = ws.cell(row + 1, 4)
    for column, width in zip("ABCDEFGHIJKLM", (6, 20, 50, 28, 24, 24, 13, 16, 13, 22, 8, 30, 30)):
        ws.column_dimensions[column].width = width
    _print_setup(ws, landscape=True, header_row=row)


def _detail_row(index: int, row: Row) -> list:
    v = row.view
    due = row.due_on or (v.task.deadline_text or bucket_label(Bucket.UNDATED))
    return [index, v.task.section, task_name(v.task), v.task.product, v.unit.name, v.task.partners_text, due,
            status_then(row), row.done_on, verdict(row), row.extensions, evidence_text(row), row.note]


def _print_setup(ws: Worksheet, *, landscape: bool, header_row: int | None = None) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.print_options.horizontalCentered = True
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"
