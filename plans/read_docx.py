"""Read a Word plan (.docx) in document order: body paragraphs and tables."""
from __future__ import annotations

from pathlib import Path

import docx

from i18n import _
from plans.read_common import ImportFileError, RowBudget, collapse, tidy_lines, trim_row
from plans.read_limits import MAX_CELLS, MAX_COLUMNS, check_package, too_big
from plans.read_numbering import Numbering

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT_TAGS = (W + "t", W + "tab", W + "br", W + "cr", W + "noBreakHyphen")


def read_docx(path: Path, budget: RowBudget) -> tuple[list[list[list[str]]], list[str]]:
    """Tables and paragraphs of a .docx, walking the body XML once so their order is kept."""
    _check_size(path, budget)
    try:
        package = docx.Document(str(path))
    except Exception:  # python-docx raises KeyError, ValueError, lxml errors… for a broken package
        raise ImportFileError(_("Tệp {name} bị hỏng hoặc không phải tệp Word (.docx) hợp lệ.")
                              .format(name=path.name)) from None
    reader = _BodyReader(budget, Numbering.of(package))
    reader.walk(package.element.body)
    return reader.tables, reader.paragraphs


def _check_size(path: Path, budget: RowBudget) -> None:
    """Count rows and cells in the raw XML first: python-docx parses the whole body into memory."""
    row_limit = 2 * budget.max_rows + 100  # nested and signature tables count here, not in the budget
    total = check_package(path, r"word/[^/]+\.xml", (b"tr", b"tc"), {b"tr": row_limit, b"tc": MAX_CELLS})
    if total[b"tr"] > row_limit or (total[b"tr"] > budget.max_rows and total["oversized"]):
        raise budget.too_many_rows()
    if total[b"tc"] > MAX_CELLS or total["oversized"]:
        raise too_big(path.name)


class _BodyReader:
    def __init__(self, budget: RowBudget, numbering: Numbering):
        self.budget = budget
        self.numbering = numbering
        self.tables: list[list[list[str]]] = []
        self.paragraphs: list[str] = []

    def walk(self, parent) -> None:
        for child in parent.iterchildren():
            if child.tag == W + "p":
                text = collapse(self.paragraph_text(child))
                if text:
                    self.paragraphs.append(text)
            elif child.tag == W + "tbl":
                self.tables.append(self.table(child))
            elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml"):
                self.walk(child)  # content controls wrap ordinary paragraphs and tables

    def paragraph_text(self, p) -> str:
        parts = [self.numbering.label(p)]
        for el in p.iter(*_TEXT_TAGS):
            if el.tag == W + "t":
                parts.append(el.text or "")
            elif el.tag == W + "tab":
                parts.append(" ")
            elif el.tag == W + "noBreakHyphen":
                parts.append("-")
            elif el.get(W + "type") != "page":
                parts.append("\n")
        return "".join(parts)

    def table(self, tbl) -> list[list[str]]:
        rows: list[list[str]] = []
        merged_above: dict[int, str] = {}  # grid column -> text of the cell a vertical merge started with
        for tr in tbl.iterchildren(W + "tr"):
            self.budget.take()
            rows.append(trim_row(self.row(tr, merged_above)))
        return rows

    def row(self, tr, merged_above: dict[int, str]) -> list[str]:
        column = self.width(0, _int_prop(tr.find(W + "trPr"), "gridBefore", 0))
        cells: list[str] = [""] * column  # a row starting further right (gridBefore) still lines up
        for tc in _cells(tr):
            props = tc.find(W + "tcPr")
            span = max(1, self.width(column, _int_prop(props, "gridSpan", 1)))
            if _prop_val(props, "hMerge", None) == "continue":
                cells.extend([""] * span)  # old-style horizontal merge: the first cell already holds the text
                column += span
                continue
            v_merge = _prop_val(props, "vMerge", None)
            if v_merge == "continue":
                text = merged_above.get(column, "")
            else:
                text = self.cell_text(tc)
                if v_merge == "restart":
                    merged_above[column] = text
            # One entry per grid column, as in a spreadsheet: a cell spanning two columns ("Đơn vị thực hiện"
            # over "Chủ trì" | "Phối hợp") leaves the second empty, so every row lines up with the header.
            cells.extend([text] + [""] * (span - 1))
            column += span
        return cells

    def width(self, column: int, span: int) -> int:
        """A span as written, once sure the row stays within MAX_COLUMNS (Word itself stops at 63)."""
        if column + span > MAX_COLUMNS:
            raise too_big(self.budget.name)
        return max(span, 0)

    def cell_text(self, tc) -> str:
        lines = []
        for child in tc.iterchildren(W + "p", W + "tbl"):
            if child.tag == W + "p":
                lines.append(self.paragraph_text(child))
            else:  # a table nested in the cell: keep its words, one cell per line
                lines.extend(self.cell_text(inner) for tr in child.iterchildren(W + "tr") for inner in _cells(tr))
        return tidy_lines("\n".join(lines))


def _cells(tr):
    for child in tr.iterchildren():
        if child.tag == W + "tc":
            yield child
        elif child.tag in (W + "sdt", W + "customXml"):
            content = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            if content is not None:
                yield from _cells(content)


def _prop_val(props, name: str, default):
    """The w:val of a property element; a present element without w:val means 'continue' for merges."""
    if props is None:
        return default
    el = props.find(W + name)
    if el is None:
        return default
    return el.get(W + "val", "continue")


def _int_prop(props, name: str, default: int) -> int:
    value = _prop_val(props, name, None)
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
