"""Reports: a period and an as-of day, the same numbers as `nhacviec report`, and the workbook to download."""
from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Route

from reports import report_lines
from reports.summary import ReportError, build_report, make_period, parse_quarter
from reports.xlsx import write_xlsx
from web.context import desk, officer, page, person

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReportError(text) from None


def _report(request: Request):
    """The report the query asks for (year, quarter, from, to, as_of, unit), as the CLI builds it."""
    who = person(request)
    d, q = desk(request), request.query_params
    unit_code = q.get("unit") or None
    if not who.is_officer:
        raise HTTPException(403)
    as_of = _day(q.get("as_of")) or d.today
    year = int(q["year"]) if q.get("year", "").isdigit() else None
    period = make_period(as_of=as_of, year=year, quarter=parse_quarter(q["quarter"]) if q.get("quarter") else None,
                         date_from=_day(q.get("from")), date_to=_day(q.get("to")))
    with Session(d.engine) as session:
        return build_report(session, as_of=as_of, roles=d.settings.tracked_roles, period=period,
                            unit_code=unit_code, tz=ZoneInfo(d.settings.timezone))


async def reports(request: Request):
    officer(request)
    try:
        report = _report(request)
    except ReportError as exc:
        return page(request, "reports.html", report=None, error=str(exc), q=request.query_params)
    return page(request, "reports.html", report=report, lines=report_lines(report), error="", q=request.query_params)


async def reports_xlsx(request: Request):
    officer(request)
    try:
        report = _report(request)
    except ReportError as exc:
        raise HTTPException(400, str(exc)) from None
    folder = Path(tempfile.mkdtemp(prefix="nhacviec-report-"))
    path = folder / f"bao-cao-cchc-{report.as_of.isoformat()}.xlsx"
    write_xlsx(report, path)
    return FileResponse(path, filename=path.name, media_type=XLSX,
                        background=BackgroundTask(_remove, folder))


def _remove(folder: Path) -> None:
    for item in folder.iterdir():
        item.unlink()
    folder.rmdir()


routes = [Route("/reports", reports), Route("/reports/bao-cao.xlsx", reports_xlsx)]
