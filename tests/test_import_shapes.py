"""Plan documents laid out as officers really make them: two-row headers, merged cells, multi-line titles."""
from __future__ import annotations

import json

import docx
import openpyxl
import pytest

from services.workspace import SAMPLE_UNITS

SECTION = "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"
TASKS = [("1", "Xây dựng Kế hoạch CCHC năm 2026", "Văn phòng Sở", "- Phòng TCCB\n- Phòng KHTC", "Tháng 3/2026",
          "Kế hoạch"),
         ("2", "Rà soát văn bản QPPL", "Thanh tra Sở", "Các đơn vị trực thuộc", "Quý II/2026", "Báo cáo")]
EXPECTED = [("1", "Văn phòng Sở", "- Phòng TCCB - Phòng KHTC", "Tháng 3/2026", "Kế hoạch", ["2026-03-31"]),
            ("2", "Thanh tra Sở", "Các đơn vị trực thuộc", "Quý II/2026", "Báo cáo", ["2026-06-30"])]


@pytest.fixture
def units(cli):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0


def dry_run(cli, path) -> dict:
    result = cli("import", str(path), "--year", "2026", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def shape(data: dict) -> list[tuple]:
    return [(t["number"], t["lead_text"], t["partners_text"], t["deadline_text"], t["product"], t["deadline"]["dues"])
            for t in data["tasks"]]


def _row(table, values):
    cells = table.add_row().cells
    for cell, value in zip(cells, values):
        lines = value.split("\n")
        cell.text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)
    return cells


def _two_row_header(table):
    top = _row(table, ["TT", "Nội dung công việc", "Đơn vị thực hiện", "", "Thời gian thực hiện", "Sản phẩm"])
    top[2].merge(top[3]).text = "Đơn vị thực hiện"
    _row(table, ["", "", "Chủ trì", "Phối hợp", "", ""])


def test_docx_with_units_header_over_chu_tri_and_phoi_hop(cli, units, tmp_path):
    document = docx.Document()
    document.add_paragraph("PHỤ LỤC")
    table = document.add_table(rows=0, cols=6)
    _two_row_header(table)
    section = _row(table, [SECTION] + [""] * 5)
    section[0].merge(section[5])
    _row(table, list(TASKS[0]))
    _two_row_header(table)  # both header rows printed again on the next page
    _row(table, list(TASKS[1]))
    path = tmp_path / "hai-dong-tieu-de.docx"
    document.save(str(path))
    data = dry_run(cli, path)
    assert shape(data) == EXPECTED
    assert {t["section"] for t in data["tasks"]} == {"CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"}
    assert data["warnings"] == []


def test_xlsx_with_units_header_over_chu_tri_and_phoi_hop(cli, units, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["TT", "Nội dung công việc", "Đơn vị thực hiện", None, "Thời gian thực hiện", "Sản phẩm"])
    sheet.merge_cells("C1:D1")
    sheet.append([None, None, "Chủ trì", "Phối hợp"])
    sheet.append([SECTION])
    sheet.merge_cells("A3:F3")
    for task in TASKS:
        sheet.append([int(task[0]), *task[1:]])
    path = tmp_path / "hai-dong-tieu-de.xlsx"
    book.save(path)
    data = dry_run(cli, path)
    assert shape(data) == EXPECTED and data["warnings"] == []


def test_docx_row_with_lead_and_partner_cells_merged_keeps_its_deadline(cli, units, tmp_path):
    document = docx.Document()
    table = document.add_table(rows=0, cols=6)
    _row(table, ["STT", "Nhiệm vụ", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian hoàn thành", "Sản phẩm"])
    row = _row(table, ["1", "Tổng kết công tác CCHC", "Văn phòng Sở", "", "Tháng 12/2026", "Báo cáo"])
    row[2].merge(row[3]).text = "Văn phòng Sở"
    path = tmp_path / "o-gop.docx"
    document.save(str(path))
    [task] = dry_run(cli, path)["tasks"]
    assert (task["lead_text"], task["partners_text"], task["deadline_text"], task["product"]) == (
        "Văn phòng Sở", "", "Tháng 12/2026", "Báo cáo")
    assert task["deadline"] == {"kind": "date", "dues": ["2026-12-31"]}


def test_tasks_lists_one_line_per_assignment_for_a_multi_line_title(cli, units, tmp_path):
    path = tmp_path / "ke-hoach.csv"
    path.write_text("STT,Nhiệm vụ,Sản phẩm,Đơn vị chủ trì,Đơn vị phối hợp,Thời gian hoàn thành\n"
                    '1,"Xây dựng kế hoạch\nTriển khai tới các trường",Kế hoạch,Thanh tra Sở,,Tháng 3/2026\n',
                    encoding="utf-8")
    assert cli("import", str(path), "--year", "2026", "--track-from", "2026-01-01").exit_code == 0
    result = cli("tasks", "--unit", "TTS")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "[TTS] 1. Xây dựng kế hoạch Triển khai tới các trường — 31/03/2026 — Chưa thực hiện"]


def test_tasks_of_an_unknown_plan_is_an_error(cli, units):
    result = cli("tasks", "--plan", "99")
    assert result.exit_code != 0 and "Không có kế hoạch #99" in result.output


def test_negation_stressed_with_dau_is_not_done_but_where_is_a_question(cli):
    result = cli("classify-reply", "--today", "2026-03-10", "Chưa xong đâu ạ", "không kịp đâu anh", "nộp ở đâu ạ")
    assert [json.loads(line)["intent"] for line in result.output.splitlines()] == ["not_done", "not_done", "unknown"]


def test_docx_header_cells_merged_down_over_both_header_rows(cli, units, tmp_path):
    document = docx.Document()
    table = document.add_table(rows=0, cols=6)
    top = _row(table, ["TT", "Nội dung công việc", "Đơn vị thực hiện", "", "Thời gian thực hiện", "Sản phẩm"])
    second = _row(table, ["", "", "Chủ trì", "Phối hợp", "", ""])
    top[2].merge(top[3]).text = "Đơn vị thực hiện"
    for column in (0, 1, 4, 5):  # "TT", "Nội dung"… span both header rows
        text = top[column].text
        top[column].merge(second[column]).text = text
    for task in TASKS:
        _row(table, list(task))
    path = tmp_path / "tieu-de-gop-doc.docx"
    document.save(str(path))
    data = dry_run(cli, path)
    assert shape(data) == EXPECTED
    assert data["warnings"] == []


def test_xlsx_header_cells_merged_down_over_both_header_rows(cli, units, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["TT", "Nội dung công việc", "Đơn vị thực hiện", None, "Thời gian thực hiện", "Sản phẩm"])
    sheet.append([None, None, "Chủ trì", "Phối hợp"])
    for cells in ("A1:A2", "B1:B2", "C1:D1", "E1:E2", "F1:F2"):
        sheet.merge_cells(cells)
    for task in TASKS:
        sheet.append([int(task[0]), *task[1:]])
    path = tmp_path / "tieu-de-gop-doc.xlsx"
    book.save(path)
    data = dry_run(cli, path)
    assert shape(data) == EXPECTED and data["warnings"] == []
