"""Reading plan files: Markdown/text, DOCX, XLSX, CSV, and every kind of bad file."""
from __future__ import annotations

import io
import os
import shutil
import zipfile
from datetime import date, datetime

import docx
import openpyxl
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from msoffcrypto.format.ooxml import OOXMLFile

from i18n import use_locale
from plans.readers import ImportFileError, read_document
from tests.fixtures.builders import DEADLINE_SENTENCE, build_csv, build_docx, build_xlsx, seed_md_path

HANOI_TITLE = "Kế hoạch thực hiện công tác cải cách hành chính năm 2026 của Sở Giáo dục và Đào tạo Hà Nội"


def test_markdown_seed_reads_the_tab_table_and_clean_paragraphs():
    doc = read_document(seed_md_path())
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert table[0] == ["STT", "Nhiệm vụ", "Sản phẩm", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian hoàn thành"]
    assert table[1] == ["I", "Công tác chỉ đạo, điều hành CCHC"]
    assert len(table) == 1 + 7 + 33  # header, seven section rows, 33 tasks; the "----" rule row dropped
    row17 = next(r for r in table if r[0] == "17")
    assert row17[2] == ("- Kế hoạch rà soát, kiểm tra, kiểm soát TTHC năm 2026\n- Các hoạt động triển khai.\n"
                        "- Báo cáo kết quả thực hiện (lồng ghép trong báo cáo CCHC định kì)")
    assert row17[4] == "- Các phòng thuộc Sở\n- Các đơn vị trực thuộc"
    assert DEADLINE_SENTENCE in doc.paragraphs  # "**03/4/2026**" lost its bold marks
    assert "3. Đề nghị UBND xã, phường" in doc.paragraphs
    assert doc.title == HANOI_TITLE
    assert doc.issuer == "Sở Giáo dục và Đào tạo Hà Nội"


def test_txt_is_read_like_markdown(tmp_path):
    copy = tmp_path / "ke-hoach.txt"
    shutil.copy(seed_md_path(), copy)
    assert read_document(copy) == read_document(seed_md_path())


def test_markdown_pipe_table_with_line_breaks_and_escaped_pipes(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text("# KẾ HOẠCH\n\nĐoạn mở đầu.\n\t- mục thụt lề\n\n| STT | Nhiệm vụ | Thời hạn |\n|---|:---:|---|\n"
                    "| 1 | Rà soát<br>quy trình A \\| B | **Quý I/2026** |\n\nĐoạn kết.\n", encoding="utf-8")
    doc = read_document(path)
    assert doc.tables == [[["STT", "Nhiệm vụ", "Thời hạn"], ["1", "Rà soát\nquy trình A | B", "Quý I/2026"]]]
    assert doc.paragraphs == ["KẾ HOẠCH", "Đoạn mở đầu.", "- mục thụt lề", "Đoạn kết."]


def test_docx_keeps_order_merges_and_multi_paragraph_cells(tmp_path):
    doc = read_document(build_docx(tmp_path / "plan.docx"))
    assert doc.paragraphs.index("KẾ HOẠCH") < doc.paragraphs.index(DEADLINE_SENTENCE) < doc.paragraphs.index("PHỤ LỤC")
    signature, appendix = doc.tables
    assert signature == [["Nơi nhận:\n- UBND Thành phố;\n- Lưu: VT, VP.", "GIÁM ĐỐC\nNguyễn Văn Hiền"]]
    assert appendix[1] == ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"]
    assert ["I", "Công tác chỉ đạo, điều hành CCHC"] in appendix  # "I" + a cell merged over five columns
    assert ["II. Cải cách thể chế"] in appendix  # one cell merged over the whole row reads once
    row1 = next(r for r in appendix if r[0] == "1")
    assert row1[4] == "- Các phòng thuộc Sở\n- UBND xã, phường\n- Các đơn vị trực thuộc"
    assert doc.title == HANOI_TITLE
    assert doc.issuer == "Sở Giáo dục và Đào tạo Hà Nội"


def test_docx_vertical_merge_repeats_text_down(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for r, values in enumerate((["STT", "Nhiệm vụ", "Chủ trì"], ["1", "Việc A", "Văn phòng Sở"], ["2", "Việc B", ""])):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    table.cell(1, 2).merge(table.cell(2, 2))
    document.save(str(tmp_path / "v.docx"))
    assert read_document(tmp_path / "v.docx").tables[0][1:] == [["1", "Việc A", "Văn phòng Sở"],
                                                                 ["2", "Việc B", "Văn phòng Sở"]]


def test_docx_table_nested_in_a_cell_keeps_its_words(tmp_path):
    document = docx.Document()
    cell = document.add_table(rows=1, cols=2).cell(0, 1)
    cell.text = "Sản phẩm:"
    inner = cell.add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "Kế hoạch", "Báo cáo"
    document.save(str(tmp_path / "nested.docx"))
    assert read_document(tmp_path / "nested.docx").tables == [[["", "Sản phẩm:\nKế hoạch\nBáo cáo"]]]


def test_docx_auto_numbered_cells_read_with_their_labels(tmp_path):
    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.append(parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        '<w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/>'
        '<w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%2)"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    table = document.add_table(rows=4, cols=2)
    for row, level in zip(table.rows, (0, 1, 1, 0)):
        row.cells[1].text = "nội dung"
        row.cells[0].paragraphs[0]._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))
    document.save(str(tmp_path / "n.docx"))
    assert [r[0] for r in read_document(tmp_path / "n.docx").tables[0]] == ["1.", "a)", "b)", "2."]


def test_xlsx_reads_every_sheet_with_merges(tmp_path):
    doc = read_document(build_xlsx(tmp_path / "plan.xlsx"))
    notes, appendix = doc.tables
    assert notes == [["Tệp thử nhập kế hoạch CCHC năm 2026"]]
    assert appendix[0] == ["PHỤ LỤC"]  # merged A1:F1 reads as one cell
    assert appendix[2] == ["TT", "Nội dung công việc", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian thực hiện",
                           "Sản phẩm"]
    assert appendix[3] == ["I", "Công tác chỉ đạo, điều hành CCHC"]
    rows = {r[0]: r for r in appendix[3:]}
    assert rows["5"][2] == rows["6"][2] == "Văn phòng Sở"  # a vertically merged lead is repeated down
    assert rows["17"][5].split("\n")[1] == "- Các hoạt động triển khai."


def test_xlsx_cell_values_read_as_people_write_them(tmp_path):
    book = openpyxl.Workbook()
    book.active.append([1.0, 2.5, datetime(2026, 4, 3), date(2026, 12, 31), "  hai\r\n dòng ", None, True])
    book.save(tmp_path / "values.xlsx")
    assert read_document(tmp_path / "values.xlsx").tables == [[
        ["1", "2.5", "03/04/2026", "31/12/2026", "hai\ndòng", "", "True"]]]


@pytest.mark.parametrize("delimiter,encoding", [(";", "utf-8-sig"), (",", "utf-8"), ("\t", "utf-8-sig"),
                                                (",", "utf-16")])
def test_csv_delimiters_and_encodings_are_sniffed(tmp_path, delimiter, encoding):
    path = build_csv(tmp_path / "plan.csv", delimiter=delimiter, encoding=encoding)
    table = read_document(path).tables[0]
    assert table[0] == ["Số TT", "Tên nhiệm vụ", "Sản phẩm đầu ra", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn"]
    assert table[1] == ["I", "Công tác chỉ đạo, điều hành CCHC"]
    assert next(r for r in table if r[0] == "19")[2] == "- Rà soát\n- Đề xuất phương án\n- Báo cáo kết quả"


def _message(path, **kwargs) -> str:
    with use_locale("vi"), pytest.raises(ImportFileError) as caught:
        read_document(path, **kwargs)
    assert str(caught.value) == caught.value.message
    return caught.value.message


@pytest.mark.parametrize("name", ["plan.docx", "plan.xlsx"])
def test_random_bytes_are_a_corrupt_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(os.urandom(3000))
    assert "bị hỏng" in _message(path) and name in _message(path)


def test_zip_that_is_not_a_word_file_is_corrupt(tmp_path):
    path = tmp_path / "plan.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    assert "không phải tệp Word (.docx) hợp lệ" in _message(path)


@pytest.mark.parametrize("build,name", [(build_docx, "plan.docx"), (build_xlsx, "plan.xlsx")])
def test_password_protected_office_file(tmp_path, build, name):
    plain = build(tmp_path / f"plain-{name}")
    encrypted = io.BytesIO()
    with plain.open("rb") as fh:
        OOXMLFile(fh).encrypt("1234", encrypted)
    (tmp_path / name).write_bytes(encrypted.getvalue())
    assert "tệp được đặt mật khẩu" in _message(tmp_path / name)


@pytest.mark.parametrize("name,expected", [("plan.pdf", "không phải tệp PDF hợp lệ"),
                                           ("plan.odt", "Không hỗ trợ tệp plan.odt"),
                                           ("plan.doc", "định dạng Word/Excel cũ"),
                                           ("plan", "Không hỗ trợ tệp plan")])
def test_unsupported_and_old_formats(tmp_path, name, expected):
    (tmp_path / name).write_bytes(b"%PDF-1.4")
    assert expected in _message(tmp_path / name)


def test_missing_file(tmp_path):
    assert "Không tìm thấy tệp" in _message(tmp_path / "khong-co.docx")


def test_csv_not_in_utf8(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_bytes("STT;Nhiêm vu;Thơi han\n1;Ra soat;Quy I\n".encode("cp1258"))  # Windows Vietnamese
    assert "UTF-8" in _message(path)


def test_too_many_rows_in_docx_and_csv(tmp_path):
    rows = [{"number": str(k), "section_no": "I", "section": "Mục", "title": "t", "title_raw": "t",
             "product": "", "product_raw": "", "lead_text": "VP", "partners_text": "", "deadline_text": "2026"}
            for k in range(1, 21)]
    assert "hơn 10 dòng" in _message(build_docx(tmp_path / "p.docx", rows), max_rows=10)
    assert "hơn 10 dòng" in _message(build_csv(tmp_path / "p.csv", rows), max_rows=10)
    assert len(read_document(build_csv(tmp_path / "ok.csv", rows), max_rows=30).tables[0]) == 22


def _streamed_sheet(path, rows: int, cut_after: int) -> None:
    """An .xlsx of `rows` rows whose sheet XML is broken after row `cut_after`: only a reader that
    stops counting at the limit (instead of loading the whole sheet) can answer "too many rows"."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    body = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>{i}</t></is></c></row>' for i in range(1, cut_after))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                   '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook {ns} {rel}><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
                   '</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet {ns}><dimension ref="A1:A{rows}"/><sheetData>{body}'
                   '<row r="broken"><c <<<')


def test_fifty_thousand_row_sheet_is_rejected_without_reading_it_all(tmp_path):
    path = tmp_path / "big.xlsx"
    _streamed_sheet(path, rows=50_000, cut_after=6_000)
    assert "hơn 5000 dòng" in _message(path)
    assert "bị hỏng" in _message(path, max_rows=10_000)  # the same file read further is broken
