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


def _describe(row: dict) -> str:
    parts = [kind_label(row["kind"])]
    if row["parent"]:
        parts.append(_("thuộc {parent}").format(parent=row["parent"]))
    if row["aliases"]:
        parts.append(_("tên khác: {aliases}").format(aliases=", ".join(row["aliases"])))
    if row["groups"]:
        parts.append(_("nhóm: {groups}").format(groups=", ".join(row["groups"])))
    return "; ".join(parts)


def register(main: click.Group) -> None:
    """Add the `units` commands to the `nhacviec` group."""
    main.add_command(units)
