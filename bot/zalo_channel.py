"""What the two Zalo channels share: inbound mapping, error mapping, numbered choices, downloads.

Both Zalo channels lack inline buttons, so buttons are rendered as numbered choices. The router already
remembers the choices of its own replies; messages sent outside an update (reminders, notices to officers)
are remembered here, after they are sent, so that "1", "2"… answer them too.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from datetime import datetime
from typing import Callable

import httpx
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.messenger import SendError
from services.choices import save_carrier, save_choices
from handlers.messages import Attachment, Incoming, Outgoing
from i18n import _
from services.evidence import EvidenceError
from storage.types import utcnow
from zalo import (ZaloAuthError, ZaloBillingError, ZaloError, ZaloInbound, ZaloNightBlocked, ZaloNoInteraction,
                  ZaloPayloadRejected, ZaloQuotaExceeded, ZaloRateLimited, ZaloUserBlocked)

log = logging.getLogger(__name__)

RATE_LIMIT_WAIT = 30.0     # seconds, when Zalo says "too many" without saying how long
QUOTA_WAIT = 3600.0        # out of quota: the whole channel waits; the quota returns with the next period
NIGHT_WAIT = 3600.0        # a message kind Zalo does not deliver at night: the channel tries again in an hour
STOPPED_WAIT = 6 * 3600.0  # billing or credentials: an operator must act; one look every six hours meanwhile
# A chat that writes to us again can be reached again: Zalo's 7-day window reopens, a block was lifted.
FILE_KINDS = {"image": "photo", "file": "document"}
# What a person may send that has no words to read; answered (in a private chat) instead of being dropped.
UNREADABLE_KINDS = {"sticker", "audio", "voice", "video", "gif", "location"}
UNREADABLE_EVENTS = {"message.unsupported.received"}


def send_error(exc: ZaloError, *, payload: str = "") -> SendError:
    """The SendError delivery understands for a typed Zalo error (retry later, wait, stop the channel, drop the
    message, or give up on the chat); `payload` names the kind of message for the log."""
    if isinstance(exc, ZaloBillingError):
        log.error("Zalo OA dừng gửi tin: tài khoản OA chưa đủ điều kiện (gói dịch vụ OA, Zalo Cloud Account hoặc "
                  "hạn mức) — %s. Nhắc việc được giữ lại cho tới khi khắc phục.", exc)
        return SendError(str(exc), retry_after=STOPPED_WAIT, reason="billing", stops_channel=True)
    if isinstance(exc, ZaloAuthError):
        log.error("Zalo từ chối thông tin xác thực — %s. Nhắc việc được giữ lại cho tới khi khắc phục.", exc)
        return SendError(str(exc), retry_after=STOPPED_WAIT, reason="token_rejected", stops_channel=True)
    if isinstance(exc, ZaloPayloadRejected):
        log.error("Zalo từ chối nội dung tin %s — %s; tin này không gửi lại.", payload or "?", exc)
        return SendError(str(exc), final=True, message_only=True, reason="payload")
    if isinstance(exc, ZaloNightBlocked):
        return SendError(str(exc), retry_after=NIGHT_WAIT, reason="night")
    if isinstance(exc, ZaloRateLimited):
        return SendError(str(exc), retry_after=exc.retry_after or RATE_LIMIT_WAIT, reason="rate_limited")
    if isinstance(exc, ZaloQuotaExceeded):
        return SendError(str(exc), retry_after=QUOTA_WAIT, reason="quota")
    if isinstance(exc, ZaloUserBlocked):
        return SendError(str(exc), final=True, reason="blocked")
    if isinstance(exc, ZaloNoInteraction):
        return SendError(str(exc), final=True, reason="no_interaction")
    return SendError(str(exc), reason="error")


def to_incoming(channel: str, inbound: ZaloInbound) -> Incoming | None:
    """The neutral message for a Zalo message; None when there is nothing in it at all (a sticker or a voice
    message comes in without text, so the person is told to answer in words)."""
    attachment = next((a for a in (_attachment(inbound, item) for item in inbound.attachments) if a), None)
    unreadable = inbound.event in UNREADABLE_EVENTS or any(a.kind in UNREADABLE_KINDS for a in inbound.attachments)
    if not inbound.text.strip() and attachment is None and not unreadable:
        return None
    return Incoming(channel=channel, chat_id=inbound.chat_id, sender_id=inbound.user_id,
                    sender_name=inbound.user_name, text=inbound.text, chat_type=inbound.chat_type,
                    message_id=inbound.msg_id or None, reply_to_message_id=inbound.quote_msg_id,
                    attachment=attachment, update_key=inbound.event_id)


def _attachment(inbound: ZaloInbound, item) -> Attachment | None:
    kind = FILE_KINDS.get(item.kind)
    if kind is None or not item.url:
        return None
    if kind == "photo":
        return Attachment("photo", item.url, f"anh_{inbound.msg_id or 'zalo'}.jpg", "image/jpeg")
    return Attachment("document", item.url, item.name or "tep", "")


class ChoiceMemory:
    """Remembers the numbered choices last sent to a private chat, in the state the router reads back."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    def remember(self, *, channel: str, chat_id: str, message: Outgoing, message_ids: list[str] = ()) -> None:
        """Keep the buttons of `message` so a number answers them (pending questions are kept apart).

        A message sent on its own (a reminder, the desk's decision) without buttons retires the numbers before
        it; a reply in the chat of an update was remembered whole by the router, for the person it answered (a
        note after a question keeps the question's numbers there; in a group, one member's numbers are never
        the whole group's). The ids of a message with numbers are kept too, under the same key: a number quoting
        another message is not an answer to them.
        """
        data = [b.data for row in message.buttons for b in row]
        if not data and (message.numbers_kept or message.chat_id is None):
            return
        with Session(self.engine) as session:
            if not message.numbers_kept:
                save_choices(session, channel=channel, chat_id=chat_id, user_key=chat_id, data=data,
                             now=self.clock())
            if data and message_ids:
                save_carrier(session, channel=channel, chat_id=chat_id,
                             user_key=message.numbers_for if message.numbers_kept else chat_id,
                             message_ids=[str(i) for i in message_ids if i], now=self.clock())
            try:
                session.commit()
            except IntegrityError:  # the router wrote the same chat's choices at the same moment
                session.rollback()


MAX_REDIRECTS = 3


async def download(http: httpx.AsyncClient, url: str, limit: int, *,
                   allow_hosts: frozenset[str] = frozenset()) -> bytes:
    """The bytes at a Zalo media URL, refused politely when too large, unreachable or not on the internet.

    Redirects are followed by hand so each hop is checked: a URL (or a redirect) pointing at a private,
    loopback or link-local address is never fetched unless its host is in `allow_hosts`.
    """
    unreachable = _("Không tải được tệp từ Zalo. Hãy gửi lại.")
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            if not await public_media_url(url, allow_hosts):
                log.warning("refused a Zalo attachment URL that is not a public internet address")
                raise EvidenceError(unreachable)
            async with http.stream("GET", url, follow_redirects=False) as response:
                if response.is_redirect and response.headers.get("location"):
                    url = str(response.url.join(response.headers["location"]))
                    continue
                if response.status_code != 200:
                    raise EvidenceError(unreachable)
                return await _read_capped(response, limit)
        raise EvidenceError(unreachable)
    except httpx.HTTPError as exc:
        log.warning("downloading a Zalo attachment failed: %s", type(exc).__name__)
        raise EvidenceError(unreachable) from None


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    data = bytearray()
    async for chunk in response.aiter_bytes():
        data += chunk
        if len(data) > limit:
            raise EvidenceError(_("Tệp quá lớn. Giới hạn là {limit} MB.").format(limit=round(limit / 1048576, 1)))
    return bytes(data)


async def public_media_url(url: str, allow_hosts: frozenset[str] = frozenset()) -> bool:
    """True for an http(s) URL whose host resolves only to public addresses (or is explicitly allowed)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        return False
    host = (parsed.host or "").lower()
    if parsed.scheme not in ("http", "https") or not host:
        return False
    if host in allow_hosts:
        return True
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parsed.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    addresses = {info[4][0].split("%", 1)[0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_global for a in addresses)
