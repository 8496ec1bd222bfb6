"""A task written over two rows with its STT merged (one task, two product lines) stays one task."""
from __future__ import annotations

import json

import docx
import openpyxl

from services.workspace import SAMPLE_UNITS

HEADER = ("STT", "Nhiệm vụ", "Sản phẩm", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian hoàn thành")
ROWS = [("1", "Rà soát quy trình nội bộ giải quyết TTHC", "Quyết định phê duyệt", "Văn phòng Sở", "", "Tháng 3/2026"),
        ("1", "Rà soát quy trình nội bộ giải quyết TTHC", "Báo cáo kết quả rà soát", "Văn phòng Sở", "", "Tháng 3/2026"),
        ("2", "Tập huấn CCHC", "Lớp tập huấn", "Phòng Tổ chức cán bộ", "", "Quý II/2026"),
        ("3", "Kiểm tra công vụ", "Thông báo kết luận", "Thanh tra Sở", "", "Tháng 10/2026")]


def _docx(path):
    document = docx.Document()
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Cải cách hành chính năm 2026")
    table = document.add_table(rows=1 + len(ROWS), cols=6)
    for row, values in zip(table.rows, [HEADER, *ROWS]):
        for cell, value in zip(row.cells, values):
            cell.text = value
    for column in (0, 1, 3, 5):  # STT, title, lead and deadline merged down over the task's two rows
        top = table.cell(1, column)
        top.merge(table.cell(2, column)).text = ROWS[0][column]
    document.save(str(path))
    return path


def _xlsx(path):
    book = openpyxl.Workbook()
    sheet = book.active
    for values in (HEADER, *ROWS):
        sheet.append(list(values))
    for column in "ABDF":
        sheet[f"{column}3"] = None
        sheet.merge_cells(f"{column}2:{column}3")
    book.save(path)
    return path


def test_a_merged_stt_continues_the_same_task(cli, tmp_path):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    for path in (_docx(tmp_path / "gop-o.docx"), _xlsx(tmp_path / "gop-o.xlsx")):
        result = cli("import", str(path), "--year", "2026", "--dry-run", "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        tasks = data["tasks"]
        assert [t["number"] for t in tasks] == ["1", "2", "3"], path.name
        assert tasks[0]["product"] == "Quyết định phê duyệt\nBáo cáo kết quả rà soát"
        assert tasks[0]["lead_text"] == "Văn phòng Sở" and tasks[0]["deadline"]["dues"] == ["2026-03-31"]
        assert not any("trùng" in w for w in data["warnings"])
