"""`nhacviec tasks`: list assignments (task × unit); `nhacviec tasks close --before DATE`: close earlier ones."""
from __future__ import annotations

import json
from datetime import date

import click
from sqlmodel import Session

from cli.app import ROW_ID, App, fail, pass_app
from i18n import _, fmt_date
from services import queries
from services.plan_admin import AdminError, cli_actor, close_before, live_plan

# Exactly what each JSON item carries (acceptance checks read it): keep in step with the README.
JSON_KEYS = ("assignment_id", "plan_id", "number", "title", "unit", "role", "due_on", "status", "done_on")
DATE = click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"])


@click.group("tasks", invoke_without_command=True)
@click.option("--status", type=click.Choice(list(queries.STATUS_CHOICES)),
              help="open: chưa xong (kể cả đang làm); done: đã xong; all: mọi trạng thái. Mặc định: trừ đã huỷ.")
@click.option("--unit", "unit_code", help="Mã đơn vị.")
@click.option("--plan", "plan_id", type=ROW_ID)
@click.option("--due-before", type=DATE)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def tasks_group(ctx: click.Context, status: str | None, unit_code: str | None, plan_id: int | None, due_before,
                as_json: bool) -> None:
    """Liệt kê phân công (nhiệm vụ × đơn vị) theo hạn; `tasks close` đóng hàng loạt các kỳ đã qua."""
    if ctx.invoked_subcommand is not None:
        return
    app: App = ctx.find_object(App)
    before: date | None = due_before.date() if due_before else None
    with Session(app.engine) as session:
        _check_filters(session, unit_code, plan_id)
        rows = queries.assignment_rows(session, unit_code=unit_code, plan_id=plan_id, due_before=before,
                                       status=status)
    if as_json:
        click.echo(json.dumps([{key: r[key] for key in JSON_KEYS} for r in rows], ensure_ascii=False, indent=1))
        return
    if not rows:
        click.echo(_("Không có phân công nào phù hợp."))
    for r in rows:
        due = fmt_date(date.fromisoformat(r["due_on"])) if r["due_on"] else r["deadline_text"]
        title = " ".join(r["title"].split())  # one line per assignment, even for a multi-paragraph title
        ref = _("Lịch báo cáo") if r["source"] == "calendar" else r["number"]  # as task_cell: no code shown
        click.echo(f"[{r['unit']}] {ref}. {title[:70]} — {due} — {r['status_label']}")


def _check_filters(session: Session, unit_code: str | None, plan_id: int | None) -> None:
    if unit_code and queries.unit_by_code(session, unit_code) is None:
        fail(_("Không có đơn vị mã {code}").format(code=unit_code))
    if plan_id is not None:
        try:
            live_plan(session, plan_id)
        except AdminError as exc:
            fail(str(exc))


@tasks_group.command("close")
@click.option("--before", "before", type=DATE, required=True, help="Đóng các kỳ đến hạn trước ngày này.")
@click.option("--unit", "unit_code", help="Chỉ đơn vị này (mã).")
@click.option("--plan", "plan_id", type=ROW_ID)
@click.option("--as", "status", type=click.Choice(["not_tracked", "done"]), default="not_tracked", show_default=True,
              help="not_tracked: không theo dõi (trước khi bắt đầu dùng hệ thống); done: đã hoàn thành.")
@pass_app
def tasks_close(app: App, before, unit_code: str | None, plan_id: int | None, status: str) -> None:
    """Đóng hàng loạt các kỳ đến hạn trước một ngày (bắt đầu theo dõi giữa năm); lịch sử được ghi."""
    with Session(app.engine, expire_on_commit=False) as session:
        _check_filters(session, unit_code, plan_id)
        unit = queries.unit_by_code(session, unit_code) if unit_code else None
        try:
            count = close_before(session, before=before.date(), status=status, actor=cli_actor(), unit=unit,
                                 plan_id=plan_id)
        except AdminError as exc:
            fail(str(exc))
        session.commit()
    click.echo(_("Đã đóng {n} phân công đến hạn trước {date} ({status}).").format(
        n=count, date=fmt_date(before.date()), status=queries.status_label(status)))
