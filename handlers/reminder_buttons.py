"""Buttons under reminders: "Nhắc lại sau 1/3 ngày", and the check-in's "Báo hạn" (set a date)."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta


from handlers import staff
from handlers.context import Turn
from handlers.messages import Button, row_id
from handlers.render import status_buttons, which_task
from i18n import _, fmt_date
from reminders import store
from reminders.workcal import default_calendar
from replies.classifier import classify
from replies.mentions import task_mentions
from services import conversation, queries
from services.labels import task_no
from services.queries import AssignmentView
from services.status import NotAllowed, check_allowed
from storage.models import StatusChange

SNOOZE_DAYS = (1, 3)
PAST_DAYS = 92  # a day without its year this close before today is this year's (and refused as past)
_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2,}))?(?!\d)")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


async def on_button(turn: Turn, data: str) -> None:
    """sn:<id>:<days>, ci:<id>, cid:<id>:<yyyy-mm-dd>."""
    kind, _sep, rest = data.partition(":")
    parts = rest.split(":")
    try:
        if kind == "sn":
            snooze(turn, _view(turn, parts[0]), int(parts[1]))
        elif kind == "ci":
            ask_due(turn, _view(turn, parts[0]))
        elif kind == "cid":
            set_due(turn, _view(turn, parts[0]), date.fromisoformat(parts[1]))
        else:
            raise ValueError(kind)
    except NotAllowed as exc:
        turn.reply(str(exc), notice=str(exc))
    except (ValueError, IndexError):
        turn.reply(_("Nút này không còn dùng được. Gõ /viec để xem lại nhiệm vụ."))


async def on_text(turn: Turn, text: str) -> bool:
    """A date typed after "Báo hạn": set it. False when this text is not that answer."""
    state = staff.get_state(turn, "await_due")
    day = parse_day(text, turn.today) if state and not _answers_something_else(text, turn.today) else None
    if day is None:
        return False
    try:
        set_due(turn, _view(turn, str(json.loads(state.payload)["assignment_id"])), day)
    except NotAllowed as exc:
        turn.reply(str(exc))
    except (ValueError, KeyError):
        return False
    return True


def _answers_something_else(text: str, today: date) -> bool:
    """ "NV 6 xong ngày 27/2", "xong hôm 10/4": a task named, or work done or not done, is no due date."""
    return bool(task_mentions(text)) or classify(text, today=today).intent in ("done", "not_done")


def _view(turn: Turn, raw_id: str) -> AssignmentView:
    v = queries.view(turn.session, row_id(raw_id))
    if v is None:
        raise ValueError(raw_id)
    check_allowed(turn.actor, v.assignment)
    return v


def snooze(turn: Turn, v: AssignmentView, days: int) -> None:
    """No reminders of this task in this chat until `days` working days from today, then one."""
    link = conversation.chat_link_for_unit(turn.session, channel=turn.incoming.channel,
                                           chat_id=turn.incoming.chat_id, unit_id=v.assignment.unit_id)
    if link is None:
        turn.reply(_("Cuộc trò chuyện này không nhận nhắc việc của {unit}.").format(unit=v.unit.name))
        return
    days = days if days in SNOOZE_DAYS else max(1, min(days, 10))
    until = default_calendar().add_working_days(turn.today, days)
    store.snooze(turn.session, link_id=link.id, assignment_id=v.id, until=until)
    text = _("⏰ Sẽ nhắc lại nhiệm vụ {number} vào {date}.").format(number=which_task(v, turn.work),
                                                                  date=fmt_date(until))
    turn.reply(text, notice=text, about=[v.id])


def ask_due(turn: Turn, v: AssignmentView) -> None:
    """"Báo hạn" on a check-in: ask when the task is due, with a few likely dates."""
    if v.assignment.due_on is not None:
        _has_due(turn, v)
        return
    staff.set_state(turn, "await_due", {"assignment_id": v.id})
    work = default_calendar()
    choices = sorted({d for d in (work.on_or_before(turn.today + timedelta(days=n)) for n in (7, 14, 30))
                      if d > turn.today})
    turn.reply(_("Nhiệm vụ {number} cần hoàn thành trước ngày nào? Chọn hoặc gõ ngày (ví dụ: {example}).").format(
        number=task_no(v.task), example=fmt_date(turn.today + timedelta(days=30))[:5]),
        buttons=[[Button(fmt_date(d), f"cid:{v.id}:{d.isoformat()}") for d in choices]] if choices else [],
        about=[v.id])


def set_due(turn: Turn, v: AssignmentView, day: date) -> None:
    """Give an undated (event, continuous) task its due date; reminders then follow it."""
    if v.assignment.due_on is not None:
        _has_due(turn, v)
        return
    if day < turn.today:
        turn.reply(_("Ngày {date} đã qua. Hãy chọn một ngày từ hôm nay trở đi.").format(date=fmt_date(day)))
        return
    a = v.assignment
    turn.session.add(StatusChange(assignment_id=a.id, at=turn.now, actor_id=turn.user.id,
                                  actor_name=turn.actor.name, channel=turn.incoming.channel, field="due_on",
                                  before=None, after=day.isoformat(), note=_("đơn vị báo hạn khi được hỏi tiến độ")))
    a.due_on, a.original_due_on, a.updated_at = day, a.original_due_on or day, turn.now
    turn.session.add(a)
    staff.clear_state(turn)
    effective = turn.work.effective(day)
    if effective == day:
        text = _("📅 Đã ghi hạn nhiệm vụ {number}: {date}. Hệ thống sẽ nhắc trước hạn.").format(
            number=task_no(v.task), date=fmt_date(day))
    else:  # a day off: reminders name the working day it means (NHACVIEC_DAY_OFF_RULE)
        text = _("📅 Đã ghi hạn nhiệm vụ {number}: {date} là ngày nghỉ nên hạn tính là {effective}. Hệ thống sẽ "
                 "nhắc trước hạn.").format(number=task_no(v.task), date=fmt_date(day), effective=fmt_date(effective))
    turn.reply(text, about=[v.id])


def _has_due(turn: Turn, v: AssignmentView) -> None:
    turn.reply(_("Nhiệm vụ {number} đã có hạn {date}. Muốn đổi hạn, hãy bấm \"📅 Xin gia hạn\".").format(
        number=task_no(v.task), date=fmt_date(v.assignment.due_on)), buttons=status_buttons(v.id), about=[v.id])


def parse_day(text: str, today: date) -> date | None:
    """ "20/3", "20/03/2026", "2026-03-20" → a date (no year: the next such day from today)."""
    iso = _ISO.search(text or "")
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        found = _DATE.search(text or "")
        if not found:
            return None
        day, month, year = int(found[1]), int(found[2]), found[3]
        if year:
            return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        guess = date(today.year, month, day)  # a day some months back is next year's ("5/1" in November)
        return guess if guess >= today - timedelta(days=PAST_DAYS) else date(today.year + 1, month, day)
    except ValueError:
        return None
