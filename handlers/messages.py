"""Channel-neutral messages: what every adapter turns updates into, and what handlers answer."""
from __future__ import annotations

from dataclasses import dataclass, field


def is_number(text: str) -> bool:
    """Typed digits 0-9 only: "²", "١" or "①" pass str.isdigit() yet are no number int() reads."""
    return text.isascii() and text.isdigit()


MAX_ROW_ID = 2**63 - 1  # the largest id SQLite (and PostgreSQL's bigint) can be asked about


def row_id(text: str) -> int:
    """The id a button's data names: ASCII digits only, within what the database can be asked about.

    ValueError for anything else (a tampered or cut button, "²", a number too large to bind), so a handler
    answers it as a button that no longer works instead of failing in the database.
    """
    if not is_number(text) or int(text) > MAX_ROW_ID:
        raise ValueError(text)
    return int(text)


@dataclass(frozen=True)
class Button:
    """A choice: the label shown and the data that comes back when chosen."""

    label: str
    data: str


@dataclass
class Attachment:
    """A file the person sent (document or photo); bytes are fetched through the channel."""

    kind: str              # document | photo
    file_id: str
    name: str = ""
    mime: str = ""
    size: int | None = None


@dataclass
class Incoming:
    """One thing a person did in a chat."""

    channel: str
    chat_id: str
    sender_id: str
    sender_name: str = ""
    text: str = ""
    chat_type: str = "private"          # private | group
    message_id: str | None = None
    reply_to_message_id: str | None = None
    button_data: str | None = None
    button_message_id: str | None = None
    attachment: Attachment | None = None
    update_key: str | None = None       # unique per delivered update, for idempotency


@dataclass(frozen=True)
class OutFile:
    """A file sent with a message (a report's document, workbook or chart)."""

    name: str
    data: bytes
    mime: str = "application/octet-stream"


@dataclass
class Outgoing:
    """One message to send (or a message to edit, or a short notice on a button press)."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    chat_id: str | None = None          # None: the chat the incoming came from
    channel: str | None = None
    about: list[int] = field(default_factory=list)   # assignment ids, remembered for replies/quotes
    edit_message_id: str | None = None
    notice: str | None = None           # answer to a button press (toast)
    lang: str | None = None
    files: list[OutFile] = field(default_factory=list)   # sent after the text, in order
    silent: bool = False                # no notification sound (a resend that may already have arrived)
    numbers_kept: bool = False          # its numbered choices were kept by the router, for the person answered
    numbers_for: str | None = None      # …whose key that is (the sender): the messenger keeps the message id there
    fields: dict[str, str] = field(default_factory=dict)   # task, due_date, unit, code, count: template channels
