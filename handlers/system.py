"""Messages the system itself sends to officers (a unit that cannot be reached, …)."""
from __future__ import annotations

from sqlmodel import Session

from handlers.messages import Outgoing
from i18n import N_, _, use_locale
from services import people
from storage.models import ChatLink, Unit

CHANNEL_NAMES = {"telegram": "Telegram", "zalo_bot": "Zalo", "zalo_oa": "Zalo OA", "console": "console"}
REASONS = {"blocked": N_("đã chặn bot"), "kicked": N_("đã xoá bot khỏi nhóm"),
           "chat_not_found": N_("không tìm thấy cuộc trò chuyện"),
           "no_interaction": N_("chưa nhắn cho bot trong 7 ngày qua")}


def unreachable_notices(session: Session, *, links: list[ChatLink], reason: str) -> list[Outgoing]:
    """Tell every officer which unit can no longer be reached, and where."""
    out = []
    for link in links:
        unit = session.get(Unit, link.unit_id)
        for officer in people.officer_links(session):
            if officer.chat_id == link.chat_id and officer.channel == link.channel:
                continue
            with use_locale(officer.lang):
                text = _("⚠️ Không gửi được nhắc việc tới {unit} trên {channel} ({reason}).").format(
                    unit=unit.name if unit else "?", channel=CHANNEL_NAMES.get(link.channel, link.channel),
                    reason=_(REASONS.get(reason, reason)))
                if reason == "no_interaction":
                    text += " " + _("Đơn vị chỉ cần nhắn một tin bất kỳ cho Zalo OA là nhận lại được nhắc việc.")
                else:
                    text += " " + _("Đề nghị liên hệ đơn vị để kết nối lại (mã mời mới: /invite {code}).").format(
                        code=unit.code if unit else "")
            out.append(Outgoing(text=text, chat_id=officer.chat_id, channel=officer.channel, lang=officer.lang))
    return out
