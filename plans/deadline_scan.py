"""Find every date-like part of a prepared deadline cell, most specific wording first."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from plans.deadline_pieces import (
    DAY, PERIOD, QUARTER, YEAR_SPEC, Piece, check_year, day_piece, invalid, month_end, month_piece,
    quarter_number, quarter_piece, year_of, year_piece)
from plans.deadline_recurring import RECURRING_PATTERNS, part_of_month
from plans.deadline_text import CONFLICT

_SEP = r"(?:\s*[,;]\s*|\s+va\s+|\s+-\s+|\s+(?:den|toi)(?:\s+het)?\s+)"
_RANGE_SEP = re.compile(r"^\s*(?:-|den|toi)(?:\s+het)?\s*$")
# "quý I, 6 tháng đầu năm": a number before "tháng" starts another phrase, not a list item
_MONTH_NUM = r"\d{1,2}(?!\d)(?!\s+thang)"
_QUARTER_NUM = r"(?:iv|iii|ii|i|v|\d{1,2}(?!\s+thang))\b"
_MONTH_ITEM = rf"{_MONTH_NUM}{YEAR_SPEC}?"
_QUARTER_ITEM = rf"{_QUARTER_NUM}{YEAR_SPEC}?"
_MARKER = re.compile(r"(?:truoc|cham nhat|han(?: chot)?|hoan thanh|xong|nop|gui|den|vao)"
                     r"(?:\s+(?:vao|la|ngay|het|cua))*[\s:,]*$")


def _items(m: re.Match, number: str, year: int) -> list[tuple[str, int, bool]]:
    """(number, year, starts a range) for each item of a month or quarter list."""
    found = list(re.finditer(rf"(?<![\w/])(?P<n>{number})(?P<y>{YEAR_SPEC})?", m.group(), re.ASCII))
    items = []
    for i, it in enumerate(found):
        gap = m.group()[it.end():found[i + 1].start()] if i + 1 < len(found) else ""
        gap = re.sub(r"\b(?:thang|qu[yi])\b", " ", gap)
        items.append((it.group("n"), year_of(it.group("y"), year), bool(_RANGE_SEP.match(gap))))
    # "tháng 6 và tháng 11/2026": a year written once belongs to the items before it
    later: int | None = None
    resolved = []
    for n, y, opens_range in reversed(items):
        later = y or later
        resolved.append((n, later or year, opens_range))
    return list(reversed(resolved))


def _month_list(m: re.Match, year: int) -> list[Piece]:
    items = _items(m, _MONTH_NUM, year)
    return [month_piece(m.start(), m.end(), y, int(n)) for n, y, opens in items if not opens]


def _quarter_list(m: re.Match, year: int) -> list[Piece]:
    items = _items(m, _QUARTER_NUM, year)
    return [quarter_piece(m.start(), m.end(), y, quarter_number(n)) for n, y, opens in items if not opens]


def _school_year(m: re.Match, year: int) -> Piece:
    first, second = check_year(int(m.group("y1"))), m.group("y2")
    if int(second) % 100 != (first + 1) % 100:
        raise ValueError(second)
    # Bộ GDĐT's yearly time frame ends học kỳ I in mid-January and the school year by 31/5;
    # like a month, a semester is due at the end of the month it ends in.
    term = m.group("term")
    end = date(first + 1, 1, 31) if term in ("i", "1") else date(first + 1, 5, 31)
    start = date(first + 1, 1, 1) if term in ("ii", "2") else date(first, 9, 1)
    return Piece(m.start(), m.end(), PERIOD, (end,), (start, end))


def _part_of_year(m: re.Match, year: int) -> Piece:
    """ "6 tháng đầu năm" → 30/6; "6 tháng cuối năm", "nửa sau năm" → 31/12."""
    found = m.groupdict()
    months = 6 if found.get("n") in (None, "sau") else int(found["n"])
    y = year_of(found.get("y"), year) or year
    if not 1 <= months <= 12:
        raise ValueError(months)
    if found["side"] == "dau":
        return Piece(m.start(), m.end(), PERIOD, (month_end(y, months),), (date(y, 1, 1), month_end(y, months)))
    return Piece(m.start(), m.end(), PERIOD, (date(y, 12, 31),), (date(y, 13 - months, 1), date(y, 12, 31)))


def _long_day(m: re.Match, year: int) -> Piece:
    y = year_of(m.group("y"), year) or year
    return day_piece(m.start(), m.end(), date(check_year(y), int(m.group("m")), int(m.group("d"))))


def _numeric_day(m: re.Match, year: int) -> Piece:
    y = m.group("y")
    y = (2000 + int(y) if len(y) == 2 else int(y)) if y else year_of(m.group("yw"), year) or year
    return day_piece(m.start(), m.end(), date(check_year(y), int(m.group("m")), int(m.group("d"))))


def _year(m: re.Match, year: int) -> Piece:
    found = m.groupdict()
    if found.get("rel"):
        return year_piece(m.start(), m.end(), year_of("nam " + found["rel"], year))
    return year_piece(m.start(), m.end(), int(found.get("y2") or found.get("y1") or year))


def _month_year(m: re.Match, year: int) -> Piece:
    return month_piece(m.start(), m.end(), int(m.group("y")), int(m.group("m")))


def _part_of_month(m: re.Match, year: int) -> Piece:
    """ "giữa tháng 6/2026" → 15/6; "đầu tháng 4" → 10/4; "tuần đầu tháng 9" → 7/9 (see PART_OF_MONTH)."""
    y = year_of(m.group("y"), year) or year
    return day_piece(m.start(), m.end(), part_of_month(y, int(m.group("m")), m.group("part")))


def _invalid(m: re.Match, year: int) -> Piece:
    return invalid(m.start(), m.end())


PATTERNS = [
    (re.escape(CONFLICT.strip()), _invalid),
    (r"(?:\b(?:hoc ky|hk)\s*(?P<term>ii|i|1|2)\s+(?:cua\s+)?)?\bnam hoc\s+(?P<y1>\d{4})\s+-\s+(?P<y2>\d{4}|\d{2})\b",
     _school_year),
    (r"\b(?:hoc ky|hk)\s*(?:ii|i|1|2)\b|\bnam hoc\b", _invalid),  # which school year? do not guess
    *RECURRING_PATTERNS,
    (r"\b(?P<n>\d{1,2}|sau)\s+thang\s+(?P<side>dau|cuoi)\s+nam(?P<y>\s+(?:\d{4}|sau|tiep theo|ke tiep|toi)\b)?",
     _part_of_year),
    (r"\bnua\s+(?P<side>dau|cuoi|sau)\s+nam\b", _part_of_year),
    (rf"\bngay\s+(?P<d>\d{{1,2}})\s+thang\s+(?P<m>\d{{1,2}})(?!\d)(?P<y>{YEAR_SPEC})?", _long_day),
    (r"(?:\bngay\s+)?(?<![\d/.])(?P<d>\d{1,2})/(?P<m>\d{1,2})(?:/(?P<y>\d{4}|\d{2})|(?P<yw>\s+(?:cua\s+)?nam"
     r"\s+(?:sau|tiep theo|ke tiep|toi|truoc)\b))?(?![\d/])", _numeric_day),
    (r"(?:\bngay\s+)?(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})\b(?P<yw>)", _numeric_day),
    (rf"\b(?P<part>tuan dau|dau|giua|cuoi)\s+thang\s+(?P<m>\d{{1,2}})(?!\d)(?P<y>{YEAR_SPEC})?", _part_of_month),
    (r"\bngay\s+\d{1,2}\b(?!/)", _invalid),  # a day without its month
    (rf"\b(?:dau|giua|truoc|sau)\s+(?:thang\s+\d|{QUARTER}|nam\b)", _invalid),  # "đầu tháng 4": which day?
    (r"\btuan\s+(?:\d|dau|cuoi|thu|cua)", _invalid),  # "tuần 2 tháng 3"
    (rf"\bthang\s+{_MONTH_ITEM}(?:{_SEP}(?:thang\s+)?{_MONTH_ITEM})*", _month_list),
    (rf"\b{QUARTER}\s+{_QUARTER_ITEM}(?:{_SEP}(?:{QUARTER}\s+)?{_QUARTER_ITEM})*", _quarter_list),
    (r"\b(?:giai doan|nam)\s+(?P<y1>\d{4})(?:\s+-\s+(?P<y2>\d{4}))?\b", _year),
    (r"\b(?:ca|trong|cuoi|het|suot)\s+nam\b(?!\s+(?:hoc|\d|sau|tiep|ke|toi|truoc))", _year),
    (r"\bnam\s+(?P<rel>sau|tiep theo|ke tiep|toi)\b", _year),
    (r"(?<![\d/.])(?P<m>\d{1,2})/(?P<y>\d{4})(?![\d/])", _month_year),
]
_COMPILED = [(re.compile(p, re.ASCII), fn) for p, fn in PATTERNS]


def scan(text: str, year: int) -> list[Piece]:
    """Every recognised part of `text`, in reading order, no two overlapping."""
    taken: list[Piece] = []
    for pattern, handler in _COMPILED:
        for m in pattern.finditer(text):
            if any(p.start < m.end() and m.start() < p.end for p in taken):
                continue
            taken += _run(handler, m, year)
    return sorted((_with_marker(p, text) for p in taken), key=lambda p: (p.start, p.end))


def _run(handler, m: re.Match, year: int) -> list[Piece]:
    try:
        result = handler(m, year)
    except (ValueError, OverflowError):  # 31/2, tháng 13, quý V, a year the calendar cannot hold
        return [invalid(m.start(), m.end())]
    return result if isinstance(result, list) else [result]


def _with_marker(piece: Piece, text: str) -> Piece:
    """Note a day written as a deadline ("trước ngày", "chậm nhất", "hạn") rather than mentioned."""
    if piece.role != DAY or not _MARKER.search(text[max(0, piece.start - 30):piece.start]):
        return piece
    return replace(piece, marked=True)


def drop_range_starts(pieces: list[Piece], text: str) -> list[Piece]:
    """ "từ 01/3 đến 15/3/2026", "15/3 - 20/3": a range is due at its end."""
    kept = []
    for i, piece in enumerate(pieces):
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        if nxt and piece.span and nxt.span and _RANGE_SEP.match(text[piece.end:nxt.start]):
            continue
        kept.append(piece)
    return kept
