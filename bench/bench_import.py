"""Real import (`nhacviec import` without --dry-run): a plan's appendix read, units resolved, every task and
assignment written to SQLite and committed — against opening and reading the same file's cells with openpyxl or
python-docx alone. Target: ≥ 20,000 assignments/s (1,000 rows × ~21 units in under ~1 s of writing).

BENCH_IMPORT_ROWS=1000 limits the sizes (building and reading the 10,000-row DOCX takes a while).
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import docx
import openpyxl
from sqlmodel import Session

from bench.table import Row
from plans.service import import_plan
from services.workspace import SAMPLE_UNITS
from storage.db import open_database
from tests.fixtures.builders import build_docx, build_xlsx, generate_rows
from units.directory import load_directory

SIZES = tuple(int(n) for n in os.environ.get("BENCH_IMPORT_ROWS", "1000,10000").split(","))
TARGET = 20_000  # assignments per second


def read_alone(path: Path) -> float:
    """Seconds to open the file and touch every cell with the library alone: the floor of any import."""
    start = time.perf_counter()
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                _ = [c for c in row]
    else:
        for table in docx.Document(str(path)).tables:
            for row in table.rows:
                _ = [c.text for c in row.cells]
    return time.perf_counter() - start


def real_import(path: Path, folder: Path, rows: int) -> tuple[float, int]:
    """Seconds for a first import into a database holding the sample unit directory; assignments created."""
    engine = open_database(f"sqlite:///{folder / (path.stem + '.db')}")
    with Session(engine) as session:
        load_directory(session, path=SAMPLE_UNITS)
        session.commit()
    start = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        # the row limit counts every table row: section headings (one per 25 tasks) and headers too
        _parsed, report = import_plan(session, path=path, year=2026, actor="bench", max_rows=rows * 11 // 10 + 100)
        session.commit()
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds, report.assignments_created


def main() -> list[Row]:
    """For each size and form: the import against reading the same file alone."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for rows in SIZES:
            data = generate_rows(rows)
            for build, suffix in ((build_xlsx, "xlsx"), (build_docx, "docx")):
                path = build(folder / f"plan{rows}.{suffix}", data)
                floor = read_alone(path)
                seconds, assignments = real_import(path, folder, rows)
                per_second = assignments / seconds
                print(f"   import {rows} rows {suffix}: {seconds:.2f} s", file=sys.stderr, flush=True)
                out.append(Row(f"real import, {rows:,} rows {suffix.upper()} ({assignments:,} assignments)",
                               f"{seconds:.2f} s = {rows / seconds:,.0f} rows/s, {per_second:,.0f} assignments/s",
                               f"{'openpyxl' if suffix == 'xlsx' else 'python-docx'} alone {floor:.2f} s",
                               f"{seconds / floor:.1f}×", f"≥ {TARGET:,} assignments/s", per_second >= TARGET))
    return out
