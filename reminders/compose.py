"""One reminder message per chat: everything due for it, grouped, each line with its due date."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from calendars.reporting_checkins import question_text
from calendars.workdays import WorkCalendar
from handlers.messages import Button, Outgoing
from handlers.render import due_text, fit, occurrence, short
from handlers.system import CHANNEL_NAMES, REASONS
from i18n import _, fmt_date, ngettext, use_locale
from reminders import cadence
from reminders.weekly import WeekSummary, week_lines
from services.labels import task_ref
from services.queries import AssignmentView
from storage.models import Assignment, ChatLink, Status, Task, Unit

MAX_LINES = 25        # tasks listed in one message; the rest are counted
MAX_BUTTON_ROWS = 5   # a row of buttons per task, for the first ones only
MAX_CHECKIN_ROWS = 5  # check-ins get rows of their own: listed last, they would never reach the first five
MAX_DIGEST_UNITS = 30
# Which kind speaks for a task reminded under several kinds at once (overdue first).
PRIORITY = {cadence.OVERDUE: 0, "d0": 1, cadence.SNOOZED: 50, cadence.CHECKIN: 60}


@dataclass
class Item:
    """One task in a reminder message."""

    view: AssignmentView
    kind: str


@dataclass
class DigestLine:
    """One overdue unit in an officer's digest."""

    unit: str
    count: int
    oldest: date


@dataclass
class ChatMessage:
    """What one chat gets in one round."""

    channel: str
    chat_id: str
    lang: str
    units: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    digest: list[DigestLine] = field(default_factory=list)
    unreachable: list[tuple[str, str, str]] = field(default_factory=list)   # (unit, channel, reason): not on Zalo
    late: bool = False
    weekly: WeekSummary | None = None   # the Monday summary, when this chat gets one

    def add(self, view: AssignmentView, kind: str) -> None:
        """Add a task, once: a second kind for the same task keeps the more urgent one."""
        for item in self.items:
            if item.view.id == view.id:
                if _rank(kind) < _rank(item.kind):
                    item.kind = kind
                return
        self.items.append(Item(view, kind))


def _rank(kind: str) -> int:
    k = cadence.kind_offset(kind)
    return PRIORITY.get(kind, 10 + k if k is not None else 99)


def load_views(session: Session, ids: set[int]) -> dict[int, AssignmentView]:
    """Assignments with their task and unit, by id."""
    found: dict[int, AssignmentView] = {}
    ordered = sorted(ids)
    for i in range(0, len(ordered), 500):
        q = (select(Assignment, Task, Unit).join(Task, Task.id == Assignment.task_id)
             .join(Unit, Unit.id == Assignment.unit_id).where(Assignment.id.in_(ordered[i:i + 500])))
        found.update({a.id: AssignmentView(a, t, u) for a, t, u in session.exec(q)})
    return found


def digest_lines(session: Session, *, today: date, roles: tuple[str, ...] = ("lead",),
                 work: WorkCalendar | None = None) -> list[DigestLine]:
    """Units with overdue assignments: how many and since when, most overdue first.

    Late as the day-off rule says (`work`), like /overdue: with "after", a Saturday deadline is due on Monday.
    """
    late_before = work.late_before(today) if work is not None else today
    q = (select(Unit.name, func.count(Assignment.id), func.min(Assignment.due_on))
         .join(Assignment, Assignment.unit_id == Unit.id).join(Task, Task.id == Assignment.task_id)
         .where(Assignment.status.in_(Status.ACTIVE), Assignment.role.in_(roles), Assignment.due_on < late_before,
                Task.removed == False)  # noqa: E712
         .group_by(Unit.id, Unit.name).order_by(func.min(Assignment.due_on), Unit.name))
    return [DigestLine(name, count, oldest) for name, count, oldest in session.exec(q)]


def new_message(link: ChatLink) -> ChatMessage:
    """An empty message for the chat of `link`."""
    return ChatMessage(channel=link.channel, chat_id=link.chat_id, lang=link.lang)


def render(message: ChatMessage, *, today: date, work: WorkCalendar) -> Outgoing:
    """The text and buttons, in the chat's language."""
    with use_locale(message.lang):
        # A chat that gets only the Monday summary gets it under its own title.
        lines = [_header(message, today)] if message.items or message.digest or message.weekly is None else []
        if message.late:
            lines.append(_("⏱ Gửi muộn do hệ thống tạm dừng: nhắc việc của những ngày trước được gộp vào tin này."))
        lines += _task_lines(message, today, work)
        lines += _digest_part(message, work)
        if message.weekly is not None:
            lines += ([""] if lines else []) + week_lines(message.weekly, work)
        lines += _unreachable_part(message)
        if message.items:
            lines += ["", _("Trả lời tin này \"xong\", \"đang làm\" hoặc \"xin gia hạn đến 20/3\", "
                            "hoặc chọn một mục bên dưới.")]
        with_buttons = _with_buttons(message.items)
        refs = Counter(_ref(item) for item in with_buttons)
        buttons = [_buttons(item, work, twice=refs[_ref(item)] > 1) for item in with_buttons]
        fields = template_fields(message, today, work)
    return Outgoing(text=fit(lines), buttons=buttons, chat_id=message.chat_id, channel=message.channel,
                    about=[item.view.id for item in message.items], lang=message.lang, fields=fields)


def template_fields(message: ChatMessage, today: date, work: WorkCalendar) -> dict[str, str]:
    """The reminder in a few fields, for channels that can only send an approved template (Zalo OA past 7 days):
    the most urgent task, its due date (the working day the text reminder names), the unit, the task numbers and
    how many tasks there are. A reporting-calendar period goes by its name, never its code."""
    if not message.items:
        return {}
    first = message.items[0].view
    others = len(message.items) - 1
    task = (short(first.task.title, 150) if first.task.source == "calendar" else
            _("NV {number}: {title}").format(number=first.task.number, title=short(first.task.title, 150)))
    if others:
        task += " " + ngettext("(và {n} nhiệm vụ khác)", "(và {n} nhiệm vụ khác)", others).format(n=others)
    due = work.effective(first.assignment.due_on) if first.assignment.due_on else None
    numbers = ", ".join(dict.fromkeys(task_ref(i.view.task.number, i.view.task.source)
                                      if i.view.task.source == "calendar" else i.view.task.number
                                      for i in message.items))
    return {"task": task, "due_date": fmt_date(due) if due else (first.task.deadline_text or ""),
            "unit": ", ".join(message.units), "code": short(numbers, 30), "count": str(len(message.items))}


def as_resend(out: Outgoing) -> Outgoing:
    """A message sent again after an attempt whose outcome is unknown: marked, and silent where the API allows.

    Chat APIs take no idempotency key, so a send that reached the chat but whose answer was lost (timeout, crash)
    cannot be suppressed; the reader can at least recognise the repeat.
    """
    with use_locale(out.lang):
        head = _("🔁 Gửi lại: lần gửi trước có thể đã đến nhưng Hệ thống chưa nhận được xác nhận. Nếu đồng chí đã "
                 "nhận tin này, xin bỏ qua.")
    return replace(out, text=head + "\n" + out.text, silent=True)


def _header(message: ChatMessage, today: date) -> str:
    if message.items and len(message.units) == 1:
        return _("🔔 Nhắc việc ngày {date} — {unit}").format(date=fmt_date(today), unit=message.units[0])
    return _("🔔 Nhắc việc ngày {date}").format(date=fmt_date(today))


def _section(item: Item, today: date, work: WorkCalendar) -> int:
    due = item.view.assignment.due_on
    if due is None:
        return 3
    due = work.effective(due)
    if due < today:
        return 0
    return 1 if due < work.next_working_day(today) else 2


def _task_lines(message: ChatMessage, today: date, work: WorkCalendar) -> list[str]:
    titles = (_("⚠️ Quá hạn:"), _("📌 Đến hạn:"), _("⏰ Sắp đến hạn:"), _("❓ Hỏi tiến độ:"))
    several = len(message.units) > 1
    ordered = sorted(message.items, key=lambda i: (_section(i, today, work), i.view.assignment.due_on or today,
                                                   i.view.task.position, i.view.id))
    message.items[:] = ordered  # buttons follow the order the reader sees
    lines, current = [], None
    for item in ordered[:MAX_LINES]:
        section = _section(item, today, work)
        if section != current:
            lines += ["", titles[section]]
            current = section
        lines.append(_line(item, today, several, work))
    if len(ordered) > MAX_LINES:
        rest = len(ordered) - MAX_LINES
        lines.append(ngettext("… và {n} nhiệm vụ khác (gõ /viec để xem).",
                              "… và {n} nhiệm vụ khác (gõ /viec để xem).", rest).format(n=rest))
    return lines


def _line(item: Item, today: date, with_unit: bool, work: WorkCalendar) -> str:
    v = item.view
    unit = f"[{v.unit.code}] " if with_unit else ""
    due = v.assignment.due_on
    if due is None:
        return _("• {unit}{ref}: {question}").format(
            unit=unit, ref=task_ref(v.task.number, v.task.source),
            question=question_text("progress").format(task=short(v.task.title, 80)))
    phrase = due_text(due, today, v.task.deadline_text, work)
    return _("• {unit}{ref}: {title} ({due})").format(
        unit=unit, ref=task_ref(v.task.number, v.task.source), title=short(v.task.title, 100), due=phrase)


def _digest_part(message: ChatMessage, work: WorkCalendar) -> list[str]:
    if not message.digest:
        return []
    lines = ["", ngettext("📋 {n} đơn vị có nhiệm vụ quá hạn:", "📋 {n} đơn vị có nhiệm vụ quá hạn:",
                          len(message.digest)).format(n=len(message.digest))]
    for line in message.digest[:MAX_DIGEST_UNITS]:
        lines.append(ngettext("• {unit}: {count} phân công, trễ nhất từ {date}",   # as /overdue counts them
                              "• {unit}: {count} phân công, trễ nhất từ {date}", line.count).format(
            unit=line.unit, count=line.count, date=fmt_date(work.effective(line.oldest))))  # the day the reminders name
    if len(message.digest) > MAX_DIGEST_UNITS:
        lines.append(_("… và {n} đơn vị khác.").format(n=len(message.digest) - MAX_DIGEST_UNITS))
    lines.append(_("Gõ /overdue để xem chi tiết."))
    return lines


def _unreachable_part(message: ChatMessage) -> list[str]:
    """Units the digest's reader must reach another way: their Zalo chat cannot receive reminders."""
    if not message.unreachable:
        return []
    lines = ["", _("📵 Đơn vị không nhận được nhắc việc trên Zalo:")]
    for unit, channel, reason in message.unreachable[:MAX_DIGEST_UNITS]:
        lines.append(_("• {unit} ({channel}): {reason}").format(
            unit=unit, channel=CHANNEL_NAMES.get(channel, channel), reason=_(REASONS.get(reason, reason))))
    if len(message.unreachable) > MAX_DIGEST_UNITS:
        lines.append(_("… và {n} đơn vị khác.").format(n=len(message.unreachable) - MAX_DIGEST_UNITS))
    return lines


def _with_buttons(items: list[Item]) -> list[Item]:
    """The listed tasks that get a row of buttons: the first dated ones and the first check-ins, in reading order."""
    listed = items[:MAX_LINES]
    dated = [i.view.id for i in listed if i.view.assignment.due_on is not None][:MAX_BUTTON_ROWS]
    asked = [i.view.id for i in listed if i.view.assignment.due_on is None][:MAX_CHECKIN_ROWS]
    return [i for i in listed if i.view.id in dated or i.view.id in asked]


def _ref(item: Item) -> str:
    return task_ref(item.view.task.number, item.view.task.source)


def _buttons(item: Item, work: WorkCalendar, *, twice: bool = False) -> list[Button]:
    """ "✅ NV 6": with the due day when the message names the same task twice (two months of a monthly task),
    the working day its line names."""
    aid = item.view.id
    done = Button("✅ " + _ref(item) + (occurrence(item.view, work) if twice else ""), f"s:{aid}:done")
    if item.view.assignment.due_on is None:
        return [done, Button(_("📅 Báo hạn"), f"ci:{aid}"), Button(_("⏳ Đang làm"), f"s:{aid}:prog")]
    return [done, Button(_("⏰ 1 ngày"), f"sn:{aid}:1"), Button(_("⏰ 3 ngày"), f"sn:{aid}:3")]
