"""Plain dataclasses for what Zalo sends us (Bot updates, OA webhook events) and answers to a send.

Every Zalo id stays a string: they are large integers that some JSON readers round.
"""
from __future__ import annotations

import hashlib
import json
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


def content_key(payload: Any) -> str:
    """A short digest of an event's content: replays of one event share it, different events do not."""
    try:
        data = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        data = repr(payload)[:100_000]
    return hashlib.sha256(data.encode("utf-8", "replace")).hexdigest()[:32]


def parse_bot_update(payload: Any) -> ZaloInbound | None:
    """A Bot Platform update (wrapped in ok/result or flat) as ZaloInbound; None when it is not a message."""
    if not isinstance(payload, dict):
        return None
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
    # Without a message_id the content itself identifies the update (else every such update looks alike).
    event_id = f"{event}:{message_id}" if message_id else f"{event}:c{content_key(payload)}"
    return ZaloInbound(
        source=BOT, event_id=event_id, chat_id=chat_id,
        user_id=_str(sender.get("id")) or chat_id, user_name=_str(sender.get("display_name")),
        text=_str(message.get("text") or message.get("caption")), msg_id=message_id,
        quote_msg_id=None,  # the Bot Platform documents no quoting
        attachments=_bot_attachments(event, message), timestamp=from_millis(message.get("date")),
        event=event, chat_type="group" if _str(chat.get("chat_type")).upper() == "GROUP" else "private",
    )


def _bot_attachments(event: str, message: dict) -> list[Attachment]:
    # Image field names differ between Zalo versions; OpenClaw's inbound parsing tries them all.
    if event == "message.image.received":
        url = _first_url(message, ("photo", "photo_url", "url", "image_url", "image"))
        return [Attachment("image", url)] if url else []
    if event == "message.sticker.received":
        return [Attachment("sticker", _first_url(message, ("url", "sticker")))]
    if event == "message.voice.received":
        return [Attachment("audio", _first_url(message, ("voice_url", "url")))]
    return []


def _first_url(message: dict, keys: tuple[str, ...]) -> str:
    for key in keys:
        url = _url_of(message.get(key))
        if url:
            return url
    for item in _list(message.get("attachments")):
        item = _dict(item)
        url = _url_of(_dict(item.get("payload")).get("url")) or _url_of(item.get("url"))
        if url:
            return url
    return ""


def _url_of(value: Any) -> str:
    """A URL given as a string, or inside an object ({"url": …} / {"photo_url": …}), else ""."""
    if isinstance(value, str):
        return value if value.startswith(("https://", "http://")) else ""
    if isinstance(value, dict):
        return next((_url_of(value.get(k)) for k in ("url", "photo_url", "src") if _url_of(value.get(k))), "")
    if isinstance(value, list) and value:
        return _url_of(value[-1])  # a list of sizes: the last is the largest in every sample seen
    return ""


def parse_oa_event(payload: Any) -> ZaloInbound | None:
    """An OA webhook event as ZaloInbound; None for events a user did not send (delivery receipts…)."""
    if not isinstance(payload, dict):
        return None
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
        source=OA, event_id=msg_id or f"{event}:{user_id}:{stamp or content_key(payload)}", chat_id=user_id,
        user_id=user_id, user_name="", text=_str(message.get("text")), msg_id=msg_id,
        quote_msg_id=_str(message.get("quote_msg_id")) or None,
        attachments=[_oa_attachment(item) for item in _list(message.get("attachments")) if isinstance(item, dict)],
        timestamp=from_millis(stamp), event=event,
    )


def _oa_attachment(item: dict) -> Attachment:
    payload = _dict(item.get("payload"))
    return Attachment(_str(item.get("type")), _str(payload.get("url")), _str(payload.get("name")))


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value)
