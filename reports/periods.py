"""Report periods by data windows (Nghị định 09/2019 Điều 12), as `--period q1|h1|m9|year|month:N` asks.

A period counts the dated assignments whose due date falls in its data window: quý I is 15/12 of the year
before to 14/3, 6 tháng to 14/6, 9 tháng to 14/9, năm to 14/12; tháng N is the 15th of month N-1 to the 14th of N.
When the reporting calendar in use defines a report with the same code, its window wins (a Sở may cut off
elsewhere). `--from/--to` give any range instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from calendars.reporting_periods import monthly_window
from i18n import _, fmt_date

ROMAN = ("I", "II", "III", "IV")
# code → (start day, start month, start year offset, end day, end month)
WINDOWS = {
    "q1": (15, 12, -1, 14, 3), "q2": (15, 3, 0, 14, 6), "q3": (15, 6, 0, 14, 9), "q4": (15, 9, 0, 14, 12),
    "h1": (15, 12, -1, 14, 6), "h2": (15, 6, 0, 14, 12), "m9": (15, 12, -1, 14, 9), "year": (15, 12, -1, 14, 12),
}
_MONTH = re.compile(r"^(?:month|thang|tháng|t)\s*[:\s]?\s*(\d{1,2})$")


class PeriodError(ValueError):
    """A period that cannot be read; the message is translated."""


@dataclass(frozen=True)
class Period:
    """A range of due dates (inclusive), with how it was asked for."""

    start: date
    end: date
    year: int | None = None
    quarter: int | None = None
    code: str | None = None   # q1…q4, h1, h2, m9, year, month:N; None for --from/--to

    def label(self) -> str:
        """'Quý I/2026', '6 tháng đầu năm 2026', 'Tháng 3/2026', 'Năm 2026' or 'Từ 01/01/2026 đến 15/02/2026'."""
        if self.code and self.year:
            return _name(self.code, self.year)
        start = fmt_date(self.start) if self.start != date.min else "…"
        end = fmt_date(self.end) if self.end != date.max else "…"
        return _("Từ {start} đến {end}").format(start=start, end=end)

    def window_label(self) -> str:
        """'số liệu từ 15/12/2025 đến 14/03/2026' (empty for an open range)."""
        if self.start == date.min or self.end == date.max:
            return ""
        return _("số liệu từ {start} đến {end}").format(start=fmt_date(self.start), end=fmt_date(self.end))


def _name(code: str, year: int) -> str:
    if code.startswith("q"):
        return _("Quý {q}/{year}").format(q=ROMAN[int(code[1]) - 1], year=year)
    if code.startswith("month:"):
        return _("Tháng {month}/{year}").format(month=int(code[6:]), year=year)
    names = {"h1": _("6 tháng đầu năm {year}"), "h2": _("6 tháng cuối năm {year}"),
             "m9": _("9 tháng đầu năm {year}"), "year": _("Năm {year}")}
    return names[code].format(year=year)


def normalize_code(text: str) -> str:
    """'Q1', 'quý I', '6t', 'month:3', 'tháng 3' → the period code; PeriodError otherwise."""
    key = " ".join(text.strip().lower().split())
    aliases = {"6t": "h1", "6 tháng": "h1", "6thang": "h1", "9t": "m9", "9 tháng": "m9", "9thang": "m9",
               "năm": "year", "nam": "year", "y": "year"}
    key = aliases.get(key, key)
    for prefix in ("quý", "quy", "q"):
        rest = key.removeprefix(prefix).strip()
        if rest != key and rest.upper() in ROMAN:
            return f"q{ROMAN.index(rest.upper()) + 1}"
        if rest != key and rest in ("1", "2", "3", "4"):
            return f"q{rest}"
    if key in WINDOWS:
        return key
    match = _MONTH.match(key)
    if match and 1 <= int(match[1]) <= 12:
        return f"month:{int(match[1])}"
    raise PeriodError(_("Kỳ báo cáo \"{text}\" không hợp lệ: dùng q1–q4, h1, m9, year hoặc month:1–12.").format(
        text=text[:20]))


def data_window(code: str, year: int, calendar_windows: dict[str, tuple[date, date]] | None = None) -> Period:
    """The period `code` of reporting year `year`; a calendar's own window for that code wins."""
    if calendar_windows and code in calendar_windows:
        start, end = calendar_windows[code]
    elif code.startswith("month:"):
        start, end = monthly_window(year, int(code[6:]))
    else:
        sd, sm, offset, ed, em = WINDOWS[code]
        start, end = date(year + offset, sm, sd), date(year, em, ed)
    quarter = int(code[1]) if code in ("q1", "q2", "q3", "q4") else None
    return Period(start, end, year=year, quarter=quarter, code=code)
