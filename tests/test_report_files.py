"""The report upward as files: the Word document and the workbook opened back, the chart decoded, /baocao."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

import pytest
from docx import Document
from openpyxl import load_workbook
from PIL import Image
from sqlmodel import Session

from i18n import use_locale
from reports.chart import COLOURS
from reports.files import build_files, report_files
from reports.periods import data_window
from reports.summary import build_report
from storage.models import Assignment, Status, Task
from tests.reminders_world import World

UTC = timezone.utc


@pytest.fixture
def world(engine):
    with use_locale("vi"):
        w = World(engine)
        vp = w.unit("VP", name="Văn phòng Sở")
        evil = w.unit("=HYPERLINK(\"http://x\",\"bấm\")", name="=HYPERLINK(\"http://x\",\"bấm\")")
        done = w.assign(w.task("Ban hành kế hoạch CCHC"), vp, date(2026, 2, 20))
        w.update(Assignment, done.id, status=Status.DONE, done_at=datetime(2026, 2, 19, 3, tzinfo=UTC))
        w.assign(w.task("Rà soát thủ tục"), vp, date(2026, 3, 2))          # overdue on 14/03
        late = w.assign(w.task("Tự chấm điểm"), evil, date(2026, 3, 1))
        w.update(Assignment, late.id, status=Status.DONE, done_at=datetime(2026, 3, 5, 3, tzinfo=UTC))
        odd = w.task("=1+2")
        w.update(Task, odd.id, deadline_text="=1+2", product="@SUM(A1)")
        w.assign(odd, vp, None)
        yield w


def _report(engine, day=date(2026, 3, 14)):
    with Session(engine) as s:
        return build_report(s, as_of=day, roles=("lead",), period=data_window("q1", 2026))


def test_docx_reads_back_as_the_sos_report(world, engine):
    files = build_files(_report(engine), organisation="Sở Giáo dục và Đào tạo Hà Nội")
    doc = Document(io.BytesIO(files.docx))
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert doc.styles["Normal"].font.name == "Times New Roman" and doc.styles["Normal"].font.size.pt == 14
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Tình hình thực hiện nhiệm vụ cải cách hành chính Quý I/2026" in text
    assert "số liệu từ 15/12/2025 đến 14/03/2026" in text and "tính đến ngày 14/03/2026" in text
    assert ("Tổng số nhiệm vụ trong kỳ báo cáo có 03 nhiệm vụ; Số nhiệm vụ đã hoàn thành đúng hạn 01; Số nhiệm vụ đã "
            "hoàn thành nhưng quá hạn 01; Số nhiệm vụ đang thực hiện 01, trong đó quá hạn chưa hoàn thành 01.") in text
    assert doc.tables[0].rows[0].cells[0].text == "SỞ GIÁO DỤC VÀ ĐÀO TẠO HÀ NỘI"
    summary = {r.cells[0].text: (r.cells[1].text, r.cells[2].text) for r in doc.tables[1].rows}
    assert summary["Quá hạn chưa hoàn thành"] == ("1", "1") and summary["Chưa xác định hạn"] == ("1", "1")
    overdue = next(t for t in doc.tables if t.rows[0].cells[-1].text == "Số ngày quá hạn")
    assert [c.text for c in overdue.rows[1].cells] == ["1", "NV 2. Rà soát thủ tục", "Văn phòng Sở", "02/03/2026", "12"]
    appendix = doc.tables[-1]
    assert appendix.rows[0]._tr.trPr.xml.count("tblHeader") == 1   # the header repeats on each printed page
    late = next(r for r in appendix.rows if r.cells[1].text == "NV 3. Tự chấm điểm")
    assert [c.text for c in late.cells[3:7]] == ["01/03/2026", "Đã hoàn thành", "05/03/2026", "Hoàn thành quá hạn"]
    assert len(doc.inline_shapes) == 1   # the chart


def test_workbook_reads_back_with_text_never_formulas(world, engine):
    files = build_files(_report(engine))
    book = load_workbook(io.BytesIO(files.xlsx))
    assert book.sheetnames == ["Tổng hợp", "Nhiệm vụ", "Chi tiết"]
    detail = book["Chi tiết"]
    header_row = next(r for r in detail.iter_rows() if r[0].value == "STT")
    assert [c.value for c in header_row][:8] == ["STT", "Mục", "Nhiệm vụ", "Sản phẩm", "Đơn vị chủ trì", "Phối hợp",
                                                 "Thời hạn", "Trạng thái"]
    assert detail.freeze_panes == f"D{header_row[0].row + 1}"
    assert detail.page_setup.orientation == "landscape" and detail.page_setup.paperSize == 9
    assert detail.print_title_rows == f"${header_row[0].row}:${header_row[0].row}"
    cells = [c for row in book.worksheets for r in row.iter_rows() for c in r]
    assert not [c for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert "=HYPERLINK(\"http://x\",\"bấm\")" in values and "=1+2" in values and "@SUM(A1)" in values
    summary = book["Tổng hợp"]
    assert summary["A1"].value == "BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ CCHC" and len(summary._images) == 1
    tasks = book["Nhiệm vụ"]
    assert any(r[2] == "NV 3. Tự chấm điểm" and r[5] == "Hoàn thành quá hạn" for r in tasks.iter_rows(values_only=True))


def test_chart_decodes_with_a_bar_per_bucket(world, engine):
    image = Image.open(io.BytesIO(build_files(_report(engine)).chart)).convert("RGB")
    assert image.format is None and image.size[0] > 600
    colours = set(image.getdata())

    def present(hex_colour: str) -> bool:
        rgb = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        return rgb in colours

    assert present(COLOURS["done_on_time"]) and present(COLOURS["done_late"]) and present(COLOURS["overdue"])
    assert not present(COLOURS["not_done"])


def test_report_files_for_a_period_code(world, engine):
    with Session(engine) as s:
        files = report_files(s, as_of=date(2026, 3, 14), roles=("lead",), period="q1", year=2026)
    assert files.stem == "bao-cao-cchc-q1-2026-den-14-03-2026"
    assert [name for name, _data, _mime in files.named()] == [
        "bao-cao-cchc-q1-2026-den-14-03-2026.docx", "bao-cao-cchc-q1-2026-den-14-03-2026.xlsx",
        "bao-cao-cchc-q1-2026-den-14-03-2026.png"]


def test_cli_writes_the_docx(cli, world, tmp_path):
    path = tmp_path / "bao-cao.docx"
    result = cli("report", "--period", "q1", "--year", "2026", "--as-of", "2026-03-14", "--docx", str(path))
    assert result.exit_code == 0, result.output
    assert "Đã ghi báo cáo Word" in result.stderr
    assert "Quý I/2026" in "\n".join(p.text for p in Document(str(path)).paragraphs)
