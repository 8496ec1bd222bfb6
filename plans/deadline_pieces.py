"""What one recognised part of a deadline cell means, and the calendar arithmetic behind it."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

# Roles: "period" (a month, quarter, half, school year), "year", "day" (an explicit date),
# "recurring" (every occurrence in the year), "yearly" ("hằng năm": 31/12 unless a date says
# otherwise) and "invalid" (recognised but impossible or ambiguous: the whole cell is unknown).
PERIOD, YEAR, DAY, RECURRING, YEARLY, INVALID = "period", "year", "day", "recurring", "yearly", "invalid"

# "quý" (quarter) and "quy" in "quy định", "quy trình"… are the same letters once folded
QUARTER = r"qu[yi]\b(?!\s+(?:dinh|che|trinh|hoach|mo|chuan|tac|uoc|luat|tu|doi|pham|cach|ket|nap|ve|y)\b)"
YEAR_SPEC = r"(?:/\d{4}\b|\s+(?:cua\s+)?nam\s+(?:\d{4}\b|sau\b|tiep theo\b|ke tiep\b|toi\b|truoc\b))"
_NEXT = ("sau", "tiep theo", "ke tiep", "toi")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
MIN_YEAR, MAX_YEAR = 1901, 2100


@dataclass(frozen=True)
class Piece:
    """A span of the prepared cell and the due dates it stands for."""

    start: int
    end: int
    role: str
    dues: tuple[date, ...] = ()
    span: tuple[date, date] | None = None  # the days the piece covers, to prefer the finer of two
    marked: bool = False  # a day written after "trước", "chậm nhất", "hạn"…; a recurrence with its day
    every: str = ""  # what a recurrence repeats on: "month", "quarter", "half", "list"


def invalid(start: int, end: int) -> Piece:
    """A part that was recognised but cannot be a real date."""
    return Piece(start, end, INVALID)


def check_year(year: int) -> int:
    """`year` if the calendar can handle it; ValueError otherwise."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(year)
    return year


def year_of(spec: str | None, plan_year: int) -> int | None:
    """The year written in "/2026", "năm 2026", "năm sau"; None when nothing is written."""
    if not spec or not spec.strip():
        return None
    digits = re.search(r"\d{4}", spec)
    if digits:
        return check_year(int(digits.group()))
    word = spec.split("nam", 1)[-1].strip()
    return check_year(plan_year + 1 if word in _NEXT else plan_year - 1)


def month_end(year: int, month: int) -> date:
    """Last day of a month (ValueError for month 13)."""
    return date(check_year(year), month, calendar.monthrange(year, month)[1])


def day_in_month(year: int, month: int, day: int) -> date:
    """Day `day` of the month, the month's last day when it is shorter ("ngày 30 hằng tháng" in February)."""
    if not 1 <= day <= 31:
        raise ValueError(day)
    return date(check_year(year), month, min(day, calendar.monthrange(year, month)[1]))


def quarter_number(token: str) -> int:
    """1–4 from "I".."IV" or "1".."4"; ValueError otherwise."""
    number = _ROMAN.get(token) or (int(token) if token.isdigit() else 0)
    if not 1 <= number <= 4:
        raise ValueError(token)
    return number


def month_piece(start: int, end: int, year: int, month: int) -> Piece:
    """The last day of a month, covering the whole month."""
    last = month_end(year, month)
    return Piece(start, end, PERIOD, (last,), (last.replace(day=1), last))


def quarter_piece(start: int, end: int, year: int, quarter: int) -> Piece:
    """The last day of a quarter, covering the quarter."""
    last = month_end(year, quarter * 3)
    return Piece(start, end, PERIOD, (last,), (date(year, quarter * 3 - 2, 1), last))


def year_piece(start: int, end: int, year: int) -> Piece:
    """31/12 of a year, covering the year."""
    return Piece(start, end, YEAR, (date(check_year(year), 12, 31),), (date(year, 1, 1), date(year, 12, 31)))


def day_piece(start: int, end: int, day: date) -> Piece:
    """One explicit day."""
    return Piece(start, end, DAY, (day,), (day, day))


def recurring(start: int, end: int, dues: list[date], every: str, with_day: bool = False) -> Piece:
    """Every occurrence of a recurring deadline."""
    return Piece(start, end, RECURRING, tuple(sorted(set(dues))), marked=with_day, every=every)
