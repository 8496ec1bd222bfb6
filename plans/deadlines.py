"""What a plan's "Thời gian hoàn thành" cell means: due dates, a recurrence, an event, or unknown.

Choices where the wording leaves room (see tests/test_deadlines.py for the full table):
- "trước ngày d/m" and "chậm nhất ngày d/m" are both due on d/m itself.
- A month, quarter, half or year is due on its last day; a range ("Từ tháng 3 đến tháng 5",
  "Tháng 3 - 5/2026") at its end. A day inside a month/quarter/year named too wins
  ("Quý I/2026, trước ngày 15/3" → 15/3), and so does a period inside a year named too.
- "event": the date comes from someone else's plan, letter or reporting calendar ("Theo Kế hoạch
  của Sở Nội vụ", "Khi có văn bản…", "Sau khi…", "Ngay khi…", "Theo kỳ báo cáo CCHC", "Đột xuất").
  Dates inside such a cell are document dates, unless written as a deadline ("trước ngày 15/3").
- "continuous": "Thường xuyên", "Liên tục", "Hằng ngày", "Hằng tuần" (no single due date).
- "recurring": "hằng tháng" → every month's last day, "hằng quý" → quarter ends, "định kỳ 6 tháng"
  → 30/6 and 31/12, "hằng năm" → 31/12 unless a date is given ("hằng năm trước ngày 20/11").
- Năm học Y–Y+1 ends 31/5/Y+1; its học kỳ I is due 31/1/Y+1 (Bộ GDĐT ends HK I in mid-January).
- Never guessed (→ "unknown"): "đầu/giữa tháng…", "trước tháng 6" (end of May or of June?), a day
  without its month, "học kỳ I" or "năm học" without the years, impossible dates (31/2, tháng 13).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from calendars.workdays import WorkCalendar
from plans.deadline_pieces import (
    DAY, INVALID, RECURRING, YEAR, YEAR_SPEC, YEARLY, Piece, check_year, month_end, year_of)
from plans.deadline_relative import Context, default_work, relative_deadline
from plans.deadline_scan import drop_range_starts, scan
from plans.deadline_text import prepare

KINDS = ("date", "recurring", "event", "continuous", "unknown")
MAX_LENGTH = 500  # a deadline cell is a few words; longer text is a pasted paragraph, not a deadline
_EVENT_LEAD = re.compile(r"^(?:theo|khi|sau khi|ngay khi|ngay sau khi|tuy theo|tuy thuoc|phu thuoc|can cu"
                         r"|dot xuat)\b")
_EVENT = re.compile(
    r"\b(?:sau khi|ngay khi|khi co|khi nhan duoc|khi duoc|dot xuat|ke tu|theo (?:ke hoach|kh|van ban|vb"
    r"|chi dao|huong dan|yeu cau|lo trinh|quy dinh|quy trinh|quy che|ky bao cao|thong bao|cong van|cv"
    r"|de nghi|tien do|quyet dinh|lich|chuong trinh|ket luan|nghi quyet|thoi han|su chi dao|phan cong))\b",
    re.ASCII)
_FROM = re.compile(rf"\btu\s+thang\s+(?P<m>\d{{1,2}})(?!\d)(?P<y>{YEAR_SPEC})?", re.ASCII)
_UNTIL = re.compile(rf"\bden(?:\s+het)?\s+thang\s+(?P<m>\d{{1,2}})(?!\d)(?P<y>{YEAR_SPEC})?", re.ASCII)
_CONTINUOUS = re.compile(r"\b(?:thuong xuyen|lien tuc|hang ngay|moi ngay|hang tuan|moi tuan"
                         r"|(?:cac|nhung) nam (?:sau|tiep theo|ke tiep|toi))\b", re.ASCII)


@dataclass(frozen=True)
class Deadline:
    """A deadline cell and its meaning in the plan year."""

    text: str
    kind: str
    dues: tuple[date, ...] = ()

    def to_json(self) -> dict:
        """{"text", "kind", "dues": ["YYYY-MM-DD", …]}."""
        return {"text": self.text, "kind": self.kind, "dues": [d.isoformat() for d in self.dues]}


def parse_deadline(text: str, year: int, *, work: WorkCalendar | None = None,
                   reporting: str = "default", day_off_rule: str = "before") -> Deadline:
    """Read a deadline phrase of a plan for `year`; anything not understood is kind "unknown".

    `work` (working days) and `reporting` (the plan's reporting calendar, a preset name or YAML path)
    are what "5 ngày làm việc trước…" and "tháng cuối kỳ báo cáo" are counted against; without `work`, the
    office calendar with `day_off_rule` (NHACVIEC_DAY_OFF_RULE), so the Sở's deadline is the one `calendar` shows.
    """
    check_year(year)  # a wrong plan year is the caller's mistake, not the cell's
    try:  # markup may make a short cell long; a very long one is not a deadline at all
        t = prepare(text or "") if len(text or "") <= 4 * MAX_LENGTH else ""
        found = relative_deadline(t, Context(year, work or default_work(day_off_rule), reporting), _classify) if 0 < len(t) <= MAX_LENGTH else None
        kind, dues = found or _classify(t, year)
    except (ValueError, OverflowError, RecursionError):  # never let one odd cell stop an import
        kind, dues = "unknown", ()
    return Deadline(text=text, kind=kind, dues=tuple(sorted(set(dues))) if kind in ("date", "recurring") else ())


def _classify(t: str, year: int) -> tuple[str, tuple[date, ...]]:
    if not t or len(t) > MAX_LENGTH:
        return "unknown", ()
    pieces = drop_range_starts(scan(t, year), t)
    if any(p.role == INVALID for p in pieces):
        return "unknown", ()
    # a cell opening with "Theo…"/"Khi…" waits on someone else: a year or document date inside
    # it is context, only a written deadline ("trước ngày 15/3") or a recurrence counts
    strong = any(p.role == RECURRING or p.role == DAY and p.marked for p in pieces)
    if _CONTINUOUS.search(t) and not strong:
        return "continuous", ()
    if _EVENT_LEAD.search(t) and not strong:
        return "event", ()
    if any(p.role in (RECURRING, YEARLY) for p in pieces):
        dues = _recurring_dues(t, year, pieces)
        return ("recurring", dues) if dues else ("unknown", ())
    dues = _finest(pieces)
    if dues:
        return "date", dues
    return ("event", ()) if _EVENT.search(t) else ("unknown", ())


def _recurring_dues(t: str, year: int, pieces: list[Piece]) -> tuple[date, ...]:
    """Every occurrence; "hằng quý năm 2027" repeats in 2027, "hằng năm" alone falls on 31/12."""
    years = {p.dues[0].year for p in pieces if p.role == YEAR}
    if len(years) == 1 and years != {year}:
        year = years.pop()
        pieces = drop_range_starts(scan(t, year), t)
    # "hằng quý (trước ngày 15 tháng cuối quý)": the day given replaces the quarter's last day
    exact = {p.every for p in pieces if p.role == RECURRING and p.marked}
    dues = [d for p in pieces if p.role == RECURRING and (p.marked or p.every not in exact) for d in p.dues]
    lower, upper = _bounds(t, year)
    if (lower, upper) != (date.min, date.max):  # "hằng tháng, từ tháng 3 đến tháng 10": months are limits
        return tuple(d for d in dues if lower <= d <= upper)
    dues += _finest([p for p in pieces if p.role not in (RECURRING, YEARLY, YEAR)])
    if not dues:
        dues = [d for p in pieces if p.role == YEAR for d in p.dues] or [date(year, 12, 31)]
    return tuple(dues)


def _bounds(t: str, year: int) -> tuple[date, date]:
    """First and last day allowed by "từ tháng N" / "đến (hết) tháng M" (open ends when absent)."""
    start, until = _FROM.search(t), _UNTIL.search(t)
    until_year = (year_of(until.group("y"), year) or year) if until else year
    lower = month_end(year_of(start.group("y"), year) or until_year, int(start.group("m"))) if start else None
    upper = month_end(until_year, int(until.group("m"))) if until else date.max
    return (lower.replace(day=1) if lower else date.min), upper


def _finest(pieces: list[Piece]) -> tuple[date, ...]:
    """Due dates of the pieces; a year or a period only frames a day or period written inside it.

    "Quý I, năm 2026" → 31/3; "Quý I/2026, trước ngày 15/3" → 15/3; but "quý I, 6 tháng đầu năm"
    names two reports → 31/3 and 30/6.
    """
    def frames(outer: Piece, inner: Piece) -> bool:
        inside = outer.span[0] <= inner.span[0] and inner.span[1] <= outer.span[1]
        return inside and outer.span != inner.span and (outer.role == YEAR or inner.role == DAY)

    spanned = [p for p in pieces if p.span]
    return tuple(d for p in spanned if not any(frames(p, q) for q in spanned) for d in p.dues)
