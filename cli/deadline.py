"""`nhacviec deadline`: show how deadline phrases are read, one JSON object per line."""
from __future__ import annotations

import json
from datetime import datetime

import click

from cli.app import App, pass_app
from i18n import LOCAL_TZ, _
from plans.deadlines import parse_deadline


def register(main: click.Group) -> None:
    main.add_command(deadline_cmd)


def current_year(now: datetime | None = None) -> int:
    """The year it is in Vietnam now (a plan year turns over at midnight Asia/Ho_Chi_Minh, not UTC)."""
    return (now or datetime.now(LOCAL_TZ)).astimezone(LOCAL_TZ).year


@click.command("deadline")
@click.option("--year", type=click.IntRange(1901, 2100), default=None,
              help=_("Năm của kế hoạch (mặc định: năm hiện tại)."))
@click.argument("phrases", nargs=-1, required=True)
@pass_app
def deadline_cmd(app: App, year: int | None, phrases: tuple[str, ...]) -> None:
    """Đọc thời hạn như trong cột "Thời gian hoàn thành", ví dụ: "Quý I/2026"."""
    plan_year = year or current_year()
    for phrase in phrases:  # "kỳ báo cáo" phrases are read against the configured reporting calendar
        deadline = parse_deadline(phrase, plan_year, reporting=app.settings.reporting_calendar,
                                  day_off_rule=app.settings.day_off_rule)
        click.echo(json.dumps(deadline.to_json(), ensure_ascii=False))
