"""`nhacviec units load FILE` and `nhacviec units list [--json]`: the unit directory."""
from __future__ import annotations

import json
from pathlib import Path

import click

from cli.app import App, fail, pass_app
from i18n import _
from storage.db import session_scope
from units.directory import DirectoryError, describe_units, kind_label, load_directory


@click.group(name="units")
def units() -> None:
    """Danh bạ đơn vị (phòng, đơn vị trực thuộc, trường, xã-phường) và nhóm đơn vị."""


@units.command(name="load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def load(app: App, file: Path) -> None:
    """Nạp hoặc cập nhật danh bạ từ tệp CSV/YAML (cột code,name,kind,parent,aliases,groups)."""
    try:
        with session_scope(app.engine) as session:
            report = load_directory(session, path=file)
            session.commit()
    except DirectoryError as exc:
        fail(str(exc))
    click.echo(_("Đã nạp danh bạ đơn vị từ {name}: {created} đơn vị mới, {updated} cập nhật, "
                 "{unchanged} không đổi.").format(name=file.name, created=len(report.created),
                                                  updated=len(report.updated), unchanged=len(report.unchanged)))
    if report.groups:
        click.echo(_("Nhóm đơn vị: {groups}").format(groups=", ".join(report.groups)))


@units.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON / print as JSON.")
@pass_app
def list_(app: App, as_json: bool) -> None:
    """Liệt kê các đơn vị trong danh bạ."""
    with session_scope(app.engine) as session:
        rows = describe_units(session)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(_("Danh bạ chưa có đơn vị nào. Nạp danh bạ: nhacviec units load units.csv"))
        return
    click.echo(_("Danh bạ có {count} đơn vị:").format(count=len(rows)))
    for row in rows:
        click.echo(f"{row['code']:<12} {row['name']} — {_describe(row)}")


@units.command(name="remove")
@click.argument("code")
@click.option("--force", is_flag=True, help="Gỡ cả khi còn phân công chưa xong (các phân công đó bị huỷ, lịch sử giữ).")
@pass_app
def remove(app: App, code: str, force: bool) -> None:
    """Gỡ một đơn vị khỏi danh bạ (không giao việc, không nhắc nữa); lịch sử được giữ."""
    from services.plan_admin import AdminError, cli_actor, remove_unit

    try:
        with session_scope(app.engine) as session:
            removal = remove_unit(session, code=code, force=force, actor=cli_actor())
            session.commit()
    except AdminError as exc:
        fail(str(exc))
    click.echo(_("Đã gỡ đơn vị {code} khỏi danh bạ; {n} phân công chưa xong được huỷ, lịch sử được giữ.").format(
        code=removal.unit.code, n=removal.cancelled))


@units.command(name="groups")
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON / print as JSON.")
@pass_app
def groups_list(app: App, as_json: bool) -> None:
    """Liệt kê nhóm đơn vị, các cụm từ gọi nhóm trong kế hoạch và đơn vị trong nhóm."""
    from units.directory import describe_groups

    with session_scope(app.engine) as session:
        rows = describe_groups(session)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(_("Chưa có nhóm đơn vị nào."))
    for row in rows:
        click.echo(_("{code} — {name}: {n} đơn vị ({units})").format(
            code=row["code"], name=row["name"], n=len(row["units"]), units=", ".join(row["units"]) or "—"))
        click.echo(_("  cụm từ: {phrases}").format(phrases="; ".join(row["phrases"]) or "—"))


@units.command(name="group")
@click.argument("code")
@click.option("--name", help="Tên nhóm (bắt buộc khi tạo nhóm mới).")
@click.option("--add-phrase", multiple=True, help="Thêm cụm từ gọi nhóm trong kế hoạch (có thể lặp lại).")
@click.option("--remove-phrase", multiple=True, help="Bỏ một cụm từ.")
@click.option("--add-unit", multiple=True, help="Thêm đơn vị (mã) vào nhóm.")
@click.option("--remove-unit", multiple=True, help="Bỏ đơn vị (mã) khỏi nhóm.")
@pass_app
def group_edit(app: App, code: str, name: str | None, add_phrase: tuple[str, ...], remove_phrase: tuple[str, ...],
               add_unit: tuple[str, ...], remove_unit: tuple[str, ...]) -> None:
    """Tạo hoặc sửa một nhóm đơn vị: tên, cụm từ gọi nhóm, đơn vị trong nhóm."""
    from units.directory import GroupEdit, describe_groups, edit_group

    edit = GroupEdit(name=name, add_phrases=list(add_phrase), remove_phrases=list(remove_phrase),
                     add_units=list(add_unit), remove_units=list(remove_unit))
    try:
        with session_scope(app.engine) as session:
            group = edit_group(session, code=code, edit=edit)
            session.commit()
            row = next(r for r in describe_groups(session) if r["code"] == group.code)
    except DirectoryError as exc:
        fail(str(exc))
    click.echo(_("Đã lưu nhóm {code} — {name}: {n} đơn vị; cụm từ: {phrases}").format(
        code=row["code"], name=row["name"], n=len(row["units"]), phrases="; ".join(row["phrases"]) or "—"))


def _describe(row: dict) -> str:
    parts = [kind_label(row["kind"])]
    if row["parent"]:
        parts.append(_("thuộc {parent}").format(parent=row["parent"]))
    if row["aliases"]:
        parts.append(_("tên khác: {aliases}").format(aliases=", ".join(row["aliases"])))
    if row.get("level"):
        parts.append(_("cấp học: {levels}").format(levels=", ".join(row["level"])))
    if row["groups"]:
        parts.append(_("nhóm: {groups}").format(groups=", ".join(row["groups"])))
    return "; ".join(parts)


def register(main: click.Group) -> None:
    """Add the `units` commands to the `nhacviec` group."""
    main.add_command(units)
