"""Read a PDF in a child process with bounded memory and CPU: `python -m plans.pdf_worker FILE [--ocr]`.

PDF streams are compressed and a small file can inflate to gigabytes; pdfminer inflates whole streams, so the
reading runs here, under resource limits, and prints {"tables", "paragraphs", "scanned"} (or {"error"}) as JSON.
"""
from __future__ import annotations

import json
import re
import resource
import sys

from plans.pdf_layout import Line, Table, continue_unruled, find_unruled_table, lines_of, ruled_rows
from plans.pdf_text import join_wrapped, nfc
from plans.read_common import fold

MEMORY_BYTES = 288 * 1024 * 1024
CPU_SECONDS = 90
MAX_PAGES = 300
_PAGE_NUMBER = re.compile(r"^(?:-\s*)?(?:trang\s+)?\d{1,4}(?:\s*/\s*\d{1,4})?(?:\s*-)?$")
_STARTS_ITEM = re.compile(r"^(?:[-+•–*]\s|\(?[0-9IVX]{1,4}[.)]\s|\(?[a-zđ][.)]\s)")
_OCR_DPI = 300


def main(argv: list[str]) -> int:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    try:
        result = read(argv[0], ocr="--ocr" in argv)
    except Exception as exc:  # pdfminer raises many kinds for a broken file, and wraps MemoryError too
        result = {"error": "too_big" if _out_of_memory(exc) else "broken", "detail": type(exc).__name__}
    sys.stdout.write(json.dumps(result, ensure_ascii=False))
    return 0


def _out_of_memory(exc: BaseException | None) -> bool:
    """The error, or one it was raised from, is the memory limit (zlib says "insufficient memory")."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, MemoryError) or "memory" in str(exc).lower():
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def read(path: str, *, ocr: bool) -> dict:
    """The PDF's tables and paragraphs in reading order; a scan is read through OCR only when asked."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        if len(pdf.pages) > MAX_PAGES:
            return {"error": "too_big"}
        pages, image_pages = [], []
        for number, page in enumerate(pdf.pages, 1):
            if not page.chars and page.images:
                image_pages.append(number)   # a scanned page: pictures, no text layer
            pages.append(page_elements(page, _open_columns(pages)))
            page.close()
        scanned = not any(page.chars for page in pdf.pages)
        if scanned and not ocr:
            return {"error": "scanned"}
        if ocr and image_pages:   # a whole scan, or scanned pages among text ones (the signed last page)
            pages = []
            for number, page in enumerate(pdf.pages, 1):
                read = ocr_elements if number in image_pages else page_elements
                pages.append(read(page, _open_columns(pages)))
                page.close()
    tables, paragraphs = assemble(pages)
    return {"tables": tables, "paragraphs": paragraphs, "scanned": scanned or bool(ocr and image_pages),
            "image_pages": [] if ocr else image_pages}


def _open_columns(pages: list[list]) -> list[float] | None:
    """The column boundaries of an unruled table the last page ended with (it may go on overleaf)."""
    if not pages:
        return None
    last = max(pages[-1], key=lambda e: e.top, default=None)
    while isinstance(last, Line) and _PAGE_NUMBER.match(fold(last.text)):
        rest = [e for e in pages[-1] if e.top < last.top]
        last = max(rest, key=lambda e: e.top, default=None)
    return last.bounds if isinstance(last, Table) else None


def page_elements(page, carry: list[float] | None = None) -> list:
    """Ruled tables (pdfplumber's), unruled ones (found by their header) and the remaining lines, top down."""
    found = [t for t in page.find_tables() if len(t.rows) >= 1 and len(t.rows[0].cells) >= 2]
    boxes = [t.bbox for t in found]
    words = [w for w in page.extract_words() if not any(_inside(w, box) for box in boxes)]
    elements = [Table(rows=ruled_rows(t), top=t.bbox[1], bottom=t.bbox[3]) for t in found]
    return elements + _unruled(lines_of(words), None if found else carry)


def ocr_elements(page, carry: list[float] | None = None) -> list:
    """A scanned page through Tesseract (Vietnamese): its words, then the same layout as a text page."""
    import pytesseract

    image = _without_rules(page.to_image(resolution=_OCR_DPI).original)
    data = pytesseract.image_to_data(image, lang="vie", output_type=pytesseract.Output.DICT)
    scale = 72 / _OCR_DPI
    words = [{"text": nfc(text), "x0": left * scale, "x1": (left + width) * scale, "top": top * scale,
              "bottom": (top + height) * scale}
             for text, left, top, width, height, conf in zip(data["text"], data["left"], data["top"],
                                                             data["width"], data["height"], data["conf"])
             if text.strip() and text.strip("|_—-[]") and float(conf) >= 0]
    return _unruled(lines_of(words), carry)


def _without_rules(image):
    """The page in grey with table rules painted out: Tesseract reads the cells far better without them."""
    from PIL import Image, ImageDraw

    gray = image.convert("L")
    width, height = gray.size
    draw = ImageDraw.Draw(gray)
    rows = gray.resize((1, height), Image.BOX)  # each pixel: how dark that whole row is
    for y in range(height):
        if rows.getpixel((0, y)) < 140:
            draw.line([(0, y), (width, y)], fill=255)
    columns = gray.resize((width, 1), Image.BOX)
    for x in range(width):
        if columns.getpixel((x, 0)) < 200:
            draw.line([(x, 0), (x, height)], fill=255)
    return gray


def _unruled(lines: list[Line], carry: list[float] | None) -> list:
    elements: list = []
    numbers = [line for line in lines[:1] if _PAGE_NUMBER.match(fold(line.text))]
    going_on = continue_unruled(lines[len(numbers):], carry) if carry else None
    if going_on is not None:
        end, table = going_on
        elements, lines = numbers + [table], lines[len(numbers) + end:]
    while True:
        found = find_unruled_table(lines)
        if found is None:
            return elements + lines
        first, end, table = found
        elements += lines[:first] + [table]
        lines = lines[end:]


def _inside(word: dict, box) -> bool:
    x, y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def assemble(pages: list[list]) -> tuple[list[list[list[str]]], list[str]]:
    """Tables and paragraphs of the whole document: a table going on over a page break is one table, a row
    split by the break is one row, and body lines wrapped by the page width are one paragraph again."""
    tables: list[list[list[str]]] = []
    paragraphs: list[str] = []
    last_was_table = False
    for elements in pages:
        elements = sorted(elements, key=lambda e: e.top)
        lines = [e for e in elements if isinstance(e, Line) and not _PAGE_NUMBER.match(fold(e.text))]
        right = max((line.x1 for line in lines), default=0)
        left = min((line.x0 for line in lines), default=0)
        previous: Line | None = None
        first_on_page = True
        for element in elements:
            if isinstance(element, Line):
                if element not in lines:
                    continue
                if _continues(previous, element, left, right):
                    paragraphs[-1] = join_wrapped([paragraphs[-1], element.text])
                else:
                    paragraphs.append(join_wrapped([element.text]))
                previous, last_was_table = element, False
            else:
                rows = element.rows
                if first_on_page and last_was_table and _width(rows) == _width(tables[-1]):
                    _continue_table(tables[-1], rows)
                else:
                    tables.append(rows)
                previous, last_was_table = None, True
            first_on_page = False
    return tables, [p for p in paragraphs if p]


def _continues(previous: Line | None, line: Line, left: float, right: float) -> bool:
    """A line goes on with the paragraph above when it sits right under it and the one above ran to the margin."""
    if previous is None or _STARTS_ITEM.match(line.text):
        return False
    height = previous.bottom - previous.top
    return (line.top - previous.bottom < height * 0.8 and previous.x1 >= right - (right - left) * 0.12
            and abs(line.x0 - left) < height * 2)


def _width(rows: list[list[str]]) -> int:
    return max((len(row) for row in rows), default=0)


def _continue_table(table: list[list[str]], rows: list[list[str]]) -> None:
    """Rows of the same table on the next page: the first one, if it has no number, is the rest of the last row."""
    from plans.appendix import header_roles, subheader_roles

    body = 0
    while body < len(rows) and (header_roles(rows[body]) or subheader_roles(rows[body]) or rows[body] in table[:3]):
        body += 1
    if body < len(rows) and table and not rows[body][0].strip() and any(c.strip() for c in rows[body]):
        last = table[-1]
        last.extend([""] * (len(rows[body]) - len(last)))
        for index, part in enumerate(rows[body]):
            if part:
                last[index] = join_wrapped((last[index] + "\n" + part).split("\n")) if last[index] else part
        body += 1
    table.extend(rows[:0] + rows[body:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
