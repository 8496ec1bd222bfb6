"""Reports: a data window and an as-of day, the numbers of `nhacviec report`, its chart, Excel and Word files."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from i18n import _, fmt_date
from reports import report_lines, scope_line
from reports.summary import ReportError, build_report, make_period, parse_quarter
from services.worker import in_worker
from web.context import desk, officer, page

PERIODS = ("q1", "q2", "q3", "q4", "h1", "m9", "year")


def _period_names() -> list[tuple[str, str]]:
    return [("q1", _("Quý I")), ("q2", _("Quý II")), ("q3", _("Quý III")), ("q4", _("Quý IV")),
            ("h1", _("6 tháng đầu năm")), ("m9", _("9 tháng")), ("year", _("Cả năm"))]


def _chosen(q) -> str:
    if q.get("period") in PERIODS:
        return q["period"]
    try:
        return f"q{parse_quarter(q['quarter'])}" if q.get("quarter") else ""
    except ReportError:
        return ""


def _box_days(q) -> dict[str, str]:
    """What the day boxes show: dd/mm/yyyy of the days the query wrote either way.

    Plain text boxes, not the browser's date boxes: those follow the computer's language, and in an English
    Chrome «01/04/2026» typed as on paper became 4 January."""
    days = {}
    for name in ("from", "to", "as_of"):
        try:
            day = _day(q.get(name))
        except ReportError:  # named in the page's message; the box stays empty
            day = None
        days[name] = fmt_date(day) if day else ""
    return days


def _day(text: str | None) -> date | None:
    """A day from the form's date box (yyyy-mm-dd) or written as on paper (dd/mm/yyyy); nothing else is guessed."""
    if not text:
        return None
    for form in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), form).date()
        except ValueError:
            continue
    raise ReportError(_("Ngày «{text}» không hợp lệ: ghi theo dạng dd/mm/yyyy, ví dụ 15/04/2026.").format(
        text=text.strip()[:20]))


def _report(request: Request):
    """The report the query asks for (period or quarter, year, from, to, as_of, unit, plan), as the CLI builds it."""
    d, q = desk(request), request.query_params
    as_of = _day(q.get("as_of")) or d.today
    if q.get("year") and not (q["year"].strip().isascii() and q["year"].strip().isdigit()):  # never ignored
        raise ReportError(_("Năm «{text}» không hợp lệ: ghi bốn chữ số, ví dụ 2026.").format(text=q["year"].strip()[:20]))
    if q.get("period") and q["period"] not in PERIODS:
        raise ReportError(_("Kỳ báo cáo «{text}» không có: chọn trong danh sách kỳ.").format(text=q["period"][:20]))
    year = int(q["year"]) if q.get("year") else None
    code = q.get("period") or None
    quarter = parse_quarter(q["quarter"]) if q.get("quarter") else None
    period = make_period(as_of=as_of, today=d.today, year=year, quarter=quarter, code=code,
                         date_from=_day(q.get("from")), date_to=_day(q.get("to")))
    plan = q.get("plan", "").strip()
    if plan and not (plan.isascii() and plan.isdigit() and len(plan) < 10):  # never the whole report as if one plan's
        raise ReportError(_("Không có kế hoạch #{plan}.").format(plan=plan[:20]))
    plan_id = int(plan) if plan else None
    with Session(d.engine) as session:
        return build_report(session, as_of=as_of, roles=d.settings.tracked_roles, period=period,
                            unit_code=q.get("unit") or None, plan_id=plan_id, tz=ZoneInfo(d.settings.timezone),
                            day_off_rule=d.settings.day_off_rule)


async def reports(request: Request):
    officer(request)
    q = request.query_params
    shown = {"q": q, "periods": _period_names(), "chosen": _chosen(q), "days": _box_days(q)}
    try:
        report = await in_worker(_report, request)  # off the loop that also serves the bot
    except ReportError as exc:
        return page(request, "reports.html", report=None, error=str(exc), **shown)
    return page(request, "reports.html", report=report, lines=report_lines(report), error="",
                report_scope=scope_line(report), **shown)


async def report_file(request: Request):
    """The report's Word document or workbook (built by reports.files, like the CLI's), or its chart."""
    officer(request)
    kind = request.path_params["kind"]
    if kind not in ("docx", "xlsx", "png"):
        raise HTTPException(404)
    try:
        report = await in_worker(_report, request)  # off the loop that also serves the bot
    except ReportError as exc:
        raise HTTPException(400, str(exc)) from None
    if kind == "png":
        from reports.chart import completion_chart  # matplotlib only when a chart is asked for
        return Response(await in_worker(completion_chart, report), media_type="image/png",
                        headers={"Cache-Control": "no-store"})
    from reports.files import build_files
    files = await in_worker(lambda: build_files(report).named())
    name, data, mime = next(item for item in files if item[0].endswith("." + kind))
    return Response(data, media_type=mime, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                    "Cache-Control": "no-store"})


routes = [Route("/reports", reports), Route("/reports/bao-cao.{kind:str}", report_file)]
