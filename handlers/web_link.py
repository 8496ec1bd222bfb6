"""/web: a one-time link to the desk (officers: every unit; a unit's head: that unit)."""
from __future__ import annotations

from handlers.context import Turn
from i18n import _
from services.web_links import HEAD, OFFICER, LinkError, create_link, login_url
from storage.models import MemberRole, Unit


async def cmd_web(turn: Turn, args: str) -> None:
    """Answer with the sign-in link, valid 10 minutes, usable once (only in a private chat)."""
    if turn.incoming.chat_type != "private":
        turn.reply(_("Hãy gõ /web trong tin nhắn riêng với bot: liên kết đăng nhập chỉ dành cho đồng chí."))
        return
    user = turn.user
    if user.unit_id is None or not user.active or user.role not in (MemberRole.OFFICER, MemberRole.HEAD):
        turn.reply(_("Trang làm việc dành cho cán bộ theo dõi CCHC và lãnh đạo đơn vị. Gõ /viec để xem nhiệm vụ "
                     "của đơn vị."))
        return
    unit = turn.session.get(Unit, user.unit_id)
    role = OFFICER if user.role == MemberRole.OFFICER else HEAD
    try:
        token = create_link(turn.session, role=role, unit=None if role == OFFICER else unit, user=user,
                            name=user.display_name or unit.name, now=turn.now)
    except LinkError as exc:
        turn.reply(str(exc))
        return
    turn.reply(_("Liên kết đăng nhập trang làm việc (dùng một lần, trong 10 phút):\n{url}").format(
        url=login_url(turn.services.settings, token)))
