"""The sending side every channel offers, and the errors delivery must tell apart."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from handlers.messages import Attachment, Outgoing


class SendError(Exception):
    """Sending failed. `final` errors will never succeed (blocked, kicked, chat gone); with `message_only` it is
    this message that can never go (its content was refused) while the chat stays reachable. `stops_channel`:
    the whole channel cannot send until an operator acts (billing, credentials); wait `retry_after`."""

    def __init__(self, message: str, *, final: bool = False, retry_after: float | None = None,
                 migrated_to: str | None = None, reason: str = "", message_only: bool = False,
                 stops_channel: bool = False) -> None:
        super().__init__(message)
        self.final = final
        self.message_only = message_only
        self.stops_channel = stops_channel
        self.retry_after = retry_after
        self.migrated_to = migrated_to
        self.reason = reason or message


@dataclass
class Sent:
    """What the channel answered: the id of the message it created."""

    message_id: str


class Messenger(Protocol):
    """A chat channel seen from the core: send, edit, fetch files."""

    channel: str
    inline_buttons: bool
    max_text: int

    async def send(self, chat_id: str, message: Outgoing) -> list[Sent]: ...

    async def edit(self, chat_id: str, message_id: str, message: Outgoing) -> None: ...

    async def fetch(self, attachment: Attachment) -> bytes: ...


def split_text(text: str, limit: int) -> list[str]:
    """Cut long text at line breaks (or spaces) so each part fits the channel's limit."""
    parts, current = [], ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            parts.append((current + "\n" + line[:cut]).strip("\n") if current else line[:cut])
            current, line = "", line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def numbered(message: Outgoing) -> str:
    """Buttons as numbered choices, for channels without inline buttons (console, Zalo Bot)."""
    from i18n import _, use_locale
    choices = [b for row in message.buttons for b in row]
    if not choices:
        return message.text
    with use_locale(message.lang):
        lines = [message.text, "", _("Trả lời bằng số:")]
    lines += [f"{i}. {b.label}" for i, b in enumerate(choices, 1)]
    return "\n".join(lines)
