"""Recurring deadline wordings: "hằng tháng", "trước ngày 10 tháng cuối quý", "định kỳ 6 tháng"…"""
from __future__ import annotations

import re
from datetime import date

from plans.deadline_pieces import QUARTER, YEARLY, Piece, day_in_month, month_end, recurring

_EVERY = r"(?:hang|moi|cac|tung|theo|dinh ky(?:\s+hang)?)"
_LIST_ITEM = rf"(?:6 thang|9 thang|thang|{QUARTER}|nam)"
_LIST_SEP = r"(?:\s*,\s*|\s+va\s+)"
_DAY_OF = r"(?:ngay\s+(?P<day>\d{1,2})\s+(?:cua\s+)?)"
_MONTH, _QUARTER, _HALF = "month", "quarter", "half"


def _month_ends(year: int) -> list[date]:
    return [month_end(year, m) for m in range(1, 13)]


def _quarter_ends(year: int) -> list[date]:
    return [month_end(year, m) for m in (3, 6, 9, 12)]


def _half_ends(year: int) -> list[date]:
    return [month_end(year, 6), month_end(year, 12)]


def _last_month_of_quarter(m: re.Match, year: int) -> Piece:
    if not m.group("day"):
        return recurring(m.start(), m.end(), _quarter_ends(year), _QUARTER)
    dues = [day_in_month(year, month, int(m.group("day"))) for month in (3, 6, 9, 12)]
    return recurring(m.start(), m.end(), dues, _QUARTER, with_day=True)


def _first_month_of_next_quarter(m: re.Match, year: int) -> Piece:
    day = int(m.group("day"))
    dues = [day_in_month(year, month, day) for month in (4, 7, 10)] + [day_in_month(year + 1, 1, day)]
    return recurring(m.start(), m.end(), dues, _QUARTER, with_day=True)


def _day_each_month(m: re.Match, year: int) -> Piece:
    dues = [day_in_month(year, month, int(m.group("day"))) for month in range(1, 13)]
    return recurring(m.start(), m.end(), dues, _MONTH, with_day=True)


def _day_of_next_month(m: re.Match, year: int) -> Piece:
    # a monthly report "trước ngày 05 tháng sau": January's is due in February, December's next January
    day = int(m.group("day"))
    dues = [day_in_month(year, month, day) for month in range(2, 13)] + [day_in_month(year + 1, 1, day)]
    return recurring(m.start(), m.end(), dues, _MONTH, with_day=True)


# How staff read a part of a month given as a deadline (the latest day that still fits the words):
# "đầu tháng" is thượng tuần, days 1–10; "tuần đầu tháng" its first 7 days; "giữa tháng" the 15th.
PART_OF_MONTH = {"dau": 10, "tuan dau": 7, "giua": 15, "cuoi": 0}  # 0: the month's last day


def part_of_month(year: int, month: int, part: str) -> date:
    """The day "đầu/giữa/cuối tháng", "tuần đầu tháng" `month` stands for."""
    day = PART_OF_MONTH[part]
    return month_end(year, month) if day == 0 else day_in_month(year, month, day)


def _part_each_month(m: re.Match, year: int) -> Piece:
    dues = [part_of_month(year, month, m.group("part")) for month in range(1, 13)]
    return recurring(m.start(), m.end(), dues, _MONTH, with_day=True)


def _period_list(m: re.Match, year: int) -> Piece:
    """ "định kỳ báo cáo tháng, quý, 6 tháng, năm": every period named."""
    ends = {"thang": _month_ends, "6 thang": _half_ends, "nam": lambda y: [month_end(y, 12)],
            "9 thang": lambda y: [month_end(y, 9)]}
    dues = [d for word in re.findall(_LIST_ITEM, m.group("items")) for d in ends.get(word, _quarter_ends)(year)]
    return recurring(m.start(), m.end(), dues, "list")


def _every(ends, every: str):
    return lambda m, year: recurring(m.start(), m.end(), ends(year), every)


def _yearly(m: re.Match, year: int) -> Piece:
    return Piece(m.start(), m.end(), YEARLY)


RECURRING_PATTERNS = [
    (rf"\bdinh ky\s+(?:bao cao\s+)?(?P<items>{_LIST_ITEM}(?:{_LIST_SEP}{_LIST_ITEM})+)", _period_list),
    (rf"{_DAY_OF}?\bthang\s+cuoi\s+(?:cua\s+)?(?:moi\s+|cac\s+|hang\s+|tung\s+)?{QUARTER}", _last_month_of_quarter),
    (rf"{_DAY_OF}thang\s+dau\s+(?:cua\s+)?{QUARTER}\s+(?:sau|tiep theo|ke tiep)\b", _first_month_of_next_quarter),
    (rf"{_DAY_OF}(?:hang|moi|cac|tung)\s+thang\b", _day_each_month),
    # "Hằng tháng, trước ngày 25"
    (r"\b(?:hang|moi|dinh ky(?:\s+hang)?)\s+thang\b[\s,;:]*(?:(?:bao cao|gui|nop|truoc|cham nhat|vao|la)\s+)*"
     r"ngay\s+(?P<day>\d{1,2})\b(?![/.]\d)(?!\s+(?:cua\s+)?thang)", _day_each_month),
    (rf"{_DAY_OF}thang\s+(?:sau|tiep theo|ke tiep)\b", _day_of_next_month),
    # "trước ngày 10 của tháng", "đầu tháng", "tuần đầu mỗi tháng": every month, read as staff read them
    (r"\bngay\s+(?P<day>\d{1,2})\s+cua\s+(?:moi\s+|hang\s+|tung\s+)?thang\b(?!\s*(?:\d|sau|tiep|ke|cuoi|dau|truoc|nay))",
     _day_each_month),
    (r"\b(?P<part>tuan dau|dau|giua|cuoi)\s+(?:cua\s+)?(?:moi\s+|hang\s+|cac\s+|tung\s+)?thang\b"
     r"(?!\s*(?:\d|sau|truoc|nay|toi|tiep|ke|cuoi|dau|gieng|mot|hai|ba|bon|tu|nam|sau|bay|tam|chin|muoi)\b)",
     _part_each_month),
    (rf"\b{_EVERY}\s+thang\b(?!\s*\d)", _every(_month_ends, _MONTH)),
    (rf"\b{_EVERY}\s+{QUARTER}(?!\s*(?:\d|iv|iii|ii|i)\b)", _every(_quarter_ends, _QUARTER)),
    (r"\b(?:(?:dinh ky|hang|moi)\s+6\s+thang\b(?!\s+(?:dau|cuoi))|6\s+thang\s*(?:/|mot\s+)\s*lan\b)",
     _every(_half_ends, _HALF)),
    (r"\b(?:dinh ky\s+)?(?:hang|moi|tung)\s+nam\b(?!\s+hoc)|\bdinh ky\s+nam\b", _yearly),
]
