"""Read an Excel plan (.xlsx) sheet by sheet, streaming rows so an oversized sheet stops early."""
from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
from openpyxl.utils import range_boundaries

from i18n import _
from plans.read_common import ImportFileError, RowBudget, tidy_lines, trim_row
from plans.read_limits import MAX_CELLS, MAX_COLUMNS, MAX_MERGES, check_package, too_big

_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"")
_BLANK_ROWS_PER_ROW = 20  # a sheet may format far more blank rows than it fills; bound the scan anyway


def read_xlsx(path: Path, budget: RowBudget) -> tuple[list[list[list[str]]], list[str]]:
    """One table per worksheet; cells as text with vertical merges filled down."""
    _check_size(path, budget)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises KeyError, BadZipFile, InvalidFileException… for a broken file
        raise ImportFileError(_("Tệp {name} bị hỏng hoặc không phải tệp Excel (.xlsx) hợp lệ.")
                              .format(name=path.name)) from None
    try:
        return [_sheet(sheet, budget) for sheet in book.worksheets], []
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(_("Tệp {name} bị hỏng hoặc không phải tệp Excel (.xlsx) hợp lệ.")
                              .format(name=path.name)) from None
    finally:
        book.close()


def _check_size(path: Path, budget: RowBudget) -> None:
    """Count rows, cells and merges in the raw XML first: openpyxl builds every cell it meets."""
    row_limit = budget.max_rows * (_BLANK_ROWS_PER_ROW + 1)
    total = check_package(path, r"xl/worksheets/[^/]+\.xml|xl/sharedStrings\.xml", (b"c", b"row", b"mergeCell"),
                          {b"row": row_limit, b"c": MAX_CELLS, b"mergeCell": MAX_MERGES})
    rows_over = total[b"row"] > budget.max_rows
    if total[b"row"] > row_limit or (rows_over and (total[b"c"] > MAX_CELLS or total["oversized"])):
        raise budget.too_many_rows()
    if total[b"c"] > MAX_CELLS or total[b"mergeCell"] > MAX_MERGES or total["oversized"]:
        raise too_big(path.name)


def _sheet(sheet, budget: RowBudget) -> list[list[str]]:
    sheet.reset_dimensions()  # trust the cells, not the sheet's own (often wrong) size record
    rows: list[list[str]] = []
    blank_limit = budget.max_rows * _BLANK_ROWS_PER_ROW
    # Columns past MAX_COLUMNS (a stray note or format far to the right) are not read: no plan is that wide.
    for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
        cells = [cell_text(v) for v in values[:_filled_width(values)]]
        if any(cells):
            budget.take()
        elif len(rows) > blank_limit:
            budget.take()  # thousands of blank formatted rows count against the limit too
        rows.append(cells)
    _fill_vertical_merges(rows, _merged_ranges(sheet), budget.name)
    while rows and not any(rows[-1]):
        rows.pop()
    return [trim_row(r) for r in rows]


def _filled_width(values: tuple) -> int:
    """Cells up to the last filled one: the reader pads every row to MAX_COLUMNS."""
    end = len(values)
    while end and values[end - 1] is None:
        end -= 1
    return end


def cell_text(value) -> str:
    """An Excel value as the reader sees it: dates dd/mm/yyyy, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y" if value.time() == time(0) else "%H:%M %d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return tidy_lines(str(value))


def _merged_ranges(sheet) -> list[tuple[int, int, int, int]]:
    # Read-only sheets do not expose merged cells; the <mergeCells> list sits after the rows in the XML.
    with sheet._get_source() as source:
        data = source.read()
    return [range_boundaries(ref.decode()) for ref in _MERGE_REF.findall(data)]


def _fill_vertical_merges(rows: list[list[str]], ranges, name: str) -> None:
    """Repeat a vertically merged cell's text down its rows (horizontal repeats stay empty)."""
    ranges = [r for r in ranges if r[3] > r[1] and r[1] <= len(rows) and r[0] <= MAX_COLUMNS]
    if sum(min(max_row, len(rows)) - min_row for _c, min_row, _x, max_row in ranges) > MAX_CELLS:
        raise too_big(name)  # thousands of merges over thousands of rows each
    for min_col, min_row, _max_col, max_row in ranges:
        top = rows[min_row - 1]
        text = top[min_col - 1] if min_col <= len(top) else ""
        for index in range(min_row, min(max_row, len(rows))):
            row = rows[index]
            row.extend([""] * (min_col - len(row)))
            row[min_col - 1] = row[min_col - 1] or text
