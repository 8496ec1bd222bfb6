"""The console channel: a terminal chat with the same handlers; buttons become numbered choices."""
from __future__ import annotations

import itertools
import shlex
import sys
from pathlib import Path
from typing import Callable, TextIO

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.dispatch import Dispatcher
from bot.messenger import Sent, numbered
from handlers.context import Services
from handlers.messages import Attachment, Incoming, Outgoing
from i18n import _
from services.conversation import last_message_number, next_message_number
from storage.models import ChatLink, ChatUser, MemberRole, Unit

CHANNEL = "console"


class ConsoleMessenger:
    """Prints messages with an id, so '#id text' can reply to one."""

    channel = CHANNEL
    inline_buttons = False
    max_text = 100_000

    def __init__(self, out: TextIO, chat_id: str, engine: Engine | None = None) -> None:
        self.out = out
        self.chat_id = chat_id
        self.engine = engine
        self._ids = itertools.count(1)  # without a database (tests of the printing alone)

    def _number(self, chat_id: str) -> str:
        """Numbers go on across sessions: "#2" of yesterday is never today's "#2"."""
        if self.engine is None:
            return str(next(self._ids))
        with Session(self.engine) as session:
            number = next_message_number(session, channel=CHANNEL, chat_id=chat_id)
            session.commit()
        return str(number)

    def last_number(self) -> int:
        """The highest number given in this chat so far."""
        with Session(self.engine) as session:
            return last_message_number(session, channel=CHANNEL, chat_id=self.chat_id)

    async def send(self, chat_id: str, message: Outgoing) -> list[Sent]:
        message_id = self._number(chat_id)
        prefix = "" if chat_id == self.chat_id else _("(gửi tới {chat}) ").format(chat=chat_id)
        self.out.write(f"\n[#{message_id}] {prefix}{numbered(message)}\n")
        for file in message.files:
            self.out.write(_("📎 {name} ({size} KB)").format(name=file.name, size=max(1, len(file.data) // 1024))
                           + "\n")
        self.out.flush()
        return [Sent(message_id)]

    async def edit(self, chat_id: str, message_id: str, message: Outgoing) -> None:
        self.out.write(f"\n[#{message_id} ✎] {numbered(message)}\n")
        self.out.flush()

    async def fetch(self, attachment: Attachment) -> bytes:
        return Path(attachment.file_id).read_bytes()


def console_identity(session: Session, *, unit_code: str | None, officer: bool) -> tuple[ChatUser, Unit]:
    """The local person: a member of `unit_code`, or an officer (of Văn phòng Sở by default)."""
    units = list(session.exec(select(Unit).order_by(Unit.id)))
    if not units:
        raise LookupError(_("Chưa có đơn vị nào. Hãy nạp danh mục: nhacviec units load samples/units.csv"))
    code = (unit_code or ("VP" if officer else units[0].code)).upper()
    unit = next((u for u in units if u.code.upper() == code), None)
    if unit is None:
        raise LookupError(_("Không có đơn vị mã {code}").format(code=code))
    role = MemberRole.OFFICER if officer else MemberRole.MEMBER
    external = f"{'officer' if officer else 'member'}-{unit.code}"
    user = session.exec(select(ChatUser).where(ChatUser.channel == CHANNEL, ChatUser.external_id == external)).first()
    user = user or ChatUser(channel=CHANNEL, external_id=external, display_name=_("Người dùng console"))
    user.unit_id, user.role, user.active = unit.id, role, True
    session.add(user)
    session.flush()
    link = session.exec(select(ChatLink).where(ChatLink.channel == CHANNEL, ChatLink.chat_id == external)).first()
    session.add(link or ChatLink(channel=CHANNEL, chat_id=external, unit_id=unit.id, user_id=user.id, role=role))
    session.commit()
    return user, unit


def parse_line(line: str, *, chat_id: str, sender: str, counter: Callable[[], int]) -> Incoming | None:
    """One typed line: text, '#12 xong' (reply to message 12), '/file PATH [text]'."""
    line = line.strip()
    if not line:
        return None
    reply_to = None
    if line.startswith("#") and " " in line and line[1:line.index(" ")].isdigit():
        reply_to, line = line[1:line.index(" ")], line[line.index(" ") + 1:]
    attachment = None
    if line.startswith("/file "):
        parts = shlex.split(line[6:]) or [""]
        path = Path(parts[0]).expanduser()
        if not path.is_file():
            return Incoming(channel=CHANNEL, chat_id=chat_id, sender_id=sender, text="", update_key=None)
        attachment = Attachment(kind="document", file_id=str(path), name=path.name, size=path.stat().st_size)
        line = " ".join(parts[1:])
    return Incoming(channel=CHANNEL, chat_id=chat_id, sender_id=sender, text=line, reply_to_message_id=reply_to,
                    attachment=attachment, message_id=str(counter()))


async def run_console(services: Services, *, user: ChatUser, unit: Unit, stdin: TextIO | None = None,
                      stdout: TextIO | None = None) -> None:
    """Read lines until EOF or /quit, answering each through the core."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    messenger = ConsoleMessenger(stdout, user.external_id, services.engine)
    dispatcher = Dispatcher(services, {CHANNEL: messenger})
    counter = itertools.count(1).__next__
    stdout.write(_("Nhắc việc — kênh console. Đồng chí là {role} của {unit}. Gõ /help, /viec; \"#số tin nội dung\" để "
                   "trả lời một tin; \"/file ĐƯỜNG_DẪN xong\" để gửi tệp; /quit để thoát.\n").format(
        role=_("cán bộ theo dõi CCHC") if user.role == MemberRole.OFFICER else _("cán bộ"), unit=unit.name))
    for line in stdin:
        if line.strip() in ("/quit", "/exit", "/thoat"):
            break
        incoming = parse_line(line, chat_id=user.external_id, sender=user.external_id, counter=counter)
        if incoming is None:
            continue
        if not incoming.text and incoming.attachment is None:
            stdout.write(_("Không tìm thấy tệp.\n"))
            continue
        if incoming.reply_to_message_id and int(incoming.reply_to_message_id) > messenger.last_number():
            stdout.write(_("Không có tin #{number} trong cuộc trò chuyện này.\n").format(
                number=incoming.reply_to_message_id))
            continue
        stdout.write("> " + line.strip() + "\n") if not stdin.isatty() else None
        await dispatcher.process(incoming)
    stdout.write(_("Tạm biệt!\n"))
