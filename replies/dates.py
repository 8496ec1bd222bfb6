"""Days named in a reply: "mai", "thứ 2 tuần sau", "20/3", "cuối tuần", "thêm 3 ngày".

Decisions (all relative to `today`, the day the reply was written, Asia/Ho_Chi_Minh):
- "mai" +1, "ngày kia"/"mốt" +2; "hôm nay", "chiều nay", "trong ngày" today; a bare "chiều",
  "tối", "17h", "ngay", "luôn" also mean today, but only when nothing firmer is said.
- "thứ X" is the next such day after today (on a Thursday "thứ 5" is next Thursday);
  "thứ X này" may be today; "thứ X tuần sau" is day X of next week (weeks start on Monday).
- A named week or month means its end, because a promise "tuần sau em gửi" is kept by then:
  "tuần sau" → Friday of next week, "cuối tuần" → this Friday (on a weekend: Sunday),
  "tuần này"/"trong tuần" → this Friday (on a weekend: today),
  "đầu tuần sau" → next Monday, "cuối tháng" → last day of the month, "tháng sau" → end of next month,
  "cuối tháng 4" → 30/4.
- "20/3": this year, unless that is more than 60 days ago, then next year. "ngày 20": this month
  if not yet past, else next month. A date that does not exist (31/2) is reported as None.
- "thêm 3 ngày", "2 hôm nữa", "1 tuần", "1 tháng" count from today; "5 ngày làm việc" skips weekends.
- "hôm qua" is yesterday, "hôm kia" the day before; "sáng nay", "lúc nãy" today.
- Each day also has its past reading (`When.past`), used when the words say the work is already done:
  "20/3" is the last 20/3 on or before today, "ngày 20" the last 20th, "thứ 6" the last Friday before today;
  "thứ 6 tuần trước" is Friday of last week. "hôm"/"bữa" before a day ("xong hôm thứ 6", "nộp hôm 10/4")
  speaks of a day gone: the past reading, whatever is nearest. `When.tense` says which reading a
  bare "xong ngày 25/3" takes: "past" when the nearest 25/3 (last year, this year or next) is before today.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

PAST_LIMIT = timedelta(days=60)
_WEEKDAYS = {"2": 0, "3": 1, "4": 2, "5": 3, "6": 4, "7": 5,
             "tu": 2, "nam": 3, "sau": 4, "bay": 5, "chu nhat": 6}
_NUMBERS = {"mot": 1, "nam": 5, "bay": 7}
_NOT_TOMORROW = r"(?<!\bhoang )(?<!\bchi )(?<!\bco )(?<!\bthay )(?<!\bban )(?<!\bsao )(?<!\bc )"  # names: "chị Mai"
_DEADLINE_BEFORE = re.compile(r"(?<!\bgia )(?<!\blui )(?<!\bmove )(?<!\bdoi )\bhan(?: nop| cuoi)?(?: la)?(?: ngay)? $")


@dataclass(frozen=True)
class When:
    """A day named in a reply; `day` None when the written date does not exist."""

    day: date | None
    weak: bool = False       # only implies "today" ("em gửi ngay"): used when nothing firmer is said
    deadline: bool = False   # quotes the current deadline ("hạn 20/3"), not a promise
    past: date | None = None  # the same words read as a day already gone ("đã nộp ngày 20/3")
    tense: str | None = None  # "past" / "future": which reading a bare verb takes; None: relative words
    written: str = ""         # the words matched, in canonical form ("ngay 32/7")

    @property
    def before_today(self) -> bool:
        return self.tense == "past"


_THAT_DAY = ("hom ", "bua ")  # "hôm thứ 6", "bữa 10/4": a day spoken of as gone
_LOOK_BACK = 24  # "hạn nộp là ngày " is the longest wording quoting a deadline


def find_dates(text: str, today: date) -> list[When]:
    """Every day named in one clause of canonical words, in the order the patterns are tried.

    Linear in the clause: a match overlapping one already taken is skipped.
    """
    found = []
    taken = bytearray(len(text))
    for pattern, resolve, weak in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            deadline = bool(_DEADLINE_BEFORE.search(_words_before(text, start)))
            past, tense = _past_reading(resolve, match, today)
            if past is not None and text[:start].endswith(_THAT_DAY):  # "xong hôm thứ 6": that day, gone
                tense = "past"
            found.append(When(resolve(match, today), weak=weak, deadline=deadline, past=past, tense=tense,
                              written=match.group(0)))
            taken[start:end] = b"\x01" * (end - start)
    return found


def _words_before(text: str, start: int) -> str:
    """The last few whole words before `start` (with the space before the first, for the look-behinds)."""
    if start <= _LOOK_BACK:
        return text[:start]
    window = text[start - _LOOK_BACK:start]
    return window[window.find(" "):] if " " in window else ""


def _past_reading(resolve, match: re.Match, today: date) -> tuple[date | None, str | None]:
    """The day read as already gone, and whether a bare verb with it speaks of the past."""
    if resolve is _dmy:
        day, month = int(match.group(1)), int(match.group(2))
        if match.group(3):
            written = _safe(_full_year(int(match.group(3))), month, day)
            if written is None:
                return None, None
            return (written if written <= today else None), ("past" if written < today else "future")
        readings = [d for d in (_safe(today.year + k, month, day) for k in (-1, 0, 1)) if d is not None]
        gone = [d for d in readings if d <= today]
        if not readings:
            return None, None
        nearest = min(readings, key=lambda d: (abs((d - today).days), d > today))
        return (max(gone) if gone else None), ("past" if nearest < today else "future" if nearest > today else None)
    if resolve is _day_of_month:
        wanted = int(match.group(1))
        this_month = _safe(today.year, today.month, wanted)
        if this_month is not None and this_month <= today:
            return this_month, None
        last = today.replace(day=1) - timedelta(days=1)
        return _safe(last.year, last.month, wanted), None
    if resolve is _weekday:
        return _last_weekday(match, today)
    day = resolve(match, today)
    return (day if day is not None and day <= today else None), None


def _last_weekday(m: re.Match, today: date) -> tuple[date | None, str | None]:
    """ "(đã nộp) thứ 6": the last such day before today; "thứ 6 tuần trước" is in the past in any case."""
    which = m.group(3) or ""
    if which == "tuan truoc":
        return _weekday(m, today), "past"
    if which == "nay":
        day = _weekday(m, today)
        return (day if day <= today else None), None
    if which:
        return None, None
    wanted = _WEEKDAYS[m.group(1) or m.group(2)]
    return today - timedelta(days=(today.weekday() - wanted - 1) % 7 + 1), None


def _full_year(year: int) -> int:
    return year + 2000 if year < 100 else year


def on_day_month(day: int, month: int, year: int | None, today: date) -> date | None:
    """dd/mm[/yy]: this year unless that is long past, then next year; None if no such day."""
    if year is not None:
        return _safe(_full_year(year), month, day)
    this_year = _safe(today.year, month, day)
    if this_year is not None and this_year < today - PAST_LIMIT:
        return _safe(today.year + 1, month, day)
    return this_year


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _monday(day: date, weeks: int = 0) -> date:
    return day - timedelta(days=day.weekday()) + timedelta(weeks=weeks)


def _month_end(day: date, months: int = 0) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    return date(day.year + year, month + 1, calendar.monthrange(day.year + year, month + 1)[1])


def _dmy(m: re.Match, today: date) -> date | None:
    year = int(m.group(3)) if m.group(3) else None
    return on_day_month(int(m.group(1)), int(m.group(2)), year, today)


def _day_of_month(m: re.Match, today: date) -> date | None:
    wanted = int(m.group(1))
    if wanted >= today.day:
        return _safe(today.year, today.month, wanted)
    nxt = _month_end(today) + timedelta(days=1)
    return _safe(nxt.year, nxt.month, wanted)


def _weekday(m: re.Match, today: date) -> date:
    wanted = _WEEKDAYS[m.group(1) or m.group(2)]
    which = m.group(3) or ""
    if which == "tuan truoc":
        return _monday(today, -1) + timedelta(days=wanted)
    if which.startswith("tuan"):
        return _monday(today, 1) + timedelta(days=wanted)
    if which == "nay":
        return today + timedelta(days=(wanted - today.weekday()) % 7)
    return today + timedelta(days=(wanted - today.weekday() - 1) % 7 + 1)


def _end_of_week(m: re.Match, today: date) -> date:
    if m.group(1):  # "cuối tuần sau"
        return _monday(today, 1) + timedelta(days=4)
    return _monday(today) + timedelta(days=4 if today.weekday() <= 4 else 6)


def _start_of_week(m: re.Match, today: date) -> date:
    return _monday(today, 1)


def _this_week(m: re.Match, today: date) -> date:
    return max(today, _monday(today) + timedelta(days=4))


def _next_week(m: re.Match, today: date) -> date:
    return _monday(today, 1) + timedelta(days=4)


def _end_of_month(m: re.Match, today: date) -> date:
    return _month_end(today, 1 if m.group(1) else 0)


def _end_of_named_month(m: re.Match, today: date) -> date | None:
    month = int(m.group(1))
    if not 1 <= month <= 12:
        return None
    return on_day_month(calendar.monthrange(today.year, month)[1], month, None, today)


def _offset(days: int):
    return lambda m, today: today + timedelta(days=days)


def _duration(m: re.Match, today: date) -> date | None:
    count = int(m.group(2)) if m.group(2).isdigit() else _NUMBERS[m.group(2)]
    unit = m.group(3)
    if unit == "thang":
        end = _month_end(today, count)
        return end.replace(day=min(today.day, end.day))
    if unit == "tuan":
        return today + timedelta(weeks=count)
    if m.group(4):  # "ngày làm việc": Monday to Friday
        day = today
        while count:
            day += timedelta(days=1)
            count -= day.weekday() < 5
        return day
    return today + timedelta(days=count)


_NOT_FRACTION = r"(?<!\bxong )(?<!\bduoc )"  # "xong 1/2" is half done
_DURATION_BEFORE = r"them|nua|trong|khoang|tam|late|muon|cham|tre|han|xin|can|sau|lui|lai|chung|hoan|move"
_PATTERNS = [(re.compile(p), f, weak) for p, f, weak in [
    # a year of any length is read whole ("1/1/99999" is no day, never 01/01/9999 or 01/01 without its year)
    (r"(?:\bngay |" + _NOT_FRACTION + r")\b(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,}))?\b", _dmy, False),
    (r"\b(?:ngay )?(\d{1,2}) thang (\d{1,2})(?: nam (\d{4,}))?\b", _dmy, False),
    (r"\bngay (\d{1,2})\b(?! (?:ngay|hom|tuan|thang)\b)", _day_of_month, False),
    (r"\b(?:thu (2|3|4|5|6|7|tu|nam|sau|bay)|(chu nhat))\b(?: (tuan sau|tuan toi|tuan truoc|toi|nay)\b)?",
     _weekday, False),
    (r"\bcuoi tuan(?: (sau|toi)\b| nay\b)?", _end_of_week, False),
    (r"\b(?:start|dau) tuan(?: (?:sau|toi)\b)?", _start_of_week, False),
    (r"\b(?:(?:trong )?tuan (?:sau|toi)|(?:sang|qua) tuan(?: sau| toi)?)\b", _next_week, False),
    (r"\b(?:trong tuan(?: nay)?|tuan nay)\b", _this_week, False),
    (r"\b(?:cuoi|trong) thang (\d{1,2})\b", _end_of_named_month, False),
    (r"\bcuoi thang(?: (sau|toi)\b| nay\b)?", _end_of_month, False),
    (r"\bthang (sau|toi)\b", _end_of_month, False),
    (r"\b(?:ngay kia|(?:ngay )?mot)\b", _offset(2), False),
    (r"\b(?:ngay )?" + _NOT_TOMORROW + r"mai\b(?! oi)", _offset(1), False),
    (r"\b(?:(?:trong )?hom nay|trong ngay|(?:chieu|trua|evening|toi|morning|sang) nay|cuoi ngay|cuoi gio"
     r"|luc nay|ban nay)\b", _offset(0), False),
    (r"\bhom qua\b", _offset(-1), False),
    (r"\bhom kia\b", _offset(-2), False),
    (r"\b(?:(" + _DURATION_BEFORE + r") )?(\d{1,2}|mot|nam|bay) (ngay|hom|tuan|thang)( lam viec)?"
     r"(?= nua\b| toi\b)", _duration, False),
    (r"\b(" + _DURATION_BEFORE + r") (\d{1,2}|mot|nam|bay) (ngay|hom|tuan|thang)( lam viec)?\b",
     _duration, False),
    (r"\b(?:\d{1,2}(?:h\d*|:\d\d| gio)|(?<!\d )ngay|luon|lien|chieu|evening|trua)\b", _offset(0), True),
]]
