"""`nhacviec people list|remove`: who can act in the bot, and taking access away (staff who left, a leaked link)."""
from __future__ import annotations

import json

import click

from cli.app import ROW_ID, App, fail, pass_app
from i18n import _
from storage.db import session_scope


@click.group(name="people")
def people_group() -> None:
    """Cán bộ của đơn vị: xem, gỡ quyền."""


@people_group.command(name="list")
@click.option("--unit", "unit_code", help="Chỉ đơn vị này (mã).")
@click.option("--all", "include_removed", is_flag=True, help="Kể cả người đã bị gỡ.")
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON / print as JSON.")
@pass_app
def list_cmd(app: App, unit_code: str | None, include_removed: bool, as_json: bool) -> None:
    """Liệt kê người đã tham gia bot: mã số, kênh, đơn vị, vai trò."""
    from services import people, queries
    from handlers.start import role_name
    with session_scope(app.engine) as session:
        unit_id = None
        if unit_code:
            unit = queries.unit_by_code(session, unit_code)
            if unit is None:
                fail(_("Không có đơn vị mã {code}").format(code=unit_code))
            unit_id = unit.id
        rows = people.list_people(session, unit_id=unit_id, include_removed=include_removed)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(_("Chưa có ai tham gia bot."))
        return
    for row in rows:
        state = "" if row["active"] else " " + _("(đã gỡ)")
        click.echo(f"#{row['id']:<5} {row['channel']:<9} {row['unit']:<10} {role_name(row['role']):<22} "
                   f"{row['name']}{state}")


@people_group.command(name="remove")
@click.argument("person_id", type=ROW_ID)
@pass_app
def remove_cmd(app: App, person_id: int) -> None:
    """Gỡ quyền một người (theo mã số ở `people list`): không còn thao tác, không còn nhận nhắc việc."""
    from services import people
    with session_scope(app.engine) as session:
        user = people.remove_person(session, user_id=person_id)
        if user is None:
            fail(_("Không có người mang mã số {id}. Xem: nhacviec people list").format(id=person_id))
        session.commit()
    click.echo(_("Đã gỡ quyền của {name} (#{id}). Lịch sử cập nhật của người này vẫn được giữ.").format(
        name=user.display_name or user.external_id, id=person_id))
