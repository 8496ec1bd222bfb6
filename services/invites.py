"""Join codes: created by officers, redeemed by staff with /start <code>."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from i18n import _
from storage.models import Invite, MemberRole, Unit

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed on phones


class InviteError(Exception):
    """A code that cannot be used; the message says why, in the reader's language."""


@dataclass
class Redeemed:
    invite: Invite
    unit: Unit


def new_code(length: int = 8) -> str:
    """A random, unambiguous join code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def create_invite(session: Session, *, unit: Unit, role: str, uses: int, expires_days: int, created_by: str,
                  now: datetime) -> Invite:
    """A new code for `unit` with `role`; no commit."""
    if role not in MemberRole.ALL:
        raise InviteError(_("Vai trò không hợp lệ: {role} (member, head, officer)").format(role=role))
    if uses < 1 or expires_days < 1:
        raise InviteError(_("Số lần dùng và số ngày hiệu lực phải từ 1 trở lên"))
    invite = Invite(code=new_code(), unit_id=unit.id, role=role, max_uses=uses,
                    expires_at=now + timedelta(days=expires_days), created_by=created_by)
    session.add(invite)
    session.flush()
    return invite


def redeem(session: Session, *, code: str, now: datetime) -> Redeemed:
    """Use one of the code's uses, or explain why it cannot be used."""
    cleaned = code.strip().upper().replace("-", "").replace(" ", "")
    invite = session.exec(select(Invite).where(Invite.code == cleaned)).first()
    if invite is None:
        raise InviteError(_("Mã mời \"{code}\" không đúng. Kiểm tra lại mã (8 ký tự) hoặc xin mã mới từ "
                            "Văn phòng Sở.").format(code=code.strip()[:32]))
    if invite.expires_at <= now:
        raise InviteError(_("Mã mời này đã hết hạn. Vui lòng xin mã mới từ Văn phòng Sở."))
    if invite.used >= invite.max_uses:
        raise InviteError(_("Mã mời này đã được dùng hết số lần cho phép. Vui lòng xin mã mới."))
    invite.used += 1
    session.add(invite)
    unit = session.get(Unit, invite.unit_id)
    return Redeemed(invite=invite, unit=unit)


def deep_link(bot_username: str | None, code: str) -> str:
    """Telegram deep link that sends /start <code>."""
    return f"https://t.me/{bot_username or 'nhacviec_bot'}?start={code}"
