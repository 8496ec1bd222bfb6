"""PDF plans: printed from the DOCX and XLSX plans in the test, then imported and matched with them row for row."""
from __future__ import annotations

import json
import re
import zlib
from pathlib import Path

import pdfplumber
import pytest
from fpdf import FPDF

from i18n import use_locale
from plans.readers import ImportFileError, read_document
from plans.service import parse_plan
from services.workspace import SAMPLE_UNITS
from tests.fixtures.builders import build_docx, build_xlsx, seed_rows
from tests.fixtures.pdf_builder import print_plan


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> dict[str, Path]:
    """The Hanoi plan as DOCX and XLSX, and PDFs printed from them (ruled, unruled, decomposed Vietnamese)."""
    folder = tmp_path_factory.mktemp("pdf-plans")
    files = {"docx": build_docx(folder / "ke-hoach.docx"), "xlsx": build_xlsx(folder / "ke-hoach.xlsx")}
    docx_doc, xlsx_doc = read_document(files["docx"]), read_document(files["xlsx"])
    files["ruled"], split = print_plan(docx_doc, folder / "ke-hoach.pdf")
    assert split >= 1  # some task rows really run over a page break
    files["unruled"], _ = print_plan(docx_doc, folder / "khong-ke.pdf", ruled=False)
    files["unruled-bare"], _ = print_plan(docx_doc, folder / "khong-ke-khong-lap.pdf", ruled=False,
                                          repeat_header=False)
    files["nfd"], _ = print_plan(docx_doc, folder / "to-hop.pdf", decomposed=True)
    files["from-xlsx"], _ = print_plan(xlsx_doc, folder / "tu-excel.pdf")
    return files


@pytest.fixture
def units(cli):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0


def _dry_run(cli, path: Path) -> dict:
    result = cli("import", str(path), "--year", "2026", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _rows(data: dict) -> list[dict]:
    """Tasks with line breaks inside titles and products ignored: a PDF keeps where lines wrapped, not why."""
    return [{**task, "title": " ".join(task["title"].split()), "product": " ".join(task["product"].split())}
            for task in data["tasks"]]


@pytest.mark.parametrize("source,pdf", [("docx", "ruled"), ("docx", "unruled"), ("docx", "unruled-bare"),
                                        ("docx", "nfd"), ("xlsx", "from-xlsx")])
def test_pdf_import_matches_the_office_file_row_for_row(cli, units, plans, source, pdf):
    expected, got = _dry_run(cli, plans[source]), _dry_run(cli, plans[pdf])
    assert len(got["tasks"]) == len(seed_rows()) == 33
    assert _rows(got) == _rows(expected)
    assert got["warnings"] == expected["warnings"]
    assert set(got) == set(expected) and set(got["tasks"][0]) == set(expected["tasks"][0])  # same JSON shape


def test_pdf_body_gives_the_same_title_and_dated_obligations(plans):
    docx_plan = parse_plan(plans["docx"], year=2026, resolver=None)
    for name in ("ruled", "nfd"):
        pdf_plan = parse_plan(plans[name], year=2026, resolver=None)
        assert pdf_plan.document.title == docx_plan.document.title
        assert pdf_plan.document.issuer == docx_plan.document.issuer == "Sở Giáo dục và Đào tạo Hà Nội"
        assert [(s.sentence, s.due) for s in pdf_plan.suggestions] == [(s.sentence, s.due)
                                                                         for s in docx_plan.suggestions]
        assert docx_plan.suggestions


def test_decomposed_pdf_text_is_read_as_composed_vietnamese(plans):
    with pdfplumber.open(plans["nfd"]) as pdf:
        assert "\u0302" in pdf.pages[0].extract_text()  # the file really stores "Kê\u0302" …
    doc = read_document(plans["nfd"])
    words = " ".join([*doc.paragraphs, *(cell for table in doc.tables for row in table for cell in row)])
    assert "KẾ HOẠCH" in words and not re.search(r"[\u0300-\u036f]", words)


def _scan(path: Path, source: Path, pages: slice = slice(0, 1)) -> Path:
    """An image-only PDF of `source`'s pages, as a scanner makes it."""
    pdf = FPDF(orientation="L", format="A4")
    with pdfplumber.open(source) as original:
        for index, page in enumerate(original.pages[pages]):
            image = path.with_name(f"page-{index}.png")
            page.to_image(resolution=200).original.convert("L").save(image)
            pdf.add_page()
            pdf.image(str(image), x=0, y=0, w=pdf.w, h=pdf.h)
    pdf.output(str(path))
    return path


def test_scanned_pdf_without_ocr_gets_a_clear_message(plans, tmp_path, monkeypatch):
    monkeypatch.setenv("NHACVIEC_OCR", "off")
    scan = _scan(tmp_path / "ban-quet.pdf", plans["ruled"])
    with use_locale("vi"), pytest.raises(ImportFileError, match="là bản quét"):
        read_document(scan)


def test_scanned_pdf_is_read_through_ocr_and_every_row_marked(cli, units, plans, tmp_path):
    scan = _scan(tmp_path / "ban-quet.pdf", plans["ruled"])
    data = _dry_run(cli, scan)
    expected = {t["number"]: t for t in _dry_run(cli, plans["docx"])["tasks"]}
    assert data["tasks"] and all(task["from_scan"] for task in data["tasks"])
    assert "bản quét" in data["warnings"][0]
    right = [t for t in data["tasks"] if t["number"] in expected
             and t["lead_text"] == expected[t["number"]]["lead_text"]]
    assert len(right) >= len(data["tasks"]) * 0.6 and len(data["tasks"]) >= 3


def test_broken_and_hostile_pdfs_are_refused_with_a_message(tmp_path):
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF garbage")
    assert "bị hỏng" in _message(broken)
    bomb = tmp_path / "bom.pdf"  # one page whose content stream inflates to 1 GB
    deflate = zlib.compressobj(9)
    block = deflate.compress(b" " * (1 << 24)) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeat = block[2:]  # after a full flush, the same 16 MB compress to the same bytes (no zlib header)
    stream = block + repeat * 63 + deflate.flush()
    bomb.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                     b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                     b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"
                     b"4 0 obj<</Length " + str(len(stream)).encode() + b"/Filter/FlateDecode>>stream\n"
                     + stream + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF")
    assert "quá lớn" in _message(bomb)


def _message(path: Path) -> str:
    with use_locale("vi"), pytest.raises(ImportFileError) as caught:
        read_document(path)
    return caught.value.message


def _mixed(path: Path, source: Path) -> Path:
    """`source` with its last page replaced by a scan of it: the signed last page put back through a scanner."""
    import pypdfium2 as pdfium

    text, scan = pdfium.PdfDocument(str(source)), pdfium.PdfDocument(str(_scan(path.with_name("last.pdf"), source,
                                                                                 slice(-1, None))))
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(text, list(range(len(text) - 1)))
    mixed.import_pages(scan)
    mixed.save(str(path))
    return path


def test_a_scanned_page_among_text_pages_is_never_skipped_silently(cli, units, plans, tmp_path, monkeypatch):
    mixed = _mixed(tmp_path / "ky-dong-dau.pdf", plans["ruled"])
    expected = _dry_run(cli, plans["ruled"])["tasks"]
    monkeypatch.setenv("NHACVIEC_OCR", "off")
    with use_locale("vi"):
        without = _dry_run(cli, mixed)
    assert len(without["tasks"]) < len(expected)   # the last page's tasks are not there …
    assert any("Trang 7" in w and "ảnh quét" in w for w in without["warnings"]), without["warnings"]  # … and it says so
    monkeypatch.delenv("NHACVIEC_OCR")
    with use_locale("vi"):
        read = _dry_run(cli, mixed)   # with OCR installed the scanned page is read, and marked for checking
    assert "bản quét" in read["warnings"][0]
    assert len(read["tasks"]) > len(without["tasks"])
    numbers = {t["number"] for t in read["tasks"]}
    assert {t["number"] for t in expected[-3:]} <= numbers


def test_a_pdf_named_relative_to_the_officers_folder_is_read(cli, units, plans, tmp_path, monkeypatch):
    """`nhacviec import ke-hoach.pdf` typed in the folder holding the file (not the program's folder)."""
    folder = tmp_path / "van-ban"
    folder.mkdir()
    (folder / "ke-hoach.pdf").write_bytes(plans["ruled"].read_bytes())
    monkeypatch.chdir(folder)
    assert len(_dry_run(cli, Path("ke-hoach.pdf"))["tasks"]) == 33
