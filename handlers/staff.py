"""Staff of a unit: /viec, the status buttons, /undo, extension requests."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta


from handlers import answers, start
from handlers.context import UNREAD, Turn
from handlers.extensions import past_deadline_note
from handlers.messages import MAX_ROW_ID, Button, is_number, row_id
from handlers.render import (PAGE_SIZE, due_phrase, fit, list_buttons, nav_buttons, occurrence, page, short,
                             status_buttons, task_card, task_line, which_task)
from i18n import _, fmt_date, use_locale
from services import access, conversation, people, queries
from services.extensions import ExtensionError, request_extension
from services.labels import status_label, task_heading, task_no, task_ref
from services.status import NotAllowed, undo_last
from storage.models import ChatState, Status

INTENT_STATUS = {"done": Status.DONE, "prog": Status.IN_PROGRESS, "open": Status.OPEN}


PARTNER_WORDS = ("phoihop", "phối hợp", "phoi hop", "partner")
ACTS_ON_ASSIGNMENT = ("s", "open", "x", "xd", "pick", "ev")


async def cmd_my_tasks(turn: Turn, args: str, number: int = 0) -> None:
    """/viec [phoihop]: the unit's open assignments (chủ trì; phối hợp on request), nearest deadline first."""
    partners = args.strip().lower() in PARTNER_WORDS
    roles = ("partner",) if partners else turn.services.settings.tracked_roles
    hinted = not partners and "partner" not in roles  # the list ends with how many phối hợp tasks it leaves out
    keys = queries.current_keys(turn.session, unit_id=turn.task_unit_id,
                                roles=(*roles, "partner") if hinted else roles)
    ids = queries.current_of(keys, roles, turn.today)
    hint = _partner_hint(len(queries.current_of(keys, ("partner",), turn.today))) if hinted else ""
    if not ids:
        turn.reply(_("Đơn vị của đồng chí không có nhiệm vụ nào đang mở. 👍") + hint)
        return
    shown, number, pages = page(ids, number)
    items = queries.with_pending(turn.session, queries.read_views_of(turn.session, shown))
    header = (_("Đơn vị phối hợp {n} nhiệm vụ đang mở (trang {page}/{pages}):") if partners else
              _("Đơn vị có {n} nhiệm vụ đang mở (trang {page}/{pages}):")).format(
        n=len(ids), page=number + 1, pages=pages)
    nav = nav_buttons("mine", "phoihop" if partners else "-", number, pages)
    lines = [header] + [task_line(v, turn.today, index=i, work=turn.work) for i, v in enumerate(items, 1)]
    # One message for the whole page (Telegram allows ~30 messages/s for the bot as a whole): a line per task and,
    # where buttons sit under the message, "done" and "open" for each; elsewhere numbered choices that open a card.
    if turn.services.inline_buttons.get(turn.incoming.channel, False):
        choices = list_buttons(items)
    else:
        choices = [[Button(_("Mở {ref}").format(ref=v.task.title if v.task.source == "calendar" else
                                          task_ref(v.task.number, v.task.source)) + occurrence(v, turn.work), f"open:{v.id}")]
                   for v in items]
    turn.reply(fit(lines) + hint, buttons=choices + nav, about=[v.id for v in items])


def _partner_hint(count: int) -> str:
    return _("\n(Đơn vị còn phối hợp {n} nhiệm vụ: gõ /viec phoihop để xem.)").format(n=count) if count else ""


async def on_button(turn: Turn, data: str) -> None:
    """Button presses (and numbered answers) of staff."""
    kind, _sep, rest = data.partition(":")
    parts = rest.split(":")
    try:
        if kind in ACTS_ON_ASSIGNMENT:  # the actor is checked before anything is written or shown
            access.assignment_for(turn.session, actor=turn.actor, assignment_id=row_id(parts[0]))
        if kind == "s":  # exactly "s:<id>:<answer>": an answer the bot never offers is no "done"
            if len(parts) != 2:
                raise ValueError(data)
            await answers.apply_status(turn, row_id(parts[0]), INTENT_STATUS[parts[1]], edit=_editable(turn))
        elif kind == "open":
            show_card(turn, row_id(parts[0]))
        elif kind == "x":
            ask_extension_date(turn, row_id(parts[0]))
        elif kind == "xd":
            ask_extension(turn, row_id(parts[0]), date.fromisoformat(parts[1]))
        elif kind == "pick":  # "pick:<id>:<answer>[:<date>]"
            if len(parts) > 3:
                raise ValueError(data)
            await answers.apply_pick(turn, row_id(parts[0]), parts[1], parts[2] if len(parts) > 2 else "-")
        elif kind == "ev":
            await answers.attach_pending(turn, row_id(parts[0]))
        elif kind == "lang":
            start.set_language(turn, parts[0])
        else:
            turn.reply(_("Nút này không còn dùng được. Gõ /viec để xem lại nhiệm vụ."))
    except NotAllowed as exc:
        turn.reply(str(exc))
    except (ValueError, IndexError, LookupError):
        gone = (answers.left_plan(turn, [int(parts[0])]) if kind in ACTS_ON_ASSIGNMENT and is_number(parts[0])
                and int(parts[0]) <= MAX_ROW_ID else [])
        turn.reply(answers.dropped_notice(gone) if gone else _("Nút này không còn dùng được. Gõ /viec để xem lại "
                                                                "nhiệm vụ."))


def _editable(turn: Turn) -> str | None:
    """The pressed message may become the task's card only if it was about that one task (not a reminder list)."""
    message_id = turn.incoming.button_message_id
    if message_id is None:
        return None
    about = conversation.assignments_of_message(turn.session, channel=turn.incoming.channel,
                                                chat_id=turn.incoming.chat_id, message_id=message_id)
    return message_id if len(about) <= 1 else None


def show_card(turn: Turn, assignment_id: int) -> None:
    """One task with its three answers."""
    v = queries.view(turn.session, assignment_id)
    if v is None:
        raise ValueError(assignment_id)
    turn.reply(task_card(v, turn.today, turn.work), buttons=status_buttons(v.id, v.assignment.status), about=[v.id])


def ask_extension_date(turn: Turn, assignment_id: int) -> None:
    """'Xin gia hạn' pressed: ask for the new date, with quick choices."""
    v = queries.view(turn.session, assignment_id)
    if v is None:
        raise ValueError(assignment_id)
    base = max(v.assignment.due_on or turn.today, turn.today)
    choices = [base + timedelta(days=d) for d in (3, 7, 14)]
    set_state(turn, "await_ext", {"assignment_id": assignment_id})
    turn.reply(_("Đồng chí xin gia hạn nhiệm vụ {number} đến ngày nào? Chọn hoặc gõ ngày (ví dụ: \"đến {example}\").").format(
        number=which_task(v, turn.work), example=fmt_date(choices[1])[:5]),
        buttons=[[Button(fmt_date(d), f"xd:{assignment_id}:{d.isoformat()}") for d in choices]], about=[v.id])


def ask_extension(turn: Turn, assignment_id: int, new_due: date, reason: str = "") -> None:
    """Record the request and send it to the officers with Đồng ý / Từ chối."""
    v = queries.view(turn.session, assignment_id)
    if v is None:
        raise ValueError(assignment_id)
    try:
        request = request_extension(turn.session, assignment=v.assignment, new_due=new_due, actor=turn.actor,
                                    now=turn.now, reason=reason)
    except (ExtensionError, NotAllowed) as exc:
        clear_state(turn)  # a question left from before (another unit's task, a move) must not stick for hours
        turn.reply(str(exc), buttons=_days_after_deadline(turn, v, new_due, reason))
        return
    clear_state(turn)
    turn.reply(_("Đã gửi đề nghị gia hạn nhiệm vụ {number} đến {date}. Hệ thống sẽ báo khi được duyệt.").format(
        number=which_task(v, turn.work), date=fmt_date(new_due)))
    for link in people.officer_links(turn.session):
        with use_locale(link.lang):
            turn.send_to(link, _("📅 {unit} xin gia hạn nhiệm vụ {task}\nHạn hiện tại: {old} → xin đến: "
                                 "{new}\nNgười đề nghị: {who}").format(
                unit=v.unit.name, task=task_heading(v.task, short(v.task.title, 150)),
                old=fmt_date(v.assignment.due_on), new=fmt_date(new_due), who=turn.actor.name)
                + past_deadline_note(v.assignment.due_on, turn.today),
                buttons=[[Button(_("Đồng ý"), f"xa:{request.id}:ok"), Button(_("Từ chối"), f"xa:{request.id}:no")]],
                about=[v.id])


# "5 ngày", "2 tuần", "1 thang" (typed without marks too): a length of time, not a day; "31 tháng 5" and "20/5"
# write a day, which is never offered as a length.
_SOME_DAYS = re.compile(r"\b\d{1,3}\s*(?:ngày|ngay|hôm|hom|tuần|tuan|tháng|thang)\b", re.IGNORECASE)
_WRITTEN_DATE = re.compile(r"\d{1,2}\s*[/.-]\s*\d{1,2}|\d{1,2}\s*(?:tháng|thang)\s*\d{1,2}", re.IGNORECASE)


def _days_after_deadline(turn: Turn, v, new_due: date, words: str) -> list[list[Button]]:
    """ "xin gia hạn 5 ngày" counts from today; when that falls on or before the deadline, the unit surely meant as
    many days after it. Never assumed: offered as a choice with its date, the refusal above it."""
    due = v.assignment.due_on
    if (due is None or new_due > due or new_due <= turn.today or not _SOME_DAYS.search(words or "")
            or _WRITTEN_DATE.search(words or "")):
        return []
    later = due + (new_due - turn.today)
    return [[Button(_("📅 Xin gia hạn đến {date}").format(date=fmt_date(later)), f"xd:{v.id}:{later.isoformat()}")]]


async def cmd_undo(turn: Turn, args: str) -> None:
    """/undo: revert the sender's last change within 10 minutes."""
    try:
        result = undo_last(turn.session, actor=turn.actor, now=turn.now)
    except NotAllowed as exc:
        turn.reply(str(exc))
        return
    if result is None:
        turn.reply(_("Không có thay đổi nào của đồng chí trong 10 phút qua để hoàn tác."))
        return
    change, assignment = result
    v = queries.view(turn.session, assignment.id)
    turn.reply(_("Đã hoàn tác. Nhiệm vụ {number} trở lại: {status}.").format(
        number=which_task(v, turn.work), status=status_label(assignment.status)), buttons=status_buttons(v.id, assignment.status), about=[v.id])


def set_state(turn: Turn, kind: str, payload: dict, hours: int = 12) -> None:
    """Remember what the bot is waiting for from this person in this chat."""
    state = get_state(turn, any_kind=True) or ChatState(
        channel=turn.incoming.channel, chat_id=turn.incoming.chat_id, user_key=turn.incoming.sender_id,
        kind=kind, expires_at=turn.now)
    state.kind, state.payload, state.expires_at = kind, json.dumps(payload), turn.now + timedelta(hours=hours)
    turn.session.add(state)
    turn.question = state


def get_state(turn: Turn, kind: str | None = None, any_kind: bool = False) -> ChatState | None:
    """The pending question in this chat, if still valid (read once per update)."""
    if turn.question is UNREAD:
        turn.question = conversation.pending_question(turn.session, channel=turn.incoming.channel,
                                                      chat_id=turn.incoming.chat_id, user_key=turn.incoming.sender_id)
    state = turn.question
    if state is None or any_kind:
        return state
    if state.kind != kind or state.expires_at < turn.now:
        return None
    return state


def clear_state(turn: Turn) -> None:
    """Forget the pending question."""
    state = get_state(turn, any_kind=True)
    if state is not None:
        turn.session.delete(state)
        turn.question = UNREAD  # read again when asked: the deletion is flushed first


__all__ = ["cmd_my_tasks", "on_button", "cmd_undo", "on_text", "PAGE_SIZE", "due_phrase"]


async def on_text(turn: Turn, text: str) -> None:
    """Free text from a linked person: an answer about a task."""
    await answers.on_text(turn, text)
