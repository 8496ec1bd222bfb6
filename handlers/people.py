"""Officers in chat: who has joined (/people) and taking someone's access away (/remove)."""
from __future__ import annotations

from handlers.context import Turn
from handlers.officers import officer_only
from handlers.render import fit
from services.labels import role_name
from handlers.system import CHANNEL_NAMES
from i18n import _
from services import people, queries


async def cmd_people(turn: Turn, args: str) -> None:
    """/people [unit]: linked people with their number (for /remove)."""
    if not officer_only(turn):
        return
    unit_id = None
    if args.strip():
        unit = queries.unit_by_code(turn.session, args.strip())
        if unit is None:
            turn.reply(_("Không có đơn vị mã {code}.").format(code=args.strip()[:20]))
            return
        unit_id = unit.id
    rows = people.list_people(turn.session, unit_id=unit_id)
    if not rows:
        turn.reply(_("Chưa có ai tham gia bot."))
        return
    lines = [_("{n} người đã tham gia (gỡ quyền: /remove <mã số>):").format(n=len(rows))]
    lines += [f"#{r['id']} {r['name'] or r['external_id']} — {r['unit']}, {role_name(r['role'])} ({CHANNEL_NAMES.get(r['channel'], r['channel'])})"
              for r in rows]
    turn.reply(fit(lines))


async def cmd_remove(turn: Turn, args: str) -> None:
    """/remove <number>: the person no longer acts or gets reminders; their history stays."""
    if not officer_only(turn):
        return
    number = args.strip().lstrip("#")
    if not (number.isascii() and number.isdigit()):
        turn.reply(_("Cách dùng: /remove <mã số>, mã số xem ở /people"))
        return
    if len(number) > 9:  # no one has such a number (PostgreSQL's integer could not even be asked for it)
        turn.reply(_("Không có người mang mã số {id}. Xem: /people").format(id=number[:12]))
        return
    if int(number) == turn.user.id:
        turn.reply(_("Không thể tự gỡ quyền của chính mình. Nhờ một cán bộ theo dõi khác hoặc dùng lệnh nhacviec "
                     "people remove."))
        return
    user = people.remove_person(turn.session, user_id=int(number))
    if user is None:
        turn.reply(_("Không có người mang mã số {id}. Xem: /people").format(id=number[:12]))
        return
    turn.reply(_("Đã gỡ quyền của {name} (#{id}). Lịch sử cập nhật của người này vẫn được giữ.").format(
        name=user.display_name or user.external_id, id=user.id))
