"""Property tests for what reads untrusted text: plan readers, the deadline parser, the body scan, replies.

Any input either reads or gets a Vietnamese ImportFileError, never another exception, and stays within a work
budget. Budgets count this process's CPU time (not wall time, the machine is shared) and Python allocations, and
are generous: linear work takes a small fraction of them, quadratic work on the pumped inputs takes minutes.
`make fuzz` runs these with many more examples (NHACVIEC_FUZZ=1).
"""
from __future__ import annotations

import io
import os
import re
import time
import tracemalloc
import zipfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from plans.deadlines import KINDS, parse_deadline
from plans.readers import ImportFileError, read_document
from plans.suggestions import suggest_tasks
from replies.classifier import INTENTS, classify

pytestmark = pytest.mark.fuzz

EXAMPLES = 400 if os.environ.get("NHACVIEC_FUZZ") else 20
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("NHACVIEC_FUZZ"),
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# Text as officers write it, plus everything hostile: markup, stars, controls, bidi overrides, odd Unicode.
PIECES = st.sampled_from(["Quý I/2026", "trước ngày 15/3", "tháng 12", "*", "**", "_", "|", "\t", "\n", " ",
                          "<br>", "&amp;", "\\", "\x00", "\x1b[31m", "\u202e", "\u0301", "Văn phòng Sở", "1.",
                          "- ", "Hằng tháng", "năm học 2025-2026", "31/2", "=1+2", "\ufeff", "e\u0302"])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=30).map("".join)
PUMP = st.integers(min_value=1, max_value=3000)


@contextmanager
def budget(*, cpu_seconds: float, megabytes: float):
    """Fail if the block used more CPU time or allocated a larger peak than allowed."""
    tracemalloc.start()
    start = time.process_time()
    try:
        yield
    finally:
        used = time.process_time() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    assert used < cpu_seconds, f"{used:.1f} s of CPU"
    assert peak < megabytes, f"{peak:.0f} MB allocated"


def _read(path: Path):
    """read_document's result, or None when it refused the file with a message."""
    try:
        return read_document(path)
    except ImportFileError as exc:
        assert exc.message and "Traceback" not in exc.message
        return None


def _assert_clean(doc) -> None:
    texts = [*doc.paragraphs, *(cell for table in doc.tables for row in table for cell in row)]
    assert not any(CONTROL.search(text) for text in texts)


@PROPERTY
@given(text=TEXT, times=PUMP, year=st.integers(min_value=2000, max_value=2100))
def test_deadline_parser_reads_anything_in_bounded_work(text, times, year):
    with budget(cpu_seconds=10, megabytes=64):
        deadline = parse_deadline(text * times, year)
    assert deadline.kind in KINDS
    if not re.search(r"\d{4}", text):  # no year written: the dues fall around the plan's year
        assert all(year - 1 <= due.year <= year + 2 for due in deadline.dues)
    assert list(deadline.dues) == sorted(deadline.dues)


@PROPERTY
@given(text=TEXT, times=PUMP, today=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
def test_reply_classifier_reads_anything_in_bounded_work(text, times, today):
    with budget(cpu_seconds=10, megabytes=64):
        reply = classify(text * times, today=today)
    assert reply.intent in INTENTS
    assert reply.date is None or isinstance(reply.date, date)


@PROPERTY
@given(lines=st.lists(TEXT, max_size=8), times=st.integers(min_value=1, max_value=400))
def test_body_scan_reads_anything_in_bounded_work(lines, times):
    with budget(cpu_seconds=20, megabytes=128):
        suggest_tasks([line * times for line in lines], 2026)


@PROPERTY
@given(text=TEXT, times=PUMP, suffix=st.sampled_from([".md", ".txt", ".csv"]))
def test_text_plans_read_or_refuse_in_bounded_work(tmp_path_factory, text, times, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"plan{suffix}"
    path.write_text("STT\tNhiệm vụ\tThời hạn\n1\t" + text * times + "\tQuý I/2026\n| 1 | " + text + " |\n",
                    encoding="utf-8")
    with budget(cpu_seconds=20, megabytes=160):
        doc = _read(path)
    if doc is not None:
        _assert_clean(doc)


@PROPERTY
@given(cells=st.lists(st.lists(TEXT, max_size=6), max_size=6), times=st.integers(min_value=1, max_value=50))
def test_xlsx_plans_read_or_refuse_in_bounded_work(tmp_path_factory, cells, times):
    book = openpyxl.Workbook()
    for row in cells:
        book.active.append([ILLEGAL_CHARACTERS_RE.sub("", value) * times for value in row])  # openpyxl refuses them
    path = tmp_path_factory.mktemp("fuzz") / "plan.xlsx"
    book.save(path)
    with budget(cpu_seconds=30, megabytes=200):
        doc = _read(path)
    if doc is not None:
        _assert_clean(doc)


_SPANS = st.sampled_from(["0", "1", "-3", "7", "64", "101", "300000000", "99999999999999999999", "x", ""])


@PROPERTY
@given(span=_SPANS, before=_SPANS, merge=st.sampled_from(["restart", "continue", "bogus"]), text=TEXT,
       rows=st.integers(min_value=1, max_value=40))
def test_docx_tables_with_any_spans_read_or_refuse_in_bounded_work(tmp_path_factory, span, before, merge, text,
                                                                   rows):
    cell = (f'<w:tc><w:tcPr><w:gridSpan w:val="{span}"/><w:vMerge w:val="{merge}"/></w:tcPr>'
            f'<w:p><w:r><w:t xml:space="preserve">{_xml(text)}</w:t></w:r></w:p></w:tc>')
    row = f'<w:tr><w:trPr><w:gridBefore w:val="{before}"/></w:trPr>{cell * 3}</w:tr>'
    path = _docx(tmp_path_factory.mktemp("fuzz") / "plan.docx", f"<w:tbl>{row * rows}</w:tbl>")
    with budget(cpu_seconds=30, megabytes=200):
        doc = _read(path)
    if doc is not None:
        _assert_clean(doc)
        assert all(len(r) <= 100 for table in doc.tables for r in table)


@settings(max_examples=max(EXAMPLES // 10, 3), deadline=None, derandomize=not os.environ.get("NHACVIEC_FUZZ"),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.binary(max_size=2000))
def test_pdf_bytes_read_or_refuse(tmp_path_factory, body):
    path = tmp_path_factory.mktemp("fuzz") / "plan.pdf"
    path.write_bytes(b"%PDF-1.4\n" + body)
    with budget(cpu_seconds=10, megabytes=64):  # the parsing itself runs in a limited child process
        _read(path)


def _xml(text: str) -> str:
    """Text as Word stores it: XML-escaped, without the characters XML cannot hold."""
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udfff]", "", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _docx(path: Path, body: str) -> Path:
    base = io.BytesIO()
    docx.Document().save(base)
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                xml = data.decode()
                start = xml.index("<w:body>") + len("<w:body>")
                data = (xml[:start] + body + xml[start:]).encode()
            out.writestr(info, data)
    return path
