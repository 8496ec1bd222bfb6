"""`nhacviec report`: the summary report (text, JSON or a workbook) for a year, a quarter or a date range."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlmodel import Session

from cli.app import App, fail, pass_app
from i18n import _
from reports import report_lines
from reports.summary import ReportError, build_report, make_period, parse_quarter
from reports.xlsx import write_xlsx

DATE = click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"])


def register(main: click.Group) -> None:
    main.add_command(report_cmd)


@click.command("report")
@click.option("--year", type=int, help="Năm (theo thời hạn).")
@click.option("--quarter", help="Quý: I, II, III, IV hoặc 1–4.")
@click.option("--from", "date_from", type=DATE, help="Thời hạn từ ngày (YYYY-MM-DD hoặc dd/mm/yyyy).")
@click.option("--to", "date_to", type=DATE, help="Thời hạn đến ngày.")
@click.option("--as-of", "as_of", type=DATE, help="Tính đến ngày (mặc định hôm nay).")
@click.option("--unit", "unit_code", help="Mã đơn vị.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.option("--xlsx", "xlsx_path", type=click.Path(path_type=Path), help="Ghi bảng tính Excel vào TỆP.")
@pass_app
def report_cmd(app: App, year: int | None, quarter: str | None, date_from, date_to, as_of, unit_code: str | None,
               as_json: bool, xlsx_path: Path | None) -> None:
    """Báo cáo tổng hợp: hoàn thành đúng hạn, quá hạn, đang thực hiện."""
    day = as_of.date() if as_of else datetime.now(ZoneInfo(app.settings.timezone)).date()
    try:
        period = make_period(as_of=day, year=year, quarter=parse_quarter(quarter) if quarter else None,
                             date_from=date_from.date() if date_from else None,
                             date_to=date_to.date() if date_to else None)
        with Session(app.engine) as session:
            report = build_report(session, as_of=day, roles=app.settings.tracked_roles, period=period,
                                  unit_code=unit_code, tz=ZoneInfo(app.settings.timezone))
    except ReportError as exc:
        fail(str(exc))
    if xlsx_path is not None:
        _write(report, xlsx_path)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        click.echo("\n".join(report_lines(report)))


def _write(report, path: Path) -> None:
    try:
        write_xlsx(report, path)
    except OSError as exc:
        fail(_("Không ghi được tệp {name}: {error}").format(name=path, error=exc.strerror or exc))
    click.echo(_("Đã ghi bảng tính {name} ({n} dòng chi tiết).").format(name=path, n=len(report.rows)), err=True)
