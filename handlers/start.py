"""Joining with a code, /help and /lang."""
from __future__ import annotations

import re

from handlers.context import Turn
from handlers.messages import Button
from handlers.system import unreachable_notices
from i18n import _, set_locale
from services import people
from services.invites import InviteError, redeem
from services.labels import role_name
from storage.models import MemberRole, Unit

CODE_RE = re.compile(r"^[A-Za-z0-9]{6,12}$")


def looks_like_code(text: str) -> bool:
    """A bare join code sent as text (Zalo has no deep links)."""
    return bool(CODE_RE.match(text.strip().replace("-", "")))


def explain_join(turn: Turn) -> None:
    """What a stranger gets: how to join, nothing else."""
    removed = turn.removed_unit if turn.user.active else None
    if removed is not None:
        turn.reply(_("{unit} đã được gỡ khỏi danh sách nhắc việc, nên Hệ thống không ghi nhận cập nhật từ đồng chí "
                     "nữa (chưa có gì thay đổi). Nếu đồng chí đã chuyển sang đơn vị khác, hãy xin mã mời mới từ Văn "
                     "phòng Sở rồi gửi mã đó.").format(unit=removed.name))
        return
    turn.reply(_("Xin chào! Đây là bot nhắc việc CCHC của Sở GDĐT. Đồng chí chưa được liên kết với đơn vị nào.\n"
                 "Để tham gia, hãy xin mã mời từ bộ phận CCHC (Văn phòng Sở) rồi gửi: /start MÃ_MỜI "
                 "(trên Zalo: gửi mã mời)."))


async def cmd_start(turn: Turn, args: str) -> None:
    """/start <code>: link this person (or this group) to the code's unit and role."""
    code = args.strip()
    if not code:
        if turn.linked:
            unit = turn.session.get(Unit, turn.unit_id)
            turn.reply(_("Đồng chí đang thuộc {unit}. Gõ /viec để xem nhiệm vụ, /help để xem các lệnh.").format(
                unit=unit.name))
        else:
            explain_join(turn)
        return
    try:
        redeemed = redeem(turn.session, code=code, now=turn.now, channel=turn.incoming.channel,
                          chat_id=turn.incoming.chat_id, holds=lambda invite: _holds(turn, invite))
    except InviteError as exc:
        turn.reply(str(exc))
        return
    _link(turn, redeemed.unit, redeemed.invite.role)


def _holds(turn: Turn, invite) -> bool:
    """This chat already has what the code gives (the same person pressing the link twice)."""
    if turn.incoming.chat_type == "group":
        return turn.group is not None and turn.group.unit_id == invite.unit_id
    user = turn.user
    return user.active and user.unit_id == invite.unit_id and user.role == invite.role


def _link(turn: Turn, unit: Unit, role: str) -> None:
    incoming = turn.incoming
    if incoming.chat_type == "group":
        # A group answers for one unit: another unit's code moves it (answers in a group with two units would
        # go to whichever link the database returns first); the unit it leaves is named, officers are told.
        left = people.unlink_group(turn.session, channel=incoming.channel, chat_id=incoming.chat_id,
                                   keep_unit_id=unit.id)
        people.link_chat(turn.session, channel=incoming.channel, chat_id=incoming.chat_id, kind="group",
                         unit=unit, user=None, role=MemberRole.MEMBER, lang=turn.user.lang)
        text = _("Nhóm này đã được liên kết với {unit}. Nhắc việc của đơn vị sẽ gửi vào nhóm.").format(unit=unit.name)
        for link in left:
            text += "\n" + _("Nhóm không còn nhận nhắc việc của {unit}.").format(
                unit=turn.session.get(Unit, link.unit_id).name)
        turn.reply(text)
        turn.out.extend(unreachable_notices(turn.session, links=left, reason="relinked"))
        return
    turn.user.unit_id, turn.user.role, turn.user.active = unit.id, role, True
    turn.session.add(turn.user)
    people.link_chat(turn.session, channel=incoming.channel, chat_id=incoming.chat_id, kind="private",
                     unit=unit, user=turn.user, role=role, lang=turn.user.lang)
    if not turn.user.display_name:  # Zalo gave no name: no blank before the "!"
        turn.reply(_("Chào mừng đồng chí! Đồng chí đã tham gia {unit} với vai trò {role}.\nGõ /viec để xem nhiệm vụ, "
                     "/help để xem các lệnh.").format(unit=unit.name, role=role_name(role)))
        return
    turn.reply(_("Chào mừng {name}! Đồng chí đã tham gia {unit} với vai trò {role}.\nGõ /viec để xem nhiệm vụ, "
                 "/help để xem các lệnh.").format(name=turn.user.display_name, unit=unit.name,
                                                  role=role_name(role)))


async def cmd_help(turn: Turn, args: str) -> None:
    """What this person can do."""
    if not turn.linked:
        explain_join(turn)
        return
    lines = [_("Các lệnh:"),
             _("/viec — nhiệm vụ của đơn vị, hạn gần nhất trước"),
             _("Trả lời tin nhắc việc bằng: \"xong\", \"đang làm\", \"xin gia hạn đến 20/3\"; gửi kèm tệp kiểm chứng"),
             _("/undo — hoàn tác thay đổi vừa làm (trong 10 phút)"),
             _("/lang vi|en — đổi ngôn ngữ")]
    if turn.is_officer:
        lines += [_("/overdue (/quahan) — nhiệm vụ quá hạn theo đơn vị"),
                  _("/upcoming [số ngày] — sắp đến hạn"),
                  _("/tasks [mã đơn vị] — danh sách nhiệm vụ"),
                  _("/status <mã hoặc tên đơn vị | số nhiệm vụ> — tình hình"),
                  _("/giahan — đề nghị gia hạn đang chờ duyệt"),
                  _("/find <từ khoá> — tìm nhiệm vụ"),
                  _("/baocao [quý] [mã đơn vị] — báo cáo tổng hợp (hoàn thành đúng hạn, quá hạn…)"),
                  _("/invite <mã hoặc tên đơn vị> [member|head|officer] [số lần dùng] — tạo mã mời"),
                  _("/people [mã đơn vị] — người đã tham gia; /remove <mã số> — gỡ quyền"),
                  _("Gửi tệp kế hoạch (Word, Excel, PDF, CSV) để xem trước và nhập")]
    if turn.is_officer or turn.role == "head":
        lines.append(_("/web — liên kết đăng nhập trang làm việc (10 phút)"))
    turn.reply("\n".join(lines))


async def cmd_lang(turn: Turn, args: str) -> None:
    """/lang vi|en: per person."""
    lang = args.strip().lower()
    if lang not in ("vi", "en"):
        turn.reply(_("Chọn ngôn ngữ / Choose a language:"),
                   buttons=[[Button("Tiếng Việt", "lang:vi"), Button("English", "lang:en")]])
        return
    set_language(turn, lang)


def set_language(turn: Turn, lang: str) -> None:
    """Store the person's language and confirm in it."""
    turn.user.lang = lang
    turn.session.add(turn.user)
    for link in people.links_of_user(turn.session, user_id=turn.user.id):
        link.lang = lang
        turn.session.add(link)
    set_locale(lang)
    turn.reply(_("Đã chuyển sang tiếng Việt."), lang=lang)
