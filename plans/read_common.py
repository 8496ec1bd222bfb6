"""What every plan reader shares: the error, the Document, the row budget and text cleaning."""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from i18n import _


class ImportFileError(Exception):
    """A plan file that cannot be read; `message` is ready to show to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Document:
    """The text of a plan file: its tables (rows of cell texts) and its body paragraphs."""

    tables: list[list[list[str]]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    title: str = ""
    issuer: str = ""
    warnings: list[str] = field(default_factory=list)
    scanned: bool = False  # read through OCR from a scanned PDF: every row needs checking by eye
    issued_on: date | None = None   # "…, ngày dd tháng mm năm yyyy" under the emblem


class RowBudget:
    """Counts table rows and stops the reader as soon as the file has more than allowed."""

    def __init__(self, max_rows: int, name: str):
        self.max_rows = max_rows
        self.name = name
        self.count = 0
        self.scanned = False  # set by a reader that read the text from a scan (OCR)
        self.warnings: list[str] = []  # what a reader could not read, for the preview

    def take(self) -> None:
        """Count one row; raise once the limit is passed (so huge files are never read whole)."""
        self.count += 1
        if self.count > self.max_rows:
            raise self.too_many_rows()

    def too_many_rows(self) -> ImportFileError:
        return ImportFileError(_("Tệp {name} có hơn {limit} dòng, vượt giới hạn cho phép. "
                                 "Hãy tách nhỏ tệp rồi gửi lại.").format(name=self.name, limit=self.max_rows))


# NUL, ESC sequences, other C0/C1 controls and bidi overrides: invisible, they break reports and PostgreSQL.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]{0,200}(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"[\x0b\x0c]")  # Word's manual line break and page break in exported text


def strip_controls(text: str) -> tuple[str, int]:
    """`text` without control characters (line breaks and tabs kept), and how many were removed."""
    if not _CONTROL.search(text) and "\x0b" not in text and "\x0c" not in text:
        return text, 0
    text = _BREAKS.sub("\n", text)
    cleaned = _CONTROL.sub("", _ANSI.sub("", text))
    return cleaned, len(text) - len(cleaned)


_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_BLOCK_TAG = re.compile(r"</?(?:br|li|p|div|tr|td|th|ul|ol|table)(?:\s[^<>]*)?/?>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
# Combining Diacritical Marks (every one but U+034F, which is not a combining mark): Vietnamese accents all are.
_VIETNAMESE_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]")


def strip_tags(text: str, *, block: str = " ") -> str:
    """Remove HTML tags and decode entities; block tags (<br>, <li>, <p>…) become `block`."""
    if "<" in text:
        text = _TAG.sub("", _BLOCK_TAG.sub(block, text))
    return html.unescape(text) if "&" in text else text


def collapse(text: str) -> str:
    """Text without markup and with every run of whitespace turned into one space."""
    return _SPACES.sub(" ", strip_tags(text)).strip()


def tidy_lines(text: str) -> str:
    """Keep line breaks (HTML <br>/<li>/<p> become breaks), collapse spaces inside lines, drop empty lines."""
    text = strip_tags(text, block="\n").replace("\r", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def fold(text: str) -> str:
    """Lower-case ASCII form for matching: 'Thời gian hoàn thành' -> 'thoi gian hoan thanh'."""
    text = collapse(text).lower().replace("đ", "d")
    decomposed = _VIETNAMESE_MARKS.sub("", unicodedata.normalize("NFD", text))
    if decomposed.isascii():  # the usual case, and nothing else can be a combining mark
        return decomposed
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def trim_row(cells: list[str]) -> list[str]:
    """Drop trailing empty cells, so a row that spans the table reads as its real content."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]
