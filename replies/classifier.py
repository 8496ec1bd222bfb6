"""Read a unit's free-text answer to a reminder: done, in progress, not done, asking for more time.

Decisions the bot relies on:
- A question ("xong chưa?", "hạn ngày nào?") or a bare acknowledgement ("đã nhận", "vâng ạ") is not
  an answer: intent "unknown", never confident. A bare "ok"/"👍" is read as done but not confident.
- "chưa xong" is not_done; with a promise or work under way ("chưa xong, mai em gửi") it is in_progress.
- Mixed signals ("gần xong", "xong 1 phần", "xong rồi nhưng chưa gửi") are in_progress, not confident.
- A request for time wins over everything else ("không kịp, xin gia hạn đến 20/3" is an extension).
- `date` is kept for in_progress (the promised day) and extension (the asked-for deadline) only; a
  date that does not exist (31/2) or is already past makes the reply not confident.
  How day phrases resolve is documented in `replies.dates`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from replies.dates import When
from replies.signals import Signals, read_clause
from replies.words import clauses

INTENTS = ("done", "in_progress", "not_done", "extension", "unknown")


@dataclass(frozen=True)
class Reply:
    """What a reply means; `confident` False when the bot should ask with buttons rather than act."""

    intent: str
    date: date | None
    confident: bool = True

    def to_json(self) -> dict:
        """{"intent": ..., "date": "YYYY-MM-DD" | None}."""
        return {"intent": self.intent, "date": self.date.isoformat() if self.date else None}


def classify(text: str, *, today: date) -> Reply:
    """Classify one reply written on `today` (the local date in Vietnam)."""
    signals = Signals()
    for clause in clauses(text):
        signals = signals | read_clause(clause, today)
    intent, confident = _intent(signals)
    if intent not in ("in_progress", "extension"):
        return Reply(intent, None, confident)
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
