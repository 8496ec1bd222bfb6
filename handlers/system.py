"""Messages the system itself sends to officers (a unit that cannot be reached, …)."""
from __future__ import annotations

from sqlmodel import Session

from handlers.messages import Outgoing
from services.labels import role_name
from i18n import N_, _, use_locale
from services import people
from storage.models import ChatLink, ChatUser, MemberRole, Unit

CHANNEL_NAMES = {"telegram": "Telegram", "zalo_bot": "Zalo", "zalo_oa": "Zalo OA", "console": "console"}
REASONS = {"blocked": N_("đã chặn bot"), "kicked": N_("đã xoá bot khỏi nhóm"),
           "chat_not_found": N_("không tìm thấy cuộc trò chuyện"),
           "relinked": N_("nhóm chat của đơn vị đã được liên kết sang đơn vị khác"),
           "no_interaction": N_("chưa nhắn cho bot trong 7 ngày qua"),
           "zalo_unreachable": N_("không liên lạc được trên Zalo: quá 7 ngày chưa tương tác với Zalo OA và "
                                  "không gửi được tin mẫu ZBS"),
           "held_window": N_("quá 48 giờ chưa tương tác với Zalo OA; nhắc việc tạm giữ theo cấu hình")}
REOPEN_BY_WRITING = ("no_interaction", "zalo_unreachable", "held_window")
STOP_REASONS = {
    "billing": N_("Zalo OA đã dừng gửi tin vì tài khoản OA chưa đủ điều kiện (gói dịch vụ OA, Zalo Cloud Account "
                  "hoặc số dư/hạn mức). Nhắc việc được giữ lại và sẽ gửi khi khắc phục xong."),
    "token_rejected": N_("Zalo từ chối token của kênh. Cần cấp quyền lại cho Zalo OA rồi chạy "
                         "`nhacviec zalo tokens set` (nhập hai token khi được hỏi). Nhắc việc được giữ lại đến lúc "
                         "đó."),
}


def unreachable_notices(session: Session, *, links: list[ChatLink], reason: str) -> list[Outgoing]:
    """Tell every officer which unit can no longer be reached, and where."""
    out = []
    for link in links:
        unit = session.get(Unit, link.unit_id)
        for officer in people.officer_links(session):
            if officer.chat_id == link.chat_id and officer.channel == link.channel:
                continue
            with use_locale(officer.lang):
                if link.role == MemberRole.OFFICER and link.kind == "private":  # a person, not a unit's reminders
                    out.append(Outgoing(text=_officer_unreachable(session, link, unit, reason), chat_id=officer.chat_id,
                                        channel=officer.channel, lang=officer.lang))
                    continue
                text = _("⚠️ Không gửi được nhắc việc tới {unit} trên {channel} ({reason}).").format(
                    unit=unit.name if unit else "?", channel=CHANNEL_NAMES.get(link.channel, link.channel),
                    reason=_(REASONS.get(reason, reason)))
                if reason in REOPEN_BY_WRITING:
                    text += " " + _("Đơn vị chỉ cần nhắn một tin bất kỳ cho Zalo OA là nhận lại được nhắc việc.")
                else:
                    text += " " + _("Đề nghị liên hệ đơn vị để kết nối lại (mã mời mới: /invite {code}).").format(
                        code=unit.code if unit else "")
            out.append(Outgoing(text=text, chat_id=officer.chat_id, channel=officer.channel, lang=officer.lang))
    return out


def _officer_unreachable(session: Session, link: ChatLink, unit: Unit | None, reason: str) -> str:
    """The notice about another officer's chat: who misses the bot's messages (extension requests, digests)."""
    user = session.get(ChatUser, link.user_id) if link.user_id else None
    who = (user.display_name or user.external_id) if user else link.chat_id
    text = _("⚠️ Không gửi được tin tới {person} ({role}, {unit}) trên {channel} ({reason}).").format(
        person=who, role=role_name(link.role), unit=unit.name if unit else "?",
        channel=CHANNEL_NAMES.get(link.channel, link.channel), reason=_(REASONS.get(reason, reason)))
    if reason in REOPEN_BY_WRITING:
        text += " " + _("Người này chỉ cần nhắn một tin bất kỳ cho Zalo OA là nhận lại được tin.")
    return text


def channel_stopped_notices(session: Session, *, channel: str, reason: str) -> list[Outgoing]:
    """Tell every officer reachable on another channel that `channel` stopped sending, why and what to do."""
    out = []
    for officer in people.officer_links(session):
        if officer.channel == channel:
            continue  # the stopped channel cannot carry its own bad news
        with use_locale(officer.lang):
            text = _("⛔ Kênh {channel}: {why}").format(channel=CHANNEL_NAMES.get(channel, channel),
                                                        why=_(STOP_REASONS.get(reason, reason)))
        out.append(Outgoing(text=text, chat_id=officer.chat_id, channel=officer.channel, lang=officer.lang))
    return out
