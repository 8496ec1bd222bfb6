"""Read the text forms of a plan (.md, .txt): tab-separated or pipe tables, and paragraphs."""
from __future__ import annotations

import re
from pathlib import Path

from i18n import _
from plans.read_common import ImportFileError, RowBudget, collapse, tidy_lines, trim_row

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+)>")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")
_STRONG = re.compile(r"(\*\*|__)")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_PIPE_SPLIT = re.compile(r"(?<!\\)\|")
_SEPARATOR_CELL = re.compile(r"^:?-{2,}:?$")


def read_markdown(path: Path, budget: RowBudget) -> tuple[list[list[list[str]]], list[str]]:
    """Tables (tab-separated rows or | pipe | rows) and plain paragraphs of a Markdown/text file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("Tệp {name} không dùng mã hóa UTF-8; hãy lưu lại với mã hóa UTF-8.")
                              .format(name=path.name)) from None
    tables: list[list[list[str]]] = []
    paragraphs: list[str] = []
    current: list[list[str]] | None = None
    kind = ""
    for line in text.splitlines():
        row_kind = _row_kind(line)
        if not row_kind:
            if not line.strip() and kind == "tab":
                continue  # blank lines sit between rows of one tab table in the seed documents
            current, kind = None, ""
            if line.strip():
                paragraphs.append(clean_markdown(line))
            continue
        if current is None or row_kind != kind:
            current, kind = [], row_kind
            tables.append(current)
        cells = _split(line, row_kind)
        if any(cells):
            budget.take()
            current.append(trim_row(cells))
    return [t for t in tables if t], [p for p in paragraphs if p]


def _row_kind(line: str) -> str:
    if "\t" in line.lstrip():  # a tab that only indents a list item does not make a table row
        return "tab"
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 2:
        return "pipe"
    return ""


def _split(line: str, kind: str) -> list[str]:
    if kind == "tab":
        raw = line.split("\t")
    else:
        raw = _PIPE_SPLIT.split(line.strip().strip("|"))
        raw = [cell.replace("\\|", "|") for cell in raw]
    cells = [tidy_lines(_inline(cell)) for cell in raw]
    if all(not c or _SEPARATOR_CELL.match(c) for c in cells):
        return []  # the |---|---| line under a pipe header, or a "----" rule row
    return cells


def _inline(text: str) -> str:
    text = _AUTOLINK.sub(r"\1", text)
    text = _STRONG.sub("", text)
    text = _EMPHASIS.sub(r"\1", text)
    return _ESCAPE.sub(r"\1", text)


def clean_markdown(line: str) -> str:
    """One line of Markdown as plain text: no heading marks, bold/italic marks, escapes or tags."""
    return collapse(_inline(_HEADING.sub("", line)))
