"""From the words on a PDF page (with their positions) to body lines and table rows.

pdfplumber finds ruled tables itself; a table drawn without rules (or read from a scan) is found here from its
header row ("STT | Nhiệm vụ | … | Thời gian hoàn thành"): its columns are the white gaps between the header
cells, and a row starts where the first column has text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from plans.pdf_text import join_wrapped, nfc
from plans.read_common import fold

_NUMBERING = re.compile(r"^\(?(?:[IVXLC]+|\d{1,3}(?:\.\d{1,2})*|[a-zđ])[.)]?$")
_CHUNK_GAP = 5.0  # points between two words of one cell; cells of a table are further apart
_HEADER_WORDS = (("nhiem vu", "noi dung", "cong viec"), ("thoi gian", "thoi han", "chu tri", "han hoan thanh"))


@dataclass
class Line:
    """One printed line: its words as (x0, x1, text), left to right."""

    top: float
    bottom: float
    words: list[tuple[float, float, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return nfc(" ".join(w[2] for w in self.words))

    @property
    def x0(self) -> float:
        return self.words[0][0]

    @property
    def x1(self) -> float:
        return self.words[-1][1]


@dataclass
class Table:
    """Rows of cell texts and where the table sits on its page."""

    rows: list[list[str]]
    top: float
    bottom: float
    bounds: list[float] | None = None  # an unruled table's column boundaries, to follow it onto the next page


def lines_of(words: list[dict]) -> list[Line]:
    """Group words into lines by their vertical position."""
    lines: list[Line] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        height = word["bottom"] - word["top"]
        line = lines[-1] if lines else None
        if line is not None and abs(word["top"] - line.top) < max(height, 1.0) * 0.5:
            line.words.append((word["x0"], word["x1"], word["text"]))
            line.bottom = max(line.bottom, word["bottom"])
        else:
            lines.append(Line(word["top"], word["bottom"], [(word["x0"], word["x1"], word["text"])]))
    for line in lines:
        line.words.sort()
    return lines


def ruled_rows(table) -> list[list[str]]:
    """A pdfplumber table as rows of cell texts: a cell merged down repeats its text (as the Word reader does),
    a cell merged across leaves the columns it covers empty."""
    texts = table.extract()
    rows = []
    for r, row in enumerate(table.rows):
        cells = []
        for c, bbox in enumerate(row.cells):
            if bbox is not None:
                cells.append(join_wrapped((texts[r][c] or "").split("\n")))
            else:
                cells.append(_covering_text(table, texts, r, c))
        rows.append(cells)
    return rows


def _covering_text(table, texts, r: int, c: int) -> str:
    row_top = table.rows[r].bbox[1]
    for above in range(r - 1, -1, -1):
        bbox = table.rows[above].cells[c]
        if bbox is not None:
            return join_wrapped((texts[above][c] or "").split("\n")) if bbox[3] > row_top + 1 else ""
    return ""


def _chunks(line: Line) -> list[tuple[float, float, str]]:
    """Words closer than a cell gap, joined: the pieces of text of one line that belong to one cell."""
    chunks: list[list] = []
    for x0, x1, text in line.words:
        if chunks and x0 - chunks[-1][1] < _CHUNK_GAP:
            chunks[-1][1], chunks[-1][2] = x1, chunks[-1][2] + " " + text
        else:
            chunks.append([x0, x1, text])
    return [tuple(c) for c in chunks]


def _is_header_text(text: str) -> bool:
    folded = fold(text)
    return all(any(word in folded for word in group) for group in _HEADER_WORDS)


def find_unruled_table(lines: list[Line]) -> tuple[int, int, Table] | None:
    """The first table in `lines` headed like an appendix: (first line, line after it, table), or None."""
    from plans.appendix import header_roles  # the appendix module knows what a header row says

    for index in range(len(lines)):
        block = _header_block(lines, index)
        if block is None:
            continue
        first, last = block
        columns = _header_columns(lines[first:last])
        if len(columns) < 3 or header_roles([c[2] for c in columns]) is None:
            continue
        end = _table_end(lines, last)
        bounds = _boundaries(columns, lines[last:end])
        while end < len(lines) and _is_task_line(lines[end], bounds):
            end = _table_end(lines, end)  # a blank row or a wide gap inside the table: it goes on
        rows = [[c[2] for c in columns]] + _rows(lines[last:end], bounds)
        return first, end, Table(rows=rows, top=lines[first].top, bottom=lines[end - 1].bottom, bounds=bounds)
    return None


def continue_unruled(lines: list[Line], bounds: list[float]) -> tuple[int, Table] | None:
    """The rows at the top of a page that go on with the unruled table the last page ended with (its header
    not repeated): (line after them, table), or None when the page starts with anything else."""
    if not lines or _is_header_text(" ".join(line.text for line in lines[:3])):
        return None
    first = lines[0]
    columns = {sum(1 for b in bounds if c[0] >= b) for c in _chunks(first)}
    numbered = bool(_NUMBERING.match(first.words[0][2])) and 0 in columns
    if not (numbered or (columns and 0 not in columns)):
        return None  # neither a task or section row nor the rest of a row split by the page break
    end = _table_end(lines, 0)
    while end < len(lines) and _is_task_line(lines[end], bounds):
        end = _table_end(lines, end)
    return end, Table(rows=_rows(lines[:end], bounds), top=first.top, bottom=lines[end - 1].bottom,
                      bounds=bounds)


def _header_block(lines: list[Line], index: int) -> tuple[int, int] | None:
    """Lines index … index+2 that sit together and together name the appendix columns (read top down, the
    first such block starts at the header's top line)."""
    def close(a: Line, b: Line) -> bool:
        return b.top - a.bottom < (a.bottom - a.top) * 0.8

    last = index + 1
    while last < len(lines) and last - index < 3 and close(lines[last - 1], lines[last]):
        last += 1
    while last - 1 > index and _NUMBERING.match(lines[last - 1].words[0][2]):
        last -= 1  # the first body row ("I", "1", "(1)") is not part of the header
    if not _is_header_text(" ".join(line.text for line in lines[index:last])):
        return None
    return index, last


def _header_columns(lines: list[Line]) -> list[tuple[float, float, str]]:
    """Header chunks of all header lines, merged where they overlap across lines, left to right."""
    columns: list[list] = []
    for line in sorted(lines, key=lambda l: l.top):
        for x0, x1, text in _chunks(line):
            hit = next((c for c in columns if x0 < c[1] and c[0] < x1), None)
            if hit is None:
                columns.append([x0, x1, text])
            else:
                hit[0], hit[1], hit[2] = min(hit[0], x0), max(hit[1], x1), hit[2] + " " + text
    return sorted((c[0], c[1], nfc(c[2])) for c in columns)


def _table_end(lines: list[Line], start: int) -> int:
    """The table ends at a gap much taller than the rows' own spacing (or at the end of the page)."""
    gaps = sorted(b.top - a.bottom for a, b in zip(lines[start:], lines[start + 1:]))
    typical = gaps[len(gaps) // 2] if gaps else 0
    height = (lines[start].bottom - lines[start].top) if start < len(lines) else 0
    limit = max(typical * 2.5, height * 1.5)
    end = start + 1
    while end < len(lines) and lines[end].top - lines[end - 1].bottom <= limit:
        end += 1
    return min(end, len(lines))


def _is_task_line(line: Line, bounds: list[float]) -> bool:
    """A numbered line with text in two or more columns: a task row, not a paragraph under the table."""
    chunks = _chunks(line)
    columns = {sum(1 for b in bounds if c[0] >= b) for c in chunks}
    return bool(_NUMBERING.match(line.words[0][2])) and 0 in columns and len(columns) >= 2


def _boundaries(columns: list[tuple[float, float, str]], body: list[Line]) -> list[float]:
    """Between each pair of header cells, the x where the body's text leaves the widest empty band."""
    chunks = [c for line in body for c in _chunks(line)]
    bounds = []
    for left, right in zip(columns, columns[1:]):
        lo, hi = left[1], right[0]
        if hi - lo < 1:
            bounds.append((lo + hi) / 2)
            continue
        steps = [lo + (hi - lo) * k / 40 for k in range(41)]
        cover = [sum(1 for c in chunks if c[0] <= x <= c[1]) for x in steps]
        least = min(cover)
        best, run, best_len, run_start = steps[0], 0, -1, 0
        for k, value in enumerate(cover + [least + 1]):
            if value == least:
                run_start, run = (k, run + 1) if run == 0 else (run_start, run + 1)
            else:
                if run > best_len:
                    best_len, best = run, (steps[run_start] + steps[run_start + run - 1]) / 2
                run = 0
        bounds.append(best)
    return bounds


def _rows(body: list[Line], bounds: list[float]) -> list[list[str]]:
    """Body lines into rows: a row starts where the first column has text (the task number or section), or
    after a gap taller than the lines of one cell leave (a scan may lose a lone number)."""
    rows: list[list[list[str]]] = []
    width = len(bounds) + 1
    gaps = sorted(b.top - a.bottom for a, b in zip(body, body[1:]))
    row_gap = gaps[len(gaps) // 4] * 2 + 1 if gaps else 0
    previous: Line | None = None
    for line in body:
        cells: list[list[str]] = [[] for _ in range(width)]
        for x0, _x1, text in _chunks(line):
            column = sum(1 for b in bounds if x0 >= b)
            cells[column].append(text)
        if cells[0] or not rows or (previous is not None and line.top - previous.bottom > row_gap):
            rows.append([[" ".join(c)] if c else [] for c in cells])
        else:
            for target, part in zip(rows[-1], cells):
                if part:
                    target.append(" ".join(part))
        previous = line
    return [[join_wrapped(cell) for cell in row] for row in rows]
