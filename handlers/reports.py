"""/baocao (/report) for officers: the summary of a period (quý, 6 tháng, 9 tháng, năm, tháng) with its files."""
from __future__ import annotations

import re

from handlers.context import LOCAL_TZ, Turn
from handlers.messages import OutFile, is_number
from handlers.officers import officer_only
from handlers.render import fit
from i18n import _
from reports import report_lines
from reports.files import build_files
from reports.periods import PeriodError, normalize_code
from reports.summary import ReportError, build_report, make_period
from services.worker import in_worker

CHAT_UNITS = 12  # unit rows in a chat answer: the most overdue; the files have all
# As plans and officers write a period: "quý I/2026", "Quý II năm 2026", "6 tháng đầu năm", "tháng 3/2026".
_WORDS = [(re.compile(r"(\S)/(\d{4})\b"), r"\1 \2"),
          (re.compile(r"\b6\s*tháng\s+cuối\s+năm\b", re.I), "h2"),
          (re.compile(r"\b6\s*tháng(?:\s+đầu\s+năm)?\b", re.I), "h1"),
          (re.compile(r"\b9\s*tháng(?:\s+đầu\s+năm)?\b", re.I), "m9"),
          (re.compile(r"\b(?:quý|quy|q)\s+(\S+)", re.I), r"q\1"),
          (re.compile(r"\b(?:tháng|thang)\s+(\d{1,2})\b", re.I), r"month:\1"),
          (re.compile(r"\b(?:năm|nam)\s+(?=\d{4}\b)", re.I), "")]


async def cmd_report(turn: Turn, args: str) -> None:
    """/baocao [kỳ] [năm] [mã đơn vị], e.g. /baocao I, /baocao 9 tháng, /baocao tháng 3 VP, /baocao TCCB."""
    if not officer_only(turn):
        return
    try:
        code, year, unit_code = _parse_args(args)
        period = make_period(as_of=turn.today, year=year, code=code)
        report = await in_worker(build_report, turn.session, as_of=turn.today,
                                 roles=turn.services.settings.tracked_roles, period=period, unit_code=unit_code,
                                 tz=LOCAL_TZ, day_off_rule=turn.services.settings.day_off_rule)
    except ReportError as exc:
        turn.reply(str(exc) + "\n" + _("Cách dùng: /baocao [kỳ] [mã đơn vị], ví dụ /baocao I, /baocao 9 tháng, "
                                       "/baocao tháng 3 VP"))
        return
    files = await in_worker(build_files, report)   # the chart and two documents: seconds of CPU
    turn.reply(fit(report_lines(report, unit_limit=CHAT_UNITS)),
               files=[OutFile(name, data, mime) for name, data, mime in files.named()])


def _parse_args(args: str) -> tuple[str | None, int | None, str | None]:
    """Period (I..IV, quý 2, quý I/2026, 6 tháng [đầu/cuối năm], 9 tháng, năm, tháng 3), a year, the unit code."""
    text = args
    for pattern, replacement in _WORDS:
        text = pattern.sub(replacement, text)
    code = year = unit_code = None
    for word in text.split():
        if len(word) == 4 and is_number(word):
            year = int(word)
            continue
        try:
            found = normalize_code(f"q{word}" if _roman(word) or word in ("1", "2", "3", "4") else word)
        except PeriodError:
            if re.fullmatch(r"q\d+", word):  # "quý 5": a period that does not exist, named as the officer wrote it
                raise ReportError(_("Không có quý {n}: quý từ I đến IV (hoặc 1–4).").format(n=word[1:5])) from None
            if re.fullmatch(r"month:\d+", word):  # "tháng 13"
                raise ReportError(_("Không có tháng {n}: tháng từ 1 đến 12.").format(n=word[6:10])) from None
            if unit_code is not None:
                raise ReportError(_("Không hiểu \"{text}\".").format(text=word[:20])) from None
            unit_code = word
            continue
        if code is not None:   # "quý I quý II": never the last one taken
            raise ReportError(_("Chỉ chọn một kỳ báo cáo, ví dụ /baocao I hoặc /baocao 9 tháng."))
        code = found
    return code, year, unit_code


def _roman(word: str) -> bool:
    return word.upper() in ("I", "II", "III", "IV")
