"""Read the text forms of a plan (.md, .txt): tab-separated or pipe tables, and paragraphs."""
from __future__ import annotations

import re
from pathlib import Path

from i18n import _
from plans.read_common import ImportFileError, RowBudget, collapse, tidy_lines, trim_row
from plans.read_limits import MAX_COLUMNS, MAX_TEXT_BYTES, read_text_bounded, too_big

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+)>")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")
_STRONG = re.compile(r"(\*\*|__)")
_OPENER = re.compile(r"(?<![\w*])\*(?=\S)")  # "*" that may open emphasis: "*quan trọng*"
_CLOSER = re.compile(r"(?<=\S)\*(?![\w*])")  # "*" that may close it
_PIPE_SPLIT = re.compile(r"(?<!\\)\|")
_SEPARATOR_CELL = re.compile(r"^:?-{2,}:?$")


def read_markdown(path: Path, budget: RowBudget) -> tuple[list[list[list[str]]], list[str]]:
    """Tables (tab-separated rows or | pipe | rows) and plain paragraphs of a Markdown/text file."""
    try:
        text = read_text_bounded(path, "utf-8-sig")
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
        cells = _split(line, row_kind, path.name)
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


def _split(line: str, kind: str, name: str) -> list[str]:
    if kind == "tab":
        raw = line.split("\t")
    else:
        raw = _PIPE_SPLIT.split(line.strip().strip("|"))
        raw = [cell.replace("\\|", "|") for cell in raw]
    raw = trim_row(raw)
    if len(raw) > MAX_COLUMNS:
        raise too_big(name)
    cells = [tidy_lines(_inline(cell)) for cell in raw]
    if all(not c or _SEPARATOR_CELL.match(c) for c in cells):
        return []  # the |---|---| line under a pipe header, or a "----" rule row
    return cells


def _inline(text: str) -> str:
    text = _AUTOLINK.sub(r"\1", text)
    text = _STRONG.sub("", text)
    text = _unemphasize(text)
    return _ESCAPE.sub(r"\1", text)


def _unemphasize(text: str) -> str:
    """Drop the stars of "*a b*": each opener pairs with the first closer two or more places on, same line.

    The result of the lazy pattern `(?<![\\w*])\\*(?=\\S)(.+?)(?<=\\S)\\*(?![\\w*])` applied left to right, in
    linear time: that pattern rescans the rest of the line from every unclosed "*" (a 60 KB line took a minute).
    """
    if "*" not in text:
        return text
    closers = [m.start() for m in _CLOSER.finditer(text)]
    breaks = [i for i, ch in enumerate(text) if ch == "\n"] + [len(text)]
    drop: list[int] = []
    k = b = position = 0
    for match in _OPENER.finditer(text):
        start = match.start()
        if start < position:
            continue
        while k < len(closers) and closers[k] < start + 2:
            k += 1
        if k == len(closers):
            break
        while breaks[b] < start:
            b += 1
        if closers[k] < breaks[b]:  # "." in the pattern does not cross a line break
            drop += (start, closers[k])
            position, k = closers[k] + 1, k + 1
    if not drop:
        return text
    parts, last = [], 0
    for index in drop:
        parts.append(text[last:index])
        last = index + 1
    parts.append(text[last:])
    return "".join(parts)


def clean_markdown(line: str) -> str:
    """One line of Markdown as plain text: no heading marks, bold/italic marks, escapes or tags."""
    return collapse(_inline(_HEADING.sub("", line)))
