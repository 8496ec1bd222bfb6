"""Text as a PDF gives it, made into the text the author typed: NFC Vietnamese, wrapped lines rejoined."""
from __future__ import annotations

import re
import unicodedata

# A combining mark set apart from its letter ("Vie ̣t"), and spaces a PDF puts inside a word before one.
_SPACE_BEFORE_MARK = re.compile(r"[ \t]+(?=[\u0300-\u036f])")
# Lines that start a new paragraph inside a cell: "- …", "+ …", "• …", "a) …", "1. …".
_STARTS_ITEM = re.compile(r"^(?:[-+•–*]\s|\(?[0-9]{1,2}[.)]\s|\(?[a-zđ][.)]\s)")
_SPACES = re.compile(r"[ \t]+")


def nfc(text: str) -> str:
    """Composed (NFC) text with no stray space before a combining mark."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", _SPACE_BEFORE_MARK.sub("", text))


def join_wrapped(lines: list[str]) -> str:
    """The lines of one cell as paragraphs: a line continues the one above unless it starts an item."""
    paragraphs: list[str] = []
    for line in lines:
        line = _SPACES.sub(" ", nfc(line)).strip()
        if not line:
            continue
        if paragraphs and not _STARTS_ITEM.match(line):
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
    return "\n".join(paragraphs)
