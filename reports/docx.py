"""The report upward as a Word document, laid out as the Sở's own reports (A4, Times New Roman 13–14).

Title and period, the cut-off day, the ready paragraph, the summary table, the chart, per-unit and per-section
tables, the overdue tasks with their units, and the appendix (status, completion date, evidence and document
numbers). Table header rows repeat on every page and rows do not break across pages, so the tables print.
"""
from __future__ import annotations

import io
from collections import defaultdict

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from i18n import _, fmt_date
from reports import COUNTED, paragraph, scope_line
from reports.summary import Bucket, Counts, Report, bucket_label
from reports.texts import evidence_text, status_then, task_name

FONT = "Times New Roman"
BODY_PT, TABLE_PT = 14, 12


def docx_bytes(report: Report, chart: bytes | None = None, *, organisation: str = "") -> bytes:
    """The document as bytes."""
    doc = Document()
    _page(doc)
    _heading(doc, report, organisation)
    _part(doc, _("I. KẾT QUẢ CHUNG"))
    _para(doc, paragraph(report))
    _summary_table(doc, report)
    if chart:
        doc.add_picture(io.BytesIO(chart), width=Cm(16))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _part(doc, _("II. THEO ĐƠN VỊ (tính theo phân công)"))
    _counts_table(doc, [_("Đơn vị")], [([u.name], u.counts) for u in report.units])
    _part(doc, _("III. THEO LĨNH VỰC (tính theo nhiệm vụ)"))
    _counts_table(doc, [_("Lĩnh vực")], _sections(report))
    _part(doc, _("IV. NHIỆM VỤ QUÁ HẠN CHƯA HOÀN THÀNH"))
    _overdue(doc, report)
    _appendix(doc, report)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.orientation = WD_ORIENT.PORTRAIT
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(BODY_PT)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(6)


def _run(paragraph, text: str, *, bold: bool = False, italic: bool = False, size: int | None = None):
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    run.font.name = FONT
    if size:
        run.font.size = Pt(size)
    return run


def _para(doc, text: str, *, bold=False, italic=False, center=False, size=None):
    p = doc.add_paragraph()
    _run(p, text, bold=bold, italic=italic, size=size)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.JUSTIFY
    return p


def _part(doc, title: str) -> None:
    _para(doc, title, bold=True)


def _heading(doc, report: Report, organisation: str) -> None:
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    _run(left.paragraphs[0], (organisation or (report.plan.issuer if report.plan else "")).upper(), bold=True,
         size=13)
    _run(right.paragraphs[0], _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), bold=True, size=13)
    _run(right.add_paragraph(), _("Độc lập - Tự do - Hạnh phúc"), bold=True, size=14)
    for cell in (left, right):
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, _("BÁO CÁO"), bold=True, center=True)
    title = _("Tình hình thực hiện nhiệm vụ cải cách hành chính {scope}").format(
        scope=report.period.label() if report.period else _("(tất cả thời hạn)"))
    _para(doc, title, bold=True, center=True)
    _para(doc, scope_line(report), italic=True, center=True, size=13)
    if report.unit is not None:
        _para(doc, _("Đơn vị: {name}").format(name=report.unit.name), center=True, size=13)


def _table(doc, header: list[str], rows: list[list]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, title in zip(table.rows[0].cells, header):
        _run(cell.paragraphs[0], title, bold=True, size=TABLE_PT)
    _repeat_header(table.rows[0])
    for values in rows:
        row = table.add_row()
        _keep_together(row)
        for cell, value in zip(row.cells, values):
            _run(cell.paragraphs[0], "" if value is None else str(value), size=TABLE_PT)
    doc.add_paragraph()


def _repeat_header(row) -> None:
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _keep_together(row) -> None:
    flag = OxmlElement("w:cantSplit")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _summary_table(doc, report: Report) -> None:
    keys = (*COUNTED, Bucket.UNDATED, Bucket.NOT_TRACKED)
    rows = [[_("Tổng số có hạn trong kỳ"), report.tasks.dated, report.assignments.dated]]
    rows += [[bucket_label(k), getattr(report.tasks, k), getattr(report.assignments, k)] for k in keys]
    _table(doc, [_("Chỉ tiêu"), _("Theo nhiệm vụ"), _("Theo phân công")], rows)


SHORT = (Bucket.DONE_ON_TIME, Bucket.DONE_LATE, Bucket.OVERDUE)


def _counts_table(doc, names: list[str], items: list[tuple[list[str], Counts]]) -> None:
    header = [_("STT"), *names, _("Tổng số có hạn"), *(bucket_label(k) for k in SHORT),
              _("Đang thực hiện, chưa thực hiện — chưa đến hạn")]
    rows = [[i, *label, c.dated, *(getattr(c, k) for k in SHORT), c.pending + c.not_done]
            for i, (label, c) in enumerate(items, 1)]
    _table(doc, header, rows)


def _sections(report: Report) -> list[tuple[list[str], Counts]]:
    by_section: dict[str, Counts] = defaultdict(Counts)
    for t in report.task_rows:
        by_section[t.task.section or _("(không ghi lĩnh vực)")].add(t.bucket)
    return [([name], counts) for name, counts in by_section.items()]


def _overdue(doc, report: Report) -> None:
    rows = [r for r in report.rows if r.bucket == Bucket.OVERDUE]
    if not rows:
        _para(doc, _("Không có nhiệm vụ quá hạn chưa hoàn thành."))
        return
    items = [[i, task_name(r.view.task), r.view.unit.name, fmt_date(r.due_on), (report.as_of - (r.effective_due or r.due_on)).days]
             for i, r in enumerate(rows, 1)]
    _table(doc, [_("STT"), _("Nhiệm vụ"), _("Đơn vị"), _("Thời hạn"), _("Số ngày quá hạn")], items)


def _appendix(doc, report: Report) -> None:
    doc.add_page_break()
    _para(doc, _("PHỤ LỤC"), bold=True, center=True)
    _para(doc, _("Chi tiết tình hình thực hiện nhiệm vụ ({scope})").format(
        scope=report.period.label() if report.period else _("tất cả thời hạn")), italic=True, center=True)
    items = [[i, task_name(r.view.task), r.view.unit.name,
              fmt_date(r.due_on) if r.due_on else (r.view.task.deadline_text or bucket_label(Bucket.UNDATED)),
              status_then(r), fmt_date(r.done_on) if r.done_on else "", bucket_label(r.bucket), evidence_text(r)]
             for i, r in enumerate(report.rows, 1)]
    _table(doc, [_("STT"), _("Nhiệm vụ"), _("Đơn vị"), _("Thời hạn"), _("Trạng thái"), _("Ngày hoàn thành"),
                 _("Đánh giá"), _("Tài liệu kiểm chứng, số văn bản")], items)
