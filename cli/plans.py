"""`nhacviec import`, `nhacviec plans list`, `nhacviec tasks`."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from sqlmodel import Session

from cli.app import App, fail, pass_app
from i18n import _, fmt_date
from plans.appendix import NoAppendixError
from plans.readers import ImportFileError
from plans.service import ParsedPlan, import_plan, parse_plan
from services import queries
from storage.models import Plan
from units.resolver import UnitResolver


def register(main: click.Group) -> None:
    main.add_command(import_cmd)
    main.add_command(plans_group)
    main.add_command(tasks_cmd)


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--year", type=int, required=True, help="Năm của kế hoạch.")
@click.option("--dry-run", is_flag=True, help="Chỉ đọc và hiển thị, không ghi gì.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.option("--accept", type=int, multiple=True, help="Nhận nhiệm vụ đề xuất số N (từ nội dung văn bản).")
@pass_app
def import_cmd(app: App, file: Path, year: int, dry_run: bool, as_json: bool, accept: tuple[int, ...]) -> None:
    """Nhập kế hoạch (DOCX, XLSX, CSV, MD) và phụ lục nhiệm vụ."""
    if not file.is_file():
        fail(_("Không tìm thấy tệp {name}").format(name=file))
    if not 2000 <= year <= 2100:
        fail(_("Năm {year} không hợp lệ").format(year=year))
    try:
        if dry_run:
            with Session(app.engine) as session:
                parsed = parse_plan(file, year=year, resolver=UnitResolver.from_session(session),
                                    max_rows=app.settings.import_max_rows, reporting=app.settings.reporting_calendar)
            _print_parsed(parsed, as_json)
            return
        with Session(app.engine, expire_on_commit=False) as session:
            parsed, report = import_plan(session, path=file, year=year, actor="cli", accept=list(accept),
                                         max_rows=app.settings.import_max_rows,
                                         reporting=app.settings.reporting_calendar)
            session.commit()
    except NoAppendixError as exc:
        _print_no_appendix(exc, file, year, as_json)
        return
    except (ImportFileError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(_report_json(parsed, report), ensure_ascii=False, indent=1))
    else:
        _print_report(parsed, report)


def _print_parsed(parsed: ParsedPlan, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"tasks": [t.to_json() for t in parsed.tasks], "warnings": parsed.warnings},
                              ensure_ascii=False, indent=1))
        return
    click.echo(_("Tìm thấy {n} nhiệm vụ trong phụ lục.").format(n=len(parsed.tasks)))
    for task in parsed.tasks:
        dues = ", ".join(fmt_date(d) for d in task.deadline.dues) or "—"
        scan = _(" (đọc từ bản quét)") if task.from_scan else ""
        click.echo(f"  {task.row.number:>4}. {task.row.title[:70]}  [{task.row.deadline_text} → {dues}]{scan}")
    _print_warnings_and_suggestions(parsed)


def _print_warnings_and_suggestions(parsed: ParsedPlan) -> None:
    if parsed.warnings:
        click.echo(_("Cảnh báo:"))
        for warning in parsed.warnings:
            click.echo(f"  - {warning}")
    if parsed.suggestions:
        click.echo(_("Nhiệm vụ đề xuất từ nội dung văn bản (nhận bằng --accept N):"))
        for i, s in enumerate(parsed.suggestions, 1):
            click.echo(_("  {i}. {sentence} — đơn vị: {unit}; hạn: {due}").format(
                i=i, sentence=s.sentence, unit=s.unit_text or "?", due=_dues(s)))


def _dues(s) -> str:
    """ "25/03/2025" or, for a recurring obligation, "25/03/2025, 25/06/2025, … (4 kỳ)"."""
    if len(s.dues) <= 1:
        return fmt_date(s.due) if s.due else _("không rõ")
    shown = ", ".join(fmt_date(d) for d in s.dues[:3]) + (", …" if len(s.dues) > 3 else "")
    return _("{dates} ({n} kỳ)").format(dates=shown, n=len(s.dues))


def _suggestions_json(parsed: ParsedPlan) -> list[dict]:
    return [{"sentence": s.sentence, "unit_text": s.unit_text, "due": s.due.isoformat() if s.due else None,
             "dues": [d.isoformat() for d in s.dues], "kind": s.kind} for s in parsed.suggestions]


def _print_no_appendix(exc: NoAppendixError, file: Path, year: int, as_json: bool) -> None:
    """No appendix: show what the body sets with a date, and how to make the plan from it; nothing written."""
    parsed = exc.parsed
    if parsed is None or not parsed.suggestions:
        fail(str(exc) + " " + _("Nội dung văn bản cũng không nêu nghĩa vụ nào có thời hạn."))
    if as_json:
        click.echo(json.dumps({"created": False, "reason": str(exc), "suggestions": _suggestions_json(parsed)},
                              ensure_ascii=False, indent=1))
        return
    click.echo(_("Văn bản không có bảng phụ lục nhiệm vụ. Các nghĩa vụ có thời hạn đọc được trong nội dung "
                 "(nhận bằng --accept N):"))
    for i, s in enumerate(parsed.suggestions, 1):
        click.echo(_("  {i}. {sentence} — đơn vị: {unit}; hạn: {due}").format(
            i=i, sentence=s.sentence, unit=s.unit_text or "?", due=_dues(s)))
    click.echo(_("Chưa tạo kế hoạch. Tạo kế hoạch từ các đề xuất đã chọn, ví dụ: "
                 "nhacviec import {file} --year {year} --accept 1").format(file=file, year=year))


def _print_report(parsed: ParsedPlan, report) -> None:
    if report.unchanged:
        click.echo(_("Kế hoạch #{id} đã được nhập trước đó; không có gì thay đổi.").format(id=report.plan_id))
        return
    click.echo(_("Đã nhập kế hoạch #{id}: {created} nhiệm vụ mới, {updated} cập nhật, {removed} bỏ khỏi kế hoạch; "
                 "{assigned} phân công mới, {cancelled} phân công huỷ.").format(
        id=report.plan_id, created=len(report.created), updated=len(report.updated), removed=len(report.removed),
        assigned=report.assignments_created, cancelled=report.assignments_cancelled))
    if report.per_unit:
        click.echo(_("Phân công theo đơn vị:"))
        for code, count in sorted(report.per_unit.items()):
            click.echo(f"  {code}: {count}")
    if report.unresolved:
        click.echo(_("Tên đơn vị chưa nhận ra (cần bổ sung vào danh mục):"))
        for name, numbers in report.unresolved.items():
            click.echo(_("  \"{name}\" — nhiệm vụ {numbers}").format(name=name, numbers=", ".join(numbers)))
    _print_warnings_and_suggestions(parsed)


def _report_json(parsed: ParsedPlan, report) -> dict:
    return {"plan_id": report.plan_id, "unchanged": report.unchanged, "created": report.created,
            "updated": report.updated, "removed": report.removed,
            "assignments_created": report.assignments_created,
            "assignments_cancelled": report.assignments_cancelled, "per_unit": report.per_unit,
            "unresolved": report.unresolved, "warnings": parsed.warnings,
            "suggestions": _suggestions_json(parsed)}


@click.group("plans")
def plans_group() -> None:
    """Các kế hoạch đã nhập."""


@plans_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def plans_list(app: App, as_json: bool) -> None:
    """Liệt kê kế hoạch."""
    with Session(app.engine) as session:
        rows = queries.plan_summaries(session)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return
    if not rows:
        click.echo(_("Chưa có kế hoạch nào. Dùng: nhacviec import TỆP --year NĂM"))
    for r in rows:
        click.echo(_("#{id} {title} (năm {year}) — {tasks} nhiệm vụ, {open} phân công chưa xong, tệp {source}").format(**r))


@click.command("tasks")
@click.option("--unit", "unit_code", help="Mã đơn vị.")
@click.option("--plan", "plan_id", type=int)
@click.option("--due-before", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]))
@click.option("--json", "as_json", is_flag=True)
@pass_app
def tasks_cmd(app: App, unit_code: str | None, plan_id: int | None, due_before, as_json: bool) -> None:
    """Liệt kê phân công (nhiệm vụ × đơn vị) theo hạn."""
    before: date | None = due_before.date() if due_before else None
    with Session(app.engine) as session:
        if unit_code and queries.unit_by_code(session, unit_code) is None:
            fail(_("Không có đơn vị mã {code}").format(code=unit_code))
        if plan_id is not None and session.get(Plan, plan_id) is None:
            fail(_("Không có kế hoạch #{id}. Xem danh sách: nhacviec plans list").format(id=plan_id))
        rows = queries.assignment_rows(session, unit_code=unit_code, plan_id=plan_id, due_before=before)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return
    if not rows:
        click.echo(_("Không có phân công nào phù hợp."))
    for r in rows:
        due = fmt_date(date.fromisoformat(r["due_on"])) if r["due_on"] else r["deadline_text"]
        title = " ".join(r["title"].split())  # one line per assignment, even for a multi-paragraph title
        click.echo(f"[{r['unit']}] {r['number']}. {title[:70]} — {due} — {r['status_label']}")
