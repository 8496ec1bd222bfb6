"""Hostile and broken plan files: every reader refuses oversized work with a message instead of freezing."""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import docx
import pytest

from i18n import use_locale
from plans.read_markdown import clean_markdown
from plans.readers import ImportFileError, read_document
from services.workspace import SAMPLE_UNITS
from units.directory import DirectoryError, read_directory

TOO_BIG = "quá lớn hoặc có cấu trúc bất thường"


def _message(path: Path, **kwargs) -> str:
    with use_locale("vi"), pytest.raises(ImportFileError) as caught:
        read_document(path, **kwargs)
    return caught.value.message


def _docx_with_body(path: Path, pieces) -> Path:
    """A real Word package whose body is replaced by `pieces` of raw XML, streamed (never held whole)."""
    base = io.BytesIO()
    docx.Document().save(base)
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, src.read(info))
                continue
            xml = src.read(info).decode()
            start = xml.index("<w:body>") + len("<w:body>")
            with out.open("word/document.xml", "w") as fh:
                fh.write(xml[:start].encode())
                for piece in pieces:
                    fh.write(piece.encode())
                fh.write(xml[start:].encode())
    return path


def test_docx_cell_spanning_300_million_columns_is_refused(tmp_path):
    row = ('<w:tbl><w:tr><w:trPr><w:gridBefore w:val="300000000"/></w:trPr><w:tc><w:tcPr>'
           '<w:gridSpan w:val="300000000"/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>')
    assert TOO_BIG in _message(_docx_with_body(tmp_path / "span.docx", [row]))


def test_docx_rows_are_counted_before_the_body_is_parsed(tmp_path):
    """The body breaks after 20,000 rows: only a reader that counts rows before parsing says "too many rows"."""
    rows = ["<w:tbl>", *["<w:tr><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc></w:tr>"] * 20_000, "<w:tr <<<"]
    assert "hơn 5000 dòng" in _message(_docx_with_body(tmp_path / "rows.docx", rows))


def test_docx_of_a_quarter_million_rows_is_refused(tmp_path):
    rows = ["<w:tbl>", *["<w:tr><w:tc><w:p/></w:tc></w:tr>"] * 250_000, "</w:tbl>"]
    assert "hơn 5000 dòng" in _message(_docx_with_body(tmp_path / "many.docx", rows))


def _xlsx(path: Path, sheet_data: str, merges: str = "", shared: str | None = None) -> Path:
    """A minimal Excel package around raw sheet XML (written as a spreadsheet program would)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    kinds = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   f'<Override PartName="/xl/workbook.xml" ContentType="{kinds}.sheet.main+xml"/>'
                   f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{kinds}.worksheet+xml"/>'
                   f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kinds}.sharedStrings+xml"/></Types>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   f'relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook {ns} xmlns:r="{rel}"><sheets><sheet name="S" sheetId="1" '
                   'r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                   f'2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
                   'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
                   f'Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/sharedStrings.xml", f'<sst {ns}>{shared or "<si><t>x</t></si>"}</sst>')
        z.writestr("xl/worksheets/sheet1.xml", f"<worksheet {ns}><sheetData>{sheet_data}</sheetData>{merges}"
                   "</worksheet>")
    return path


def test_xlsx_with_millions_of_cells_is_refused_before_openpyxl_reads_them(tmp_path):
    """30 rows × 16,384 columns, and the sheet breaks at its end: counted first, it is "too big", not "broken"."""
    row = "".join(f'<row r="{r}">' + '<c t="inlineStr"><is><t>1</t></is></c>' * 16_384 + "</row>"
                  for r in range(1, 31))
    assert TOO_BIG in _message(_xlsx(tmp_path / "wide.xlsx", row + '<row r="x"><c <<<'))


def test_xlsx_with_thousands_of_tall_merges_is_refused(tmp_path):
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>' for r in range(1, 2001))
    merges = "<mergeCells>" + '<mergeCell ref="A1:A2000"/>' * 9_000 + "</mergeCells>"
    assert TOO_BIG in _message(_xlsx(tmp_path / "merges.xlsx", rows, merges))


def test_xlsx_cell_of_twenty_megabytes_is_refused_not_made_a_title(tmp_path):
    huge = _xlsx(tmp_path / "huge-cell.xlsx", '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
                 shared="<si><t>KẾ HOẠCH " + "A" * 20_000_000 + "</t></si>")
    assert TOO_BIG in _message(huge)
    long = _xlsx(tmp_path / "long-cell.xlsx", '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
                 shared="<si><t>KẾ HOẠCH " + "A" * 30_000 + "</t></si>")
    assert "dài hơn 20.000 ký tự" in _message(long)


def test_csv_and_text_files_are_bounded(tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text("STT;" + ";".join(["x"] * 5_000) + "\n", encoding="utf-8")
    assert TOO_BIG in _message(wide)
    big = tmp_path / "big.md"
    big.write_bytes(b"KE HOACH\n" * 1_000_000)
    assert TOO_BIG in _message(big)


def test_markdown_line_with_thousands_of_stars_reads_at_once(tmp_path):
    """The old emphasis pattern rescanned the line from every unclosed "*": this line took about a minute."""
    assert clean_markdown("*a " * 20_000 + "và *b*") == "a " + "*a " * 19_999 + "và *b"
    path = tmp_path / "stars.md"
    path.write_text("| STT | Nhiệm vụ | Thời hạn |\n|---|---|---|\n| 1 | " + "*x " * 6_000 + "| *Quý I* |\n",
                    encoding="utf-8")
    assert read_document(path).tables[0][1][2] == "Quý I"


def test_units_directory_from_an_endless_device_is_refused():
    with use_locale("vi"), pytest.raises(DirectoryError, match="lớn hơn 4 MB"):
        read_directory(Path("/dev/zero"))


@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\u202e", "\x85"])
def test_units_directory_with_control_characters_is_refused_with_the_line(tmp_path, bad):
    path = tmp_path / "units.csv"
    path.write_text(f"code,name,kind,parent,aliases,groups\nVP,Văn phòng Sở,phong,,,\nTT,Thanh tra{bad} Sở,phong,,,\n",
                    encoding="utf-8")
    with use_locale("vi"), pytest.raises(DirectoryError) as caught:
        read_directory(path)
    assert "dòng 3" in str(caught.value) and "ký tự điều khiển" in str(caught.value)


def test_plan_with_control_characters_imports_clean_text_and_says_so(cli, tmp_path):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    path = tmp_path / "plan.csv"
    path.write_text("STT;Nhiệm vụ;Đơn vị chủ trì;Thời hạn\n"
                    "1;Rà soát\x00 quy trình \x1b[2J\x1b[31mTTHC\u202e;Văn phòng\u2066 Sở;Quý I/2026\x07\n",
                    encoding="utf-8")
    result = cli("import", str(path), "--year", "2026", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    task = data["tasks"][0]
    assert (task["title"], task["lead_text"], task["deadline"]["dues"]) == (
        "Rà soát quy trình TTHC", "Văn phòng Sở", ["2026-03-31"])
    assert not re.search(r"[\x00-\x08\x1b\u202e\u2066]", result.output)
    assert any("ký tự điều khiển" in w for w in data["warnings"])
    assert not any("không nhận ra đơn vị" in w for w in data["warnings"])
