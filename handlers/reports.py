"""/baocao (/report) for officers: the summary report of a quarter (or everything), one unit or all."""
from __future__ import annotations

from handlers.context import LOCAL_TZ, Turn
from handlers.officers import officer_only
from handlers.render import fit
from i18n import _
from reports import report_lines
from services.worker import in_worker
from reports.summary import ReportError, build_report, make_period, parse_quarter

CHAT_UNITS = 12  # unit rows in a chat answer: the most overdue; the CLI workbook has all


async def cmd_report(turn: Turn, args: str) -> None:
    """/baocao [quý] [năm] [mã đơn vị], e.g. /baocao I, /baocao quý 2 VP, /baocao TCCB."""
    if not officer_only(turn):
        return
    try:
        quarter, year, unit_code = _parse_args(args)
        period = make_period(as_of=turn.today, year=year, quarter=quarter)
        report = await in_worker(build_report, turn.session, as_of=turn.today,
                                 roles=turn.services.settings.tracked_roles, period=period, unit_code=unit_code,
                                 tz=LOCAL_TZ)
    except ReportError as exc:
        turn.reply(str(exc) + "\n" + _("Cách dùng: /baocao [quý] [mã đơn vị], ví dụ /baocao I hoặc /baocao II VP"))
        return
    turn.reply(fit(report_lines(report, unit_limit=CHAT_UNITS)))


def _parse_args(args: str) -> tuple[int | None, int | None, str | None]:
    """Quarter (I..IV, 1..4, Q2, 'quý 3'), a four-digit year, and whatever else is the unit code."""
    quarter = year = unit_code = None
    for word in args.split():
        if word.lower() in ("quý", "quy", "q"):
            continue
        if len(word) == 4 and word.isdigit():
            year = int(word)
            continue
        try:
            quarter = parse_quarter(word)
        except ReportError:
            if unit_code is not None:
                raise
            unit_code = word
    return quarter, year, unit_code
