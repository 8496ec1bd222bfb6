"""Entry point of the conversation core: one incoming message in, replies out, one commit."""
from __future__ import annotations

import logging
from functools import cache

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError, InternalError, OperationalError
from sqlmodel import Session

from handlers import extensions, officers, plan_upload, reports, staff, start, web_link
from handlers import people as people_admin
from handlers.context import Services, Turn
from handlers.messages import Incoming, Outgoing, is_number
from i18n import _, ngettext, use_locale
from services import choices, conversation, people, queries
from services.clean_text import clean_name, strip_controls
from storage.errors import describe
from storage.models import MessageRef

log = logging.getLogger(__name__)

COMMANDS = {
    "start": start.cmd_start, "help": start.cmd_help, "lang": start.cmd_lang,
    "viec": staff.cmd_my_tasks, "mytasks": staff.cmd_my_tasks, "undo": staff.cmd_undo,
    "overdue": officers.cmd_overdue, "quahan": officers.cmd_overdue, "upcoming": officers.cmd_upcoming,
    "tasks": officers.cmd_tasks, "status": officers.cmd_status, "find": officers.cmd_find,
    "invite": officers.cmd_invite, "people": people_admin.cmd_people, "remove": people_admin.cmd_remove,
    "giahan": extensions.cmd_extensions,
    "baocao": reports.cmd_report, "report": reports.cmd_report,
    "web": web_link.cmd_web,
}
OPEN_TO_STRANGERS = {"start", "help", "lang"}


async def handle(incoming: Incoming, services: Services) -> list[Outgoing]:
    """Apply one incoming message; a redelivered update changes nothing and gets no answer."""
    _clean(incoming)
    try:
        return await _handle(incoming, services)
    except (OperationalError, InternalError) as exc:  # database locked, full or read-only: nothing was saved, say so
        log.error("update %s not saved: %s", incoming.update_key, describe(exc) or exc)
        return [Outgoing(text=_("Hệ thống tạm thời không lưu được tin của đồng chí (lỗi lưu trữ dữ liệu); chưa có "
                                "gì thay đổi. Vui lòng gửi lại sau ít phút."),
                         notice=_("Chưa lưu được, vui lòng thử lại sau."))]
    except Exception:  # a fault of ours: nothing was committed; the person is told so, the log has the traceback
        log.exception("update %s failed", incoming.update_key)
        return [Outgoing(text=_("Hệ thống gặp lỗi khi xử lý tin này nên chưa ghi nhận gì. Đồng chí vui lòng thử lại; "
                                "nếu vẫn lỗi, xin báo cán bộ phụ trách CCHC."),
                         notice=_("Hệ thống gặp lỗi, chưa ghi nhận gì."))]


def _clean(incoming: Incoming) -> None:
    """Control characters and bidi overrides never get past the door (texts, names, file names)."""
    incoming.text = strip_controls(incoming.text)
    incoming.sender_name = clean_name(incoming.sender_name)
    if incoming.attachment is not None:
        incoming.attachment.name = clean_name(incoming.attachment.name)


async def _handle(incoming: Incoming, services: Services) -> list[Outgoing]:
    with Session(services.engine, expire_on_commit=False) as session:
        arrived = conversation.arrive(session, channel=incoming.channel, key=incoming.update_key,
                                      chat_id=incoming.chat_id, sender_id=incoming.sender_id)
        if arrived.seen:
            return []
        # A chat that had blocked the bot (or that Zalo's window shut) and writes again is reachable: its
        # reminders resume, in this update's transaction.
        reopened = bool(arrived.closed and people.reopen_links(session, channel=incoming.channel,
                                                                chat_id=incoming.chat_id))
        if reopened:
            log.info("a %s chat that could not be reached wrote again; its links are active", incoming.channel)
        user, renamed = people.ensure_user(session, channel=incoming.channel, external_id=incoming.sender_id,
                                           name=incoming.sender_name, found=arrived.user)
        group = (people.group_link(session, channel=incoming.channel, chat_id=incoming.chat_id)
                 or people.moved_group_link(session, channel=incoming.channel, chat_id=incoming.chat_id)
                 if incoming.chat_type == "group" else None)
        turn = Turn(services=services, session=session, incoming=incoming, user=user, group=group)
        if arrived.unit_removed is not None:  # already asked with the rest: Turn.linked need not ask again
            turn.unit_checked = (user.unit_id, arrived.unit_removed)
        number = _numbered_choice(turn)
        with use_locale(user.lang):
            await _dispatch(turn, number)
            if reopened:
                _missed_requests(turn)
        _remember_choices(turn, retire=not _unread(incoming, number))
        # Written last: a write takes SQLite's lock until the commit, and a turn may await a file's download.
        if renamed:
            people.keep_name(session, user_id=user.id, name=incoming.sender_name)
        people.touch_inbound(session, channel=incoming.channel, chat_id=incoming.chat_id, at=turn.now)
        try:
            if incoming.update_key:
                conversation.record_processed(session, channel=incoming.channel, key=incoming.update_key)
            session.commit()
        except IntegrityError:  # the same update handled concurrently elsewhere
            session.rollback()
            return []
        return turn.out


def _missed_requests(turn: Turn) -> None:
    """An officer the channel could not reach (Zalo's window shut) writes again: extension requests sent while
    the chat was closed never arrived, so say that requests wait and how to decide them."""
    if turn.incoming.chat_type != "private" or not turn.is_officer or (turn.incoming.text or "").startswith("/giahan"):
        return
    waiting = len(queries.pending_extensions(turn.session))
    if waiting:
        turn.reply(ngettext("📅 Có {n} đề nghị gia hạn đang chờ duyệt (có thể Hệ thống chưa gửi được tới đồng chí "
                            "trong thời gian Zalo tạm ngừng liên lạc). Gõ /giahan để xem và quyết định.",
                            "📅 Có {n} đề nghị gia hạn đang chờ duyệt (có thể Hệ thống chưa gửi được tới đồng chí "
                            "trong thời gian Zalo tạm ngừng liên lạc). Gõ /giahan để xem và quyết định.",
                            waiting).format(n=waiting))


async def _dispatch(turn: Turn, number: str | None) -> None:
    incoming = turn.incoming
    data = incoming.button_data or number
    if data:
        if not turn.linked and not data.startswith("lang:"):
            start.explain_join(turn)
            return
        await _button(turn, data)
        return
    text = (incoming.text or "").strip()
    if text.startswith("/"):
        name, _sep, args = text[1:].partition(" ")
        name = name.split("@", 1)[0].lower()
        handler = COMMANDS.get(name)
        if handler is None:
            turn.reply(_("Không có lệnh /{name}. Gõ /help để xem các lệnh.").format(name=name[:30]))
        elif not turn.linked and name not in OPEN_TO_STRANGERS:
            start.explain_join(turn)
        else:
            await handler(turn, args.strip())
        return
    if not turn.linked:
        if text and start.looks_like_code(text):
            await start.cmd_start(turn, text)
        elif incoming.chat_type == "private":
            start.explain_join(turn)
        return
    if incoming.attachment is not None and await plan_upload.on_file(turn):
        return
    await staff.on_text(turn, text)


async def _button(turn: Turn, data: str) -> None:
    if data.startswith(("xa:", "p:")):
        await officers.on_button(turn, data)
    elif data.startswith("pl:"):
        await plan_upload.on_button(turn, data)
    elif data.startswith(("sn:", "ci:", "cid:")):
        from handlers import reminder_buttons
        await reminder_buttons.on_button(turn, data)
    else:
        await staff.on_button(turn, data)


def _numbered_choice(turn: Turn) -> str | None:
    """On channels without buttons, '1', '2'… answer the last numbered question."""
    text = (turn.incoming.text or "").strip()
    if not is_number(text) or turn.services.inline_buttons.get(turn.incoming.channel, False):
        return None
    incoming = turn.incoming
    owners = choices.owners(sender_id=incoming.sender_id, chat_id=incoming.chat_id, group=incoming.chat_type == "group")
    if choices.quotes_another(turn.session, channel=incoming.channel, chat_id=incoming.chat_id, user_keys=owners,
                              quoted=incoming.reply_to_message_id, now=turn.now):
        return None   # "3" quoting an older list: the latest one's 3 is another task
    load = choices.load_member_choices if incoming.chat_type == "group" else choices.load_choices
    data = load(turn.session, channel=incoming.channel, chat_id=incoming.chat_id, user_key=incoming.sender_id,
                now=turn.now)
    index = int(text) - 1
    return data[index] if 0 <= index < len(data) else None


def _unread(incoming: Incoming, number: str | None) -> bool:
    """Nothing in the message was read: a sticker or a voice note, or a bare number that matches no choice."""
    if incoming.button_data or incoming.attachment is not None:
        return False
    text = (incoming.text or "").strip()
    return not text or (is_number(text) and number is None)


def _remember_choices(turn: Turn, *, retire: bool = True) -> None:
    """Keep the buttons of the last question to each chat, so a number answers that question.

    A reply without numbered choices retires the numbers this person had in this chat (`retire`; not when
    nothing they sent was read, since the question above still stands): a "2" typed after it must never
    answer a question the person no longer sees. In a group, only that person's numbers.
    A message sent to another private chat (an extension request to an officer) replaces what that
    chat's numbers meant: "1" there must answer the request, never an older card.
    """
    last: dict[tuple[str, str, str], list[str]] = {}
    for m in turn.out:
        channel = m.channel or turn.incoming.channel
        if turn.services.inline_buttons.get(channel, False):
            continue
        chat_id, user_key = ((turn.incoming.chat_id, turn.incoming.sender_id) if m.chat_id is None
                             else (str(m.chat_id), str(m.chat_id)))
        key = (channel, chat_id, user_key)
        if m.buttons or m.chat_id is not None or (retire and key not in last):  # a note after a question
            last[key] = [b.data for row in m.buttons for b in row]                # leaves its numbers
        # In a group, a reply's numbers are the member's it answers: the messenger must not keep them for the whole
        # group (a reminder's are; a colleague's "2" must never answer this member's question).
        m.numbers_kept = m.chat_id is None
        m.numbers_for = turn.incoming.sender_id if m.numbers_kept else None
    for (channel, chat_id, user_key), data in last.items():
        choices.save_choices(turn.session, channel=channel, chat_id=chat_id, user_key=user_key, data=data,
                             now=turn.now)


def remember_sent(services: Services, *, channel: str, chat_id: str, message_ids: list[str], about: list[int]) -> None:
    """After sending: which assignments those messages were about (so replies and quotes apply to them); one commit."""
    if not about or not message_ids:
        return
    at = services.clock()
    rows = [{"channel": channel, "chat_id": str(chat_id), "message_id": str(message_id), "assignment_id": assignment_id,
             "at": at} for message_id in dict.fromkeys(message_ids) for assignment_id in dict.fromkeys(about)]
    try:
        with services.engine.begin() as conn:  # a few rows, no objects to track: Core, one statement
            conn.execute(_add_refs(), rows)
    except IntegrityError:  # an edited message already known: keep what is not
        if len(message_ids) > 1:
            for message_id in message_ids:
                remember_sent(services, channel=channel, chat_id=chat_id, message_ids=[message_id], about=about)


@cache
def _add_refs():
    return insert(MessageRef.__table__)
