"""Sign-in links to the desk: made for an officer or a unit's head, used once within 10 minutes."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from i18n import _
from storage.models import ChatUser, MemberRole, Unit, WebLink

VALID_FOR = timedelta(minutes=10)
OFFICER, HEAD = MemberRole.OFFICER, MemberRole.HEAD


class LinkError(Exception):
    """A link that cannot sign anyone in; the message is translated."""


@dataclass(frozen=True)
class DeskPerson:
    """Who a desk session is: an officer (every unit) or a head of one unit."""

    role: str
    unit_id: int | None
    user_id: int | None
    name: str

    @property
    def is_officer(self) -> bool:
        return self.role == OFFICER


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_link(session: Session, *, role: str, unit: Unit | None, user: ChatUser | None, name: str,
                now: datetime) -> str:
    """A new one-time token (only its digest is stored); no commit."""
    if role not in (OFFICER, HEAD) or (role == HEAD and unit is None):
        raise LinkError(_("Chỉ cán bộ theo dõi CCHC và lãnh đạo đơn vị mới mở được trang làm việc."))
    token = secrets.token_urlsafe(24)
    session.add(WebLink(token_sha256=_digest(token), role=role, unit_id=unit.id if unit else None,
                        user_id=user.id if user else None, name=name[:120], expires_at=now + VALID_FOR))
    session.flush()
    return token


def redeem_link(session: Session, *, token: str, now: datetime) -> DeskPerson:
    """Use the link once: who it signs in; LinkError when unknown, used or expired. No commit."""
    link = session.exec(select(WebLink).where(WebLink.token_sha256 == _digest(token or ""))).first()
    if link is None or link.used_at is not None:
        raise LinkError(_("Liên kết đăng nhập không đúng hoặc đã được dùng. Gõ /web trong chat để nhận liên kết "
                          "mới."))
    if link.expires_at <= now:
        raise LinkError(_("Liên kết đăng nhập đã hết hạn (10 phút). Gõ /web trong chat để nhận liên kết mới."))
    # Compare-and-set: the same link posted at once from two places (a double click, two workers) signs in once.
    taken = session.execute(update(WebLink).where(WebLink.id == link.id, WebLink.used_at.is_(None))
                            .values(used_at=now)).rowcount
    if not taken:
        raise LinkError(_("Liên kết đăng nhập không đúng hoặc đã được dùng. Gõ /web trong chat để nhận liên kết "
                          "mới."))
    person = DeskPerson(role=link.role, unit_id=link.unit_id, user_id=link.user_id, name=link.name)
    check_still_allowed(session, person)
    return person


def check_still_allowed(session: Session, person: DeskPerson) -> None:
    """A person asked in chat keeps the desk only while still active with the same role and unit."""
    if person.user_id is None:
        return
    user = session.get(ChatUser, person.user_id)
    if user is None or not user.active or user.role != person.role or (
            person.role == HEAD and user.unit_id != person.unit_id):
        raise LinkError(_("Đồng chí không còn quyền mở trang làm việc này."))


def desk_url(settings) -> str:
    """Where the desk is reached: NHACVIEC_PUBLIC_URL, else the web server's own address."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = settings.webhook_host if settings.webhook_host not in ("0.0.0.0", "::") else "127.0.0.1"
    return f"http://{host}:{settings.webhook_port}"


def login_url(settings, token: str) -> str:
    """The one-time sign-in address for `token`."""
    return f"{desk_url(settings)}/login/{token}"
