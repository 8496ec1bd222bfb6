"""Plain dataclasses for what Zalo sends us (Bot updates, OA webhook events) and answers to a send.

Every Zalo id stays a string: they are large integers that some JSON readers round.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, NamedTuple

BOT = "bot"
OA = "oa"

BOT_EVENTS = {
    "message.text.received", "message.image.received", "message.sticker.received",
    "message.voice.received", "message.unsupported.received",
}
OA_MESSAGE_EVENTS = {
    "user_send_text", "user_send_image", "user_send_file", "user_send_link", "user_send_sticker",
    "user_send_gif", "user_send_audio", "user_send_video", "user_send_location",
}
OA_FOLLOW_EVENTS = {"follow", "unfollow"}


class Attachment(NamedTuple):
    """A file, image or sticker that came with a message."""

    kind: str
    url: str
    name: str = ""


@dataclass(frozen=True)
class ZaloInbound:
    """One message or event from a Zalo user, the same shape for the Bot Platform and the OA."""

    source: str                      # "bot" | "oa"
    event_id: str                    # dedupe key, unique per message
    chat_id: str                     # where a reply goes
    user_id: str
    user_name: str
    text: str
    msg_id: str
    quote_msg_id: str | None
    attachments: list[Attachment] = field(default_factory=list)
    timestamp: datetime | None = None
    event: str = ""                  # Zalo's event_name
    chat_type: str = "private"       # private | group


@dataclass(frozen=True)
class SentMessage:
    """What Zalo answered to a send: the new message's id and when it was sent."""

    message_id: str
    sent_at: datetime | None = None


def from_millis(value: Any) -> datetime | None:
    """An aware UTC datetime from Zalo's millisecond timestamps (int or string)."""
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse_bot_update(payload: dict) -> ZaloInbound | None:
    """A Bot Platform update (wrapped in ok/result or flat) as ZaloInbound; None when it is not a message."""
    if payload.get("ok") is True and isinstance(payload.get("result"), dict):
        payload = payload["result"]
    event = str(payload.get("event_name", ""))
    message = payload.get("message")
    if event not in BOT_EVENTS or not isinstance(message, dict):
        return None
    sender = _dict(message.get("from"))
    chat = _dict(message.get("chat"))
    chat_id = _str(chat.get("id")) or _str(sender.get("id"))
    message_id = _str(message.get("message_id"))
    return ZaloInbound(
        source=BOT, event_id=f"{event}:{message_id}", chat_id=chat_id,
        user_id=_str(sender.get("id")) or chat_id, user_name=_str(sender.get("display_name")),
        text=_str(message.get("text") or message.get("caption")), msg_id=message_id,
        quote_msg_id=None,  # the Bot Platform documents no quoting
        attachments=_bot_attachments(event, message), timestamp=from_millis(message.get("date")),
        event=event, chat_type="group" if _str(chat.get("chat_type")).upper() == "GROUP" else "private",
    )


def _bot_attachments(event: str, message: dict) -> list[Attachment]:
    # Image field names differ between Zalo versions; OpenClaw's inbound parsing tries them all.
    if event == "message.image.received":
        url = _first_url(message, ("photo", "photo_url", "url", "image_url"))
        return [Attachment("image", url)] if url else []
    if event == "message.sticker.received":
        return [Attachment("sticker", _first_url(message, ("url", "sticker")))]
    if event == "message.voice.received":
        return [Attachment("audio", _first_url(message, ("voice_url", "url")))]
    return []


def _first_url(message: dict, keys: tuple[str, ...]) -> str:
    for key in keys:
        if message.get(key):
            return _str(message[key])
    for item in message.get("attachments") or []:
        url = _dict(_dict(item).get("payload")).get("url")
        if url:
            return _str(url)
    return ""


def parse_oa_event(payload: dict) -> ZaloInbound | None:
    """An OA webhook event as ZaloInbound; None for events a user did not send (delivery receipts…)."""
    event = str(payload.get("event_name", ""))
    if event in OA_FOLLOW_EVENTS:
        user_id = _str(_dict(payload.get("follower")).get("id")) or _str(_dict(payload.get("sender")).get("id"))
        message: dict = {}
    elif event in OA_MESSAGE_EVENTS:
        user_id = _str(_dict(payload.get("sender")).get("id"))
        message = _dict(payload.get("message"))
    else:
        return None
    if not user_id:
        return None
    msg_id = _str(message.get("msg_id"))
    stamp = _str(payload.get("timestamp"))
    return ZaloInbound(
        source=OA, event_id=msg_id or f"{event}:{user_id}:{stamp}", chat_id=user_id, user_id=user_id,
        user_name="", text=_str(message.get("text")), msg_id=msg_id,
        quote_msg_id=_str(message.get("quote_msg_id")) or None,
        attachments=[_oa_attachment(item) for item in message.get("attachments") or [] if isinstance(item, dict)],
        timestamp=from_millis(stamp), event=event,
    )


def _oa_attachment(item: dict) -> Attachment:
    payload = _dict(item.get("payload"))
    return Attachment(_str(item.get("type")), _str(payload.get("url")), _str(payload.get("name")))


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return "" if value is None else str(value)
