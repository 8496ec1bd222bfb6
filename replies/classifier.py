"""Read a unit's free-text answer to a reminder: done, in progress, not done, asking for more time.

Decisions the bot relies on:
- A question ("xong chưa?", "hạn ngày nào?") or a bare acknowledgement ("ok", "👍", "đã nhận", "vâng ạ")
  is not an answer: intent "unknown", never confident (`ack` tells the chat to ask whether it is done).
- "chưa xong" is not_done; with a promise or work under way ("chưa xong, mai em gửi") it is in_progress.
- Mixed signals ("gần xong", "xong 1 phần", "xong rồi nhưng chưa gửi") are in_progress, not confident.
- A request for time wins over everything else ("không kịp, xin gia hạn đến 20/3" is an extension).
- `date` is the promised day for in_progress, the asked-for deadline for extension, and for done the day
  the work was done when the text says so ("xong ngày 18/3", "đã nộp hôm qua", "đã ban hành KH số
  45/KH-SGDĐT ngày 03/01/2026"), else None. A date that does not exist (31/2), a promise already past, or
  a completion day still to come makes the reply not confident. A past date with a finished verb
  ("xong ngày 25/3" said in April) is done on that day, never a promise for next year.
  How day phrases resolve is documented in `replies.dates`.
- Only the first MAX_CHARS characters are read: intent is in the opening words, and the work stays
  linear and bounded however long the message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from replies.dates import When, find_dates
from replies.signals import Signals, read_clause
from replies.words import clauses

INTENTS = ("done", "in_progress", "not_done", "extension", "unknown")
MAX_CHARS = 1000


@dataclass(frozen=True)
class Reply:
    """What a reply means; `confident` False when the bot should ask with buttons rather than act."""

    intent: str
    date: date | None
    confident: bool = True
    ack: bool = field(default=False, compare=False)  # only "ok"/"vâng"/"đã nhận": ask whether it is done

    def to_json(self) -> dict:
        """{"intent": ..., "date": "YYYY-MM-DD" | None}."""
        return {"intent": self.intent, "date": self.date.isoformat() if self.date else None}


_DAY_MONTH = re.compile(r"\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,})?")


def impossible_dates(text: str, *, today: date) -> list[str]:
    """Dates written in a reply that are not in the calendar ("32/7", "31/2"), as written; [] when none."""
    if not _DAY_MONTH.search(text):
        return []
    found = []
    for clause in clauses(text[:MAX_CHARS]):
        for when in find_dates(clause.text, today):
            match = _DAY_MONTH.search(when.written) if when.day is None else None
            if match:
                found.append(match.group(0))
    return found


def classify(text: str, *, today: date) -> Reply:
    """Classify one reply written on `today` (the local date in Vietnam).

    Short replies are remembered (Reply is immutable, and the reading depends on nothing but the text and the
    day): staff write the same few words ("xong", "đang làm", "đã nộp") all day, and one message is often read
    twice on its way through the handlers."""
    return _classify_short(text, today) if len(text) <= REMEMBERED_CHARS else _classify(text, today)


REMEMBERED_CHARS = 120


@lru_cache(maxsize=4096)
def _classify_short(text: str, today: date) -> Reply:
    return _classify(text, today)


def _classify(text: str, today: date) -> Reply:
    signals = Signals()
    for clause in clauses(text[:MAX_CHARS]):
        signals = signals | read_clause(clause, today)
    intent, confident = _intent(signals)
    if intent == "done":
        day, day_ok = _done_day(signals.dates)
        return Reply(intent, day, confident and day_ok)
    if intent not in ("in_progress", "extension"):
        return Reply(intent, None, confident, ack=intent == "unknown" and (signals.ack or signals.receipt)
                     and not signals.asked)
    day, day_ok = _promised_day(signals.dates, today)
    if intent == "extension" and signals.asked and day is None:
        confident = False  # "có được gia hạn không?" may be a question, not yet a request
    return Reply(intent, day, confident and day_ok)


def _intent(s: Signals) -> tuple[str, bool]:
    if s.extension:
        return "extension", True
    if s.partial:
        return "in_progress", False
    if s.promise or s.progress:
        return "in_progress", not s.done
    if s.done:
        return ("in_progress", False) if s.not_done else ("done", True)
    if s.not_done or s.not_done_weak:
        return "not_done", not s.not_done_weak
    if s.done_weak and not s.receipt:
        return "done", False
    return "unknown", False


def _done_day(dates: list[When]) -> tuple[date | None, bool]:
    """The day the work was done, when named; ok False when the day named cannot be one."""
    named = [w for w in dates if not w.weak and not w.deadline]
    if not named:
        return None, True
    if any(w.past is None for w in named):
        return None, False  # 31/2, or a completion day still to come
    return max(w.past for w in named), True


def _promised_day(dates: list[When], today: date) -> tuple[date | None, bool]:
    """The latest firm day named (a quoted deadline only if nothing else); ok False if unusable."""
    firm = [w for w in dates if not w.weak]
    chosen = [w for w in firm if not w.deadline] or firm or dates
    if not chosen:
        return None, True
    if any(w.day is None for w in chosen):
        return None, False
    day = max(w.day for w in chosen)
    return day, day >= today
