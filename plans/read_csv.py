"""Read a CSV plan: UTF-8 (with or without BOM, or UTF-16 from Excel), comma, semicolon or tab."""
from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from i18n import _
from plans.read_common import ImportFileError, RowBudget, tidy_lines, trim_row
from plans.read_limits import MAX_COLUMNS, MAX_TEXT_BYTES, check_file_size, too_big

DELIMITERS = (",", ";", "\t")
_SAMPLE_CHARS = 64 * 1024


def read_csv(path: Path, budget: RowBudget) -> tuple[list[list[list[str]]], list[str]]:
    """The whole file as one table, rows streamed so an oversized file stops early."""
    check_file_size(path, MAX_TEXT_BYTES)
    encoding = _encoding(path)
    rows: list[list[str]] = []
    try:
        with path.open(encoding=encoding, newline="") as fh:
            delimiter = sniff_delimiter(fh.read(_SAMPLE_CHARS))
            fh.seek(0)
            for record in csv.reader(fh, delimiter=delimiter):
                record = trim_row(record)
                if len(record) > MAX_COLUMNS:
                    raise too_big(path.name)
                cells = [tidy_lines(cell) for cell in record]
                if any(cells):
                    budget.take()
                    rows.append(trim_row(cells))
    except UnicodeDecodeError:
        raise ImportFileError(_("Tệp {name} không dùng mã hóa UTF-8; hãy lưu lại với mã hóa UTF-8.")
                              .format(name=path.name)) from None
    except csv.Error:
        raise ImportFileError(_("Tệp {name} bị hỏng hoặc không phải tệp CSV hợp lệ.")
                              .format(name=path.name)) from None
    return ([rows] if rows else []), []


def _encoding(path: Path) -> str:
    with path.open("rb") as fh:
        start = fh.read(4)
    if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"  # Excel's "Unicode text" export
    return "utf-8-sig"


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the first records into the most rows of one width (wider wins ties)."""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            records = list(csv.reader(io.StringIO(sample), delimiter=delimiter))[:50]
        except csv.Error:
            continue
        widths = Counter(len(r) for r in records if any(c.strip() for c in r) and len(r) > 1)
        if not widths:
            continue
        width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
        if (count, width) > best_score:
            best, best_score = delimiter, (count, width)
    return best
