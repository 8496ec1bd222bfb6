"""Join codes: created by officers, redeemed by staff with /start <code>."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from typing import Callable

from sqlalchemy import func, update
from sqlmodel import Session, select

from i18n import _
from storage.models import Invite, InviteAttempt, MemberRole, Unit

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed on phones
ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_WRONG_PER_CHAT = 5      # a person mistyping a few times is fine; a script guessing is not
MAX_WRONG_OVERALL = 100     # many chats guessing together
MAX_USES, MAX_DAYS = 1_000_000, 3650  # what a code can be given: stored (int4) and dated (within the calendar)


class InviteError(Exception):
    """A code that cannot be used; the message says why, in the reader's language."""


@dataclass
class Redeemed:
    invite: Invite
    unit: Unit
    again: bool = False  # the chat already had what the code gives: no use was spent


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
    if uses > MAX_USES or expires_days > MAX_DAYS:
        raise InviteError(_("Số lần dùng tối đa {uses}, số ngày hiệu lực tối đa {days}").format(
            uses=f"{MAX_USES:,}".replace(",", "."), days=MAX_DAYS))
    invite = Invite(code=new_code(), unit_id=unit.id, role=role, max_uses=uses,
                    expires_at=now + timedelta(days=expires_days), created_by=created_by)
    session.add(invite)
    session.flush()
    return invite


def redeem(session: Session, *, code: str, now: datetime, channel: str = "", chat_id: str = "",
           holds: Callable[[Invite], bool] | None = None) -> Redeemed:
    """Use one of the code's uses, or explain why it cannot be used; no commit.

    Wrong codes are counted per chat and overall, and refused for a while once too many. `holds(invite)` says the
    chat already has what the code gives (the same person again): then no use is spent. The use is taken with one
    conditional UPDATE, so two people racing for the last use cannot both get it (PostgreSQL or SQLite).
    """
    _check_attempts(session, channel=channel, chat_id=chat_id, now=now)
    cleaned = code.strip().upper().replace("-", "").replace(" ", "")
    invite = session.exec(select(Invite).where(Invite.code == cleaned[:32])).first()
    if invite is None:
        session.add(InviteAttempt(channel=channel[:16], chat_id=str(chat_id)[:64], at=now))
        raise InviteError(_("Mã mời \"{code}\" không đúng. Kiểm tra lại mã (8 ký tự) hoặc xin mã mới từ "
                            "Văn phòng Sở.").format(code=code.strip()[:32]))
    unit = session.get(Unit, invite.unit_id)
    if holds is not None and holds(invite):
        return Redeemed(invite=invite, unit=unit, again=True)
    if invite.expires_at <= now:
        raise InviteError(_("Mã mời này đã hết hạn. Vui lòng xin mã mới từ Văn phòng Sở."))
    taken = session.execute(update(Invite).where(Invite.id == invite.id, Invite.used < Invite.max_uses)
                            .values(used=Invite.used + 1))
    if taken.rowcount != 1:
        raise InviteError(_("Mã mời này đã được dùng hết số lần cho phép. Vui lòng xin mã mới."))
    session.refresh(invite)
    return Redeemed(invite=invite, unit=unit)


def _check_attempts(session: Session, *, channel: str, chat_id: str, now: datetime) -> None:
    """Too many wrong codes lately, from this chat or from everyone: refuse for a while, say so."""
    since = now - ATTEMPT_WINDOW
    recent = select(func.count()).select_from(InviteAttempt).where(InviteAttempt.at > since)
    here = session.exec(recent.where(InviteAttempt.channel == channel[:16],
                                     InviteAttempt.chat_id == str(chat_id)[:64])).one()
    if here >= MAX_WRONG_PER_CHAT or session.exec(recent).one() >= MAX_WRONG_OVERALL:
        raise InviteError(_("Đã nhập sai mã mời quá nhiều lần. Vui lòng chờ {minutes} phút rồi thử lại, hoặc liên hệ "
                            "Văn phòng Sở để được cấp mã.").format(minutes=int(ATTEMPT_WINDOW.total_seconds() // 60)))


def deep_link(bot_username: str | None, code: str) -> str:
    """Telegram deep link that sends /start <code>."""
    return f"https://t.me/{bot_username or 'nhacviec_bot'}?start={code}"
