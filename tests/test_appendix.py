"""Finding the appendix table and reading its rows, from the Hanoi plan in every file form."""
from __future__ import annotations

import pytest

from i18n import use_locale
from plans.appendix import column_role, find_appendix
from plans.readers import Document, ImportFileError, read_document
from tests.fixtures.builders import FIELDS, build_csv, build_docx, build_xlsx, seed_md_path, seed_rows

HEADER = ["STT", "Nhiệm vụ", "Sản phẩm", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian hoàn thành"]


def _fields(rows) -> list[dict]:
    return [{name: getattr(row, name) for name in FIELDS} for row in rows]


def _truth() -> list[dict]:
    return [{name: row[name] for name in FIELDS} for row in seed_rows()]


def _appendix(*rows: list[str], header: list[str] = HEADER):
    return find_appendix(Document(tables=[[header, *rows]]))


def test_hanoi_markdown_appendix_has_all_33_tasks_as_in_the_seed():
    appendix = find_appendix(read_document(seed_md_path()))
    rows = {row.number: row for row in appendix.rows}
    assert [row.number for row in appendix.rows] == [str(n) for n in range(1, 34)]
    assert appendix.warnings == []
    assert _fields(appendix.rows) == _truth()
    assert rows["1"].deadline_text == "Tháng 3/2026"
    assert rows["1"].section == "Công tác chỉ đạo, điều hành CCHC"
    assert rows["1"].partners_text == "- Các phòng thuộc Sở - UBND xã, phường - Các đơn vị trực thuộc"
    assert rows["4"].lead_text == "Văn phòng Sở Phòng TCCB"
    assert rows["4"].deadline_text == "Tháng 4 năm 2026"
    assert rows["13"].lead_text == "- Văn phòng Sở - Phòng Kiểm tra chuyên ngành"
    assert rows["13"].section == "Cải cách thể chế"
    assert rows["16"].section == "Cải cách TTHC và thực hiện cơ chế một cửa, một cửa liên thông"
    assert rows["19"].product_raw == "- Rà soát\n- Đề xuất phương án\n- Báo cáo kết quả"
    assert rows["19"].product == "- Rà soát - Đề xuất phương án - Báo cáo kết quả"
    assert rows["26"].partners_text == "Các đơn vị trực thuộc"
    assert rows["33"].section == "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số"
    assert rows["33"].deadline_text == "Tháng 12/2026"
    assert all("<" not in row.product + row.title for row in appendix.rows)


@pytest.mark.parametrize("build", [build_docx, build_xlsx, build_csv], ids=["docx", "xlsx", "csv"])
def test_every_file_form_gives_the_same_tasks(tmp_path, build):
    suffix = build.__name__.removeprefix("build_")
    appendix = find_appendix(read_document(build(tmp_path / f"plan.{suffix}")))
    assert appendix.warnings == []
    assert _fields(appendix.rows) == _truth()


def test_csv_with_commas_gives_the_same_tasks(tmp_path):
    path = build_csv(tmp_path / "plan.csv", delimiter=",", encoding="utf-8")
    assert _fields(find_appendix(read_document(path)).rows) == _truth()


@pytest.mark.parametrize("cell,role", [
    ("STT", "number"), ("TT", "number"), ("Số TT", "number"), ("s.t.t", None),
    ("Nhiệm vụ", "title"), ("Nội dung công việc", "title"), ("Tên nhiệm vụ", "title"), ("NỘI DUNG", "title"),
    ("Sản phẩm", "product"), ("Kết quả", "product"), ("Sản phẩm đầu ra", "product"),
    ("Đơn vị chủ trì", "lead"), ("Cơ quan\nchủ trì", "lead"), ("CHU TRI", "lead"),
    ("Đơn vị phối hợp", "partners"), ("Cơ quan phối hợp", "partners"), ("Phối hợp", "partners"),
    ("Thời gian hoàn thành", "deadline"), ("Thời gian thực hiện", "deadline"), ("Thời hạn", "deadline"),
    ("THỜI GIAN", "deadline"), ("<b>Thời gian hoàn thành</b>", "deadline"), ("Ghi chú", None), ("", None)])
def test_header_wording_accents_and_case(cell, role):
    assert column_role(cell) == role


def test_columns_in_any_order_and_wording():
    appendix = _appendix(["1", "Quý I/2026", "Rà soát TTHC", "Văn phòng Sở"],
                         header=["Số TT", "THOI HAN", "Nội dung", "Cơ quan chủ trì"])
    row = appendix.rows[0]
    assert (row.number, row.title, row.lead_text, row.deadline_text) == ("1", "Rà soát TTHC", "Văn phòng Sở",
                                                                         "Quý I/2026")


def test_other_tables_numbering_rows_repeated_headers_and_empty_rows_are_ignored():
    signature = [["Nơi nhận:\n- Như trên;", "GIÁM ĐỐC"]]
    appendix_table = [["PHỤ LỤC"], HEADER, ["1", "2", "3", "4", "5", "6"], ["I. Công tác chỉ đạo"],
                      ["1", "Việc A", "Kế hoạch", "Văn phòng Sở", "", "Tháng 3/2026"], ["", "", "", "", "", ""],
                      HEADER, ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
                      ["2", "Việc B", "Báo cáo", "Phòng TCCB", "Các phòng", "Quý II/2026"]]
    appendix = find_appendix(Document(tables=[signature, appendix_table, signature]))
    assert [(r.number, r.section, r.title) for r in appendix.rows] == [("1", "Công tác chỉ đạo", "Việc A"),
                                                                       ("2", "Công tác chỉ đạo", "Việc B")]
    assert appendix.warnings == []


def test_sub_numbered_rows_are_tasks_under_their_group():
    appendix = _appendix(["II", "Cải cách thể chế"], ["1", "Tuyên truyền"],
                         ["1.1", "Việc A", "", "Văn phòng Sở", "", "Quý I/2026"],
                         ["1.2.", "Việc B", "", "Phòng TCCB", "", "Quý II/2026"],
                         ["a)", "Việc C", "", "Phòng KHTC", "", "Năm 2026"])
    assert [(r.number, r.section) for r in appendix.rows] == [
        ("1.1", "Cải cách thể chế – Tuyên truyền"), ("1.2", "Cải cách thể chế – Tuyên truyền"),
        ("a)", "Cải cách thể chế – Tuyên truyền")]


def test_row_without_number_continues_the_task_above_or_becomes_one():
    appendix = _appendix(["3", "Rà soát quy trình", "Báo cáo", "Văn phòng Sở", "", "Quý I/2026"],
                         ["", "(tiếp) nội bộ của Sở", "Tờ trình"],
                         ["", "Tổng hợp số liệu", "Báo cáo", "Phòng KHTC", "", "Tháng 6/2026"])
    first, second = appendix.rows
    assert first.title_raw == "Rà soát quy trình\n(tiếp) nội bộ của Sở"
    assert first.product_raw == "Báo cáo\nTờ trình"
    assert (second.number, second.title, second.lead_text) == ("3a", "Tổng hợp số liệu", "Phòng KHTC")
    assert len(appendix.warnings) == 2
    assert "nối vào nhiệm vụ 3" in appendix.warnings[0]
    assert "được coi là nhiệm vụ 3a" in appendix.warnings[1]


def test_bullet_in_number_column_is_not_a_number():
    appendix = _appendix(["I.", "Công tác chỉ đạo"], ["1", "Việc A", "", "VP", "", "Quý I"],
                         ["-", "Việc A1", "", "Phòng TCCB", "", "Quý II"])
    assert [(r.number, r.section) for r in appendix.rows] == [("1", "Công tác chỉ đạo"), ("1a", "Công tác chỉ đạo")]


def test_duplicate_numbers_are_warned_and_kept_apart():
    appendix = _appendix(["I", "Mục một"], ["1", "Việc A", "", "VP", "", "Quý I"],
                         ["2", "Việc B", "", "VP", "", "Quý I"], ["2", "Việc C", "", "VP", "", "Quý II"])
    assert [r.number for r in appendix.rows] == ["1", "2", "2 (2)"]
    assert appendix.warnings == ["Số thứ tự 2 bị trùng; nhiệm vụ “Việc C” được ghi là 2 (2)."]


def test_numbering_restarting_in_each_section_keeps_the_section_numeral():
    appendix = _appendix(["I", "Mục một"], ["1", "Việc A", "", "VP", "", "Quý I"],
                         ["II", "Mục hai"], ["1", "Việc B", "", "VP", "", "Quý II"])
    assert [r.number for r in appendix.rows] == ["I.1", "II.1"]
    assert len(appendix.warnings) == 1 and "I.1" in appendix.warnings[0]


def test_table_without_number_column_numbers_tasks_in_order():
    appendix = _appendix(["Việc A", "VP", "Quý I"], ["Việc B", "VP", "Quý II"],
                         header=["Nội dung", "Chủ trì", "Thời gian"])
    assert [(r.number, r.title) for r in appendix.rows] == [("1", "Việc A"), ("2", "Việc B")]


def test_signature_block_under_a_sheet_table_ends_the_appendix():
    appendix = _appendix(["1", "Việc A", "", "VP", "", "Quý I"], ["", "", "", "GIÁM ĐỐC"],
                         ["Nơi nhận:", "", "", "Nguyễn Văn Hiền"])
    assert [r.lead_text for r in appendix.rows] == ["VP"]


def test_markup_and_spacing_are_collapsed_in_text_fields():
    appendix = _appendix(["<b>1</b>", "Rà  soát\nTTHC", "- Kế hoạch\n- <i>Báo cáo</i>", " Văn phòng\n Sở ", "",
                          "Tháng\n3/2026"])
    row = appendix.rows[0]
    assert (row.number, row.title, row.title_raw) == ("1", "Rà soát TTHC", "Rà soát\nTTHC")
    assert (row.product, row.product_raw) == ("- Kế hoạch - Báo cáo", "- Kế hoạch\n- Báo cáo")
    assert (row.lead_text, row.deadline_text) == ("Văn phòng Sở", "Tháng 3/2026")


def _error(doc: Document) -> str:
    with use_locale("vi"), pytest.raises(ImportFileError) as caught:
        find_appendix(doc)
    return str(caught.value)


def test_header_without_deadline_column_is_refused():
    doc = Document(tables=[[["STT", "Nhiệm vụ", "Sản phẩm", "Đơn vị chủ trì"], ["1", "Việc A", "KH", "VP"]]])
    assert "thiếu cột Thời gian hoàn thành" in _error(doc)


def test_document_without_appendix_is_refused():
    doc = read_document(seed_md_path())
    doc.tables = [[["Nơi nhận:", "GIÁM ĐỐC"]], [["STT", "Nội dung", "Kết quả thực hiện", "Ghi chú"]]]
    assert "Không tìm thấy bảng phụ lục" in _error(doc)
    assert "Không tìm thấy bảng phụ lục" in _error(Document())


def test_appendix_with_no_task_rows_is_refused():
    assert "không có nhiệm vụ nào" in _error(Document(tables=[[HEADER, ["(1)", "(2)", "(3)"], []]]))
