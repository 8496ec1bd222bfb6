"""`nhacviec report`: the summary report (text, JSON, a workbook, a Word document) for a period's data window."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlmodel import Session

from cli.app import ROW_ID, App, fail, pass_app
from i18n import _
from reports import report_json, report_lines
from reports.summary import ReportError, build_report, make_period, parse_quarter

DATE = click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"])


def register(main: click.Group) -> None:
    main.add_command(report_cmd)


@click.command("report")
@click.option("--period", "period_code", help="Kỳ báo cáo theo kỳ số liệu: q1, q2, q3, q4, h1, m9, year, month:N.")
@click.option("--year", type=int, help="Năm báo cáo (mặc định năm của ngày tính đến).")
@click.option("--quarter", help="Quý: I, II, III, IV hoặc 1–4 (như --period qN).")
@click.option("--from", "date_from", type=DATE, help="Thời hạn từ ngày (YYYY-MM-DD hoặc dd/mm/yyyy).")
@click.option("--to", "date_to", type=DATE, help="Thời hạn đến ngày.")
@click.option("--as-of", "as_of", type=DATE, help="Tính đến ngày (mặc định hôm nay).")
@click.option("--unit", "unit_code", help="Mã đơn vị.")
@click.option("--plan", "plan_id", type=ROW_ID, help="Chỉ một kế hoạch (mã, xem nhacviec plans list).")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON (kèm đoạn văn \"paragraph\").")
@click.option("--xlsx", "xlsx_path", type=click.Path(path_type=Path), help="Ghi bảng tính Excel vào TỆP.")
@click.option("--docx", "docx_path", type=click.Path(path_type=Path), help="Ghi báo cáo Word vào TỆP.")
@pass_app
def report_cmd(app: App, period_code: str | None, year: int | None, quarter: str | None, date_from, date_to, as_of,
               unit_code: str | None, plan_id: int | None, as_json: bool, xlsx_path: Path | None,
               docx_path: Path | None) -> None:
    """Báo cáo tổng hợp: hoàn thành đúng hạn, quá hạn, đang thực hiện."""
    tz = ZoneInfo(app.settings.timezone)
    today = datetime.now(tz).date()
    day = as_of.date() if as_of else today
    try:
        period = make_period(as_of=day, today=today, year=year, quarter=parse_quarter(quarter) if quarter else None,
                             code=_code(period_code), date_from=date_from.date() if date_from else None,
                             date_to=date_to.date() if date_to else None)
        with Session(app.engine) as session:
            report = build_report(session, as_of=day, roles=app.settings.tracked_roles, period=period,
                                  unit_code=unit_code, plan_id=plan_id, tz=tz, day_off_rule=app.settings.day_off_rule)
    except ReportError as exc:
        fail(str(exc))
    if xlsx_path is not None or docx_path is not None:
        _write_files(report, xlsx_path, docx_path)
    if as_json:
        click.echo(json.dumps(report_json(report), ensure_ascii=False, indent=1))
    else:
        click.echo("\n".join(report_lines(report)))


def _code(text: str | None) -> str | None:
    if text is None:
        return None
    from reports.periods import PeriodError, normalize_code

    try:
        return normalize_code(text)
    except PeriodError as exc:
        raise ReportError(str(exc)) from exc


def _write_files(report, xlsx_path: Path | None, docx_path: Path | None) -> None:
    from reports.files import build_files

    files = build_files(report)
    for path, data, message in ((xlsx_path, files.xlsx, _("Đã ghi bảng tính {name} ({n} dòng chi tiết).")),
                                (docx_path, files.docx, _("Đã ghi báo cáo Word {name} ({n} dòng phụ lục)."))):
        if path is None:
            continue
        try:
            path.write_bytes(data)
        except OSError as exc:
            fail(_("Không ghi được tệp {name}: {error}").format(name=path, error=exc.strerror or exc))
        click.echo(message.format(name=path, n=len(report.rows)), err=True)
