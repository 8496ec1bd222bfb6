"""Text from chats is cleaned before anything reads or stores it.

NUL breaks PostgreSQL text columns, ESC sequences repaint an officer's terminal, and bidi overrides (U+202E…) make
a name or a task read differently from what is stored. Chat entry points strip them: control characters other than
tab and newline, C1 controls, and the bidi embedding/override/isolate marks.
"""
from __future__ import annotations

import re

_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
NAME_LIMIT = 128


def strip_controls(text: str | None) -> str:
    """`text` without control and bidi-override characters (tabs and line breaks kept)."""
    return _CONTROLS.sub("", text or "")


def clean_name(name: str | None) -> str:
    """A display name on one line: no controls, spaces collapsed, not longer than 128 characters."""
    return " ".join(strip_controls(name).split())[:NAME_LIMIT]


def clip(text: str | None, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with "…" where it was cut (never a bare cut that reads as
    the whole title)."""
    line = " ".join((text or "").split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
