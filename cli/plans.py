"""`nhacviec import`, `nhacviec plans list`, `nhacviec tasks`."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo
from pathlib import Path

import click
from sqlmodel import Session

from cli.app import ROW_ID, App, fail, pass_app
from i18n import _, fmt_date
from plans.appendix import NoAppendixError
from plans.readers import ImportFileError
from plans.revision import GuessedMatch
from plans.service import ParsedPlan, Preview, import_plan, preview_import
from services import queries
from services.plan_admin import AdminError, cli_actor, live_plan, remove_plan
from services.revision_text import revision_lines


def register(main: click.Group) -> None:
    main.add_command(import_cmd)
    main.add_command(plans_group)


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--year", type=int, help="Năm của kế hoạch (mặc định: năm ghi trong tên văn bản).")
@click.option("--year-mismatch-ok", is_flag=True, help="Vẫn nhập khi --year khác năm ghi trong văn bản.")
@click.option("--track-from", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]),
              help="Bắt đầu theo dõi từ ngày này: các kỳ đến hạn trước đó ghi là không theo dõi "
                   "(mặc định: hôm nay, nếu năm của kế hoạch đã bắt đầu).")
@click.option("--dry-run", is_flag=True, help="Chỉ đọc và hiển thị (cả thay đổi so với lần nhập trước), không ghi gì.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.option("--accept", type=int, multiple=True, help="Nhận nhiệm vụ đề xuất số N (từ nội dung văn bản).")
@click.option("--yes", "confirm", is_flag=True, help="Chấp nhận các ghép nhiệm vụ chỉ đoán được khi nhập bản điều chỉnh.")
@pass_app
def import_cmd(app: App, file: Path, year: int | None, year_mismatch_ok: bool, track_from, dry_run: bool,
               as_json: bool, accept: tuple[int, ...], confirm: bool) -> None:
    """Nhập kế hoạch (DOCX, XLSX, CSV, MD) và phụ lục nhiệm vụ; nhập lại bản điều chỉnh giữ nguyên lịch sử."""
    if not file.is_file():
        fail(_("Không tìm thấy tệp {name}").format(name=file))
    if year is not None and not 2000 <= year <= 2100:
        fail(_("Năm {year} không hợp lệ").format(year=year))
    try:
        if dry_run:
            with Session(app.engine) as session:
                preview = preview_import(session, path=file, year=year, accept=list(accept),
                                         max_rows=app.settings.import_max_rows, year_mismatch_ok=year_mismatch_ok,
                                         reporting=app.settings.reporting_calendar,
                                         day_off_rule=app.settings.day_off_rule)
            _print_preview(preview, as_json)
            return
        with Session(app.engine, expire_on_commit=False) as session:
            parsed, report = import_plan(session, path=file, year=year, actor="cli", accept=list(accept),
                                         max_rows=app.settings.import_max_rows, confirm=confirm,
                                         year_mismatch_ok=year_mismatch_ok,
                                         track_from=track_from.date() if track_from else None,
                                         today=datetime.now(ZoneInfo(app.settings.timezone)).date(),
                                         reporting=app.settings.reporting_calendar,
                                         day_off_rule=app.settings.day_off_rule)
            session.commit()
    except NoAppendixError as exc:
        _print_no_appendix(exc, file, as_json)
        return
    except GuessedMatch as exc:
        click.echo("\n".join(revision_lines(exc.revision.changes, exc.revision.plan_id)))
        fail(str(exc))
    except (ImportFileError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(_report_json(parsed, report), ensure_ascii=False, indent=1))
    else:
        _print_report(parsed, report)


def _print_preview(preview: Preview, as_json: bool) -> None:
    parsed = preview.parsed
    if as_json:
        data = {"tasks": [t.to_json() for t in parsed.tasks], "warnings": parsed.warnings}
        if preview.plan is not None:
            data["revision"] = {"plan_id": preview.plan.id, "needs_confirmation": bool(preview.revision.guesses),
                                "changes": [c.to_json() for c in preview.revision.changes if c.visible]}
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    _print_parsed(parsed)
    if preview.plan is not None:
        click.echo("\n".join(revision_lines(preview.revision.changes, preview.plan.id)))
        if preview.revision.guesses:
            click.echo(_("Có ghép nhiệm vụ chỉ đoán được (CẦN XÁC NHẬN): nếu đúng, nhập với --yes."))


def _print_parsed(parsed: ParsedPlan) -> None:
    click.echo(_("Tìm thấy {n} nhiệm vụ trong phụ lục.").format(n=len(parsed.tasks)))
    for task in parsed.tasks:
        dues = ", ".join(fmt_date(d) for d in task.deadline.dues) or "—"
        scan = _(" (đọc từ bản quét)") if task.from_scan else ""
        click.echo(f"  {task.row.number:>4}. {task.row.title[:70]}  [{task.row.deadline_text} → {dues}]{scan}")
    _print_warnings_and_suggestions(parsed)


def _print_warnings_and_suggestions(parsed: ParsedPlan) -> None:
    expansions = parsed.expansions()
    if expansions:
        click.echo(_("Cụm từ chỉ nhóm đơn vị đã được hiểu là:"))
        for phrase, (codes, numbers) in expansions.items():
            click.echo(_("  “{phrase}” → {n} đơn vị ({codes}) — nhiệm vụ {numbers}").format(
                phrase=phrase, n=len(codes), codes=", ".join(codes[:8]) + ("…" if len(codes) > 8 else ""),
                numbers=", ".join(numbers[:10]) + ("…" if len(numbers) > 10 else "")))
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


def _print_no_appendix(exc: NoAppendixError, file: Path, as_json: bool) -> None:
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
                 "nhacviec import {file} --year {year} --accept 1").format(file=file, year=parsed.year))


def _print_report(parsed: ParsedPlan, report) -> None:
    if report.unchanged:
        click.echo(_("Kế hoạch #{id} đã được nhập trước đó; không có gì thay đổi.").format(id=report.plan_id))
        return
    click.echo(_("Đã nhập kế hoạch #{id}: {created} nhiệm vụ mới, {updated} cập nhật, {removed} bỏ khỏi kế hoạch; "
                 "{assigned} phân công mới, {cancelled} phân công huỷ.").format(
        id=report.plan_id, created=len(report.created), updated=len(report.updated), removed=len(report.removed),
        assigned=report.assignments_created, cancelled=report.assignments_cancelled))
    if report.not_tracked:
        click.echo(_("Bắt đầu theo dõi từ {date}: {n} phân công đến hạn trước ngày này được ghi là không theo dõi "
                     "(không nhắc, không tính quá hạn; đổi bằng --track-from).").format(
            date=fmt_date(report.track_from), n=report.not_tracked))
    if any(c.kind != "added" for c in report.changes):  # a revision of a plan imported before
        click.echo("\n".join(revision_lines(report.changes, report.plan_id)))
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
            "changes": [c.to_json() for c in report.changes], "not_tracked": report.not_tracked,
            "track_from": report.track_from.isoformat() if report.track_from else None,
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


@plans_group.command("remove")
@click.argument("plan_id", type=ROW_ID)
@click.option("--yes", "confirm", is_flag=True, help="Không hỏi lại.")
@pass_app
def plans_remove(app: App, plan_id: int, confirm: bool) -> None:
    """Gỡ một kế hoạch (nhập nhầm, nhập trùng): không nhắc nữa, lịch sử được giữ."""
    with Session(app.engine, expire_on_commit=False) as session:
        try:
            plan = live_plan(session, plan_id)
        except AdminError as exc:
            fail(str(exc))
        question = _("Gỡ kế hoạch #{id} “{title}” (năm {year})? Các phân công chưa xong sẽ bị huỷ, lịch sử được "
                     "giữ.").format(id=plan.id, title=plan.title, year=plan.year)
        if not confirm and not click.confirm(question, default=False):
            fail(_("Chưa gỡ kế hoạch #{id}.").format(id=plan.id))
        cancelled = remove_plan(session, plan=plan, actor=cli_actor())
        session.commit()
    click.echo(_("Đã gỡ kế hoạch #{id}: {n} phân công chưa xong được huỷ; lịch sử và các việc đã xong được giữ.")
               .format(id=plan_id, n=cancelled))
