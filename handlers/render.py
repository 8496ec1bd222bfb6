"""How tasks read in a chat: one line or a card, with days left or late, and pages of lists."""
from __future__ import annotations

from datetime import date

from calendars.workdays import WorkCalendar
from handlers.messages import Button
from i18n import _, fmt_date, ngettext
from services.clean_text import clip
from services.labels import role_label, status_label, task_no, task_ref
from services.queries import AssignmentView
from storage.models import Status

PAGE_SIZE = 8
MAX_TEXT = 3500  # below Telegram's 4,096; Zalo splits at 2,000 in its adapter


def short(text: str, limit: int = 90) -> str:
    """`text` on one line, cut to `limit` characters with "…"."""
    return clip(text, limit)


def due_phrase(due: date | None, today: date, deadline_text: str = "") -> str:
    """'hạn 10/03/2026, còn 3 ngày' / 'quá hạn 2 ngày' / 'hạn hôm nay'."""
    if due is None:
        return _("thời hạn: {text}").format(text=deadline_text or _("chưa xác định"))
    days = (due - today).days
    if days > 0:
        return ngettext("hạn {date}, còn {n} ngày", "hạn {date}, còn {n} ngày", days).format(date=fmt_date(due), n=days)
    if days == 0:
        return _("hạn hôm nay {date}").format(date=fmt_date(due))
    return ngettext("hạn {date}, quá hạn {n} ngày", "hạn {date}, quá hạn {n} ngày", -days).format(
        date=fmt_date(due), n=-days)


# Finished or never followed: their deadline is shown without days left or late ("quá hạn 111 ngày" on a task done
# on time, or on one never tracked, would be untrue).
SETTLED = (Status.DONE, Status.NOT_DONE, Status.NOT_TRACKED, Status.CANCELLED)


def due_text(due: date | None, today: date, deadline_text: str = "", work: WorkCalendar | None = None,
             status: str | None = None) -> str:
    """`due_phrase` of the working day a deadline on a day off means, naming the day written (as reminders do).

    For a settled assignment (`status` in SETTLED) only the deadline: no days are counted.
    """
    settled = status in SETTLED and due is not None
    if due is None or work is None:
        return _("hạn {date}").format(date=fmt_date(due)) if settled else due_phrase(due, today, deadline_text)
    effective = work.effective(due)  # days left are counted to the day it is really due
    phrase = (_("hạn {date}").format(date=fmt_date(effective)) if settled
              else due_phrase(effective, today, deadline_text))
    if effective != due:
        phrase += "; " + _("hạn ghi {date} là ngày nghỉ").format(date=fmt_date(due))
    return phrase


def task_line(v: AssignmentView, today: date, *, with_unit: bool = False, index: int | None = None,
              work: WorkCalendar | None = None) -> str:
    """One line per assignment for lists."""
    prefix = f"{index}. " if index is not None else ""
    unit = f"[{v.unit.code}] " if with_unit else ""
    state = "" if v.assignment.status == "open" else f" — {status_label(v.assignment.status)}"
    if v.pending_until:
        state += " — " + _("xin gia hạn đến {date}").format(date=fmt_date(v.pending_until))
    return _("{prefix}{unit}{ref}: {title} ({due}){state}").format(
        prefix=prefix, unit=unit, ref=task_ref(v.task.number, v.task.source), title=short(v.task.title),
        due=due_text(v.assignment.due_on, today, v.task.deadline_text, work, v.assignment.status), state=state)


def task_card(v: AssignmentView, today: date, work: WorkCalendar | None = None) -> str:
    """A task with everything staff need to act on it."""
    lines = [_("📌 Nhiệm vụ {number}: {title}").format(number=v.task.number, title=short(v.task.title, 300))
             if v.task.source != "calendar" else "📌 " + short(v.task.title, 300)]
    if v.task.product:
        lines.append(_("Sản phẩm: {product}").format(product=short(v.task.product, 200)))
    lines.append(_("Đơn vị: {unit} ({role})").format(unit=v.unit.name, role=role_label(v.assignment.role)))
    if v.task.start_on:
        lines.append(_("Bắt đầu: {date}").format(date=fmt_date(v.task.start_on)))
    lines.append(_("Thời hạn: {due}").format(
        due=due_text(v.assignment.due_on, today, v.task.deadline_text, work, v.assignment.status)))
    lines.append(_("Trạng thái: {status}").format(status=status_label(v.assignment.status)))
    if v.pending_until:
        lines.append(_("Đang chờ duyệt gia hạn đến {date}.").format(date=fmt_date(v.pending_until)))
    return "\n".join(lines)


def status_buttons(assignment_id: int, status: str = "open") -> list[list[Button]]:
    """The three answers staff give to a task (or 'reopen' once it is closed)."""
    if status in ("done", "not_done", "cancelled"):
        return [[Button(_("↩️ Mở lại"), f"s:{assignment_id}:open")]]
    return [[Button(_("✅ Đã hoàn thành"), f"s:{assignment_id}:done"),
             Button(_("⏳ Đang thực hiện"), f"s:{assignment_id}:prog")],
            [Button(_("📅 Xin gia hạn"), f"x:{assignment_id}")]]


def list_buttons(views: list[AssignmentView]) -> list[list[Button]]:
    """Under a list of tasks: for each, "done" at one tap and "open" for its card (other answers, evidence)."""
    return [[Button(_("✅ Hoàn thành {ref}").format(ref=task_ref(v.task.number, v.task.source)), f"s:{v.id}:done"),
             Button(_("Mở {ref}").format(ref=task_ref(v.task.number, v.task.source)), f"open:{v.id}")] for v in views]


def page(items: list, number: int) -> tuple[list, int, int]:
    """Items of page `number` (0-based), the clamped page number and the page count."""
    pages = max(1, (len(items) + PAGE_SIZE - 1) // PAGE_SIZE)
    number = min(max(number, 0), pages - 1)
    return items[number * PAGE_SIZE:(number + 1) * PAGE_SIZE], number, pages


def nav_buttons(kind: str, arg: str, number: int, pages: int) -> list[list[Button]]:
    """'‹ Trang trước' / 'Trang sau ›' for paged lists."""
    row = []
    if number > 0:
        row.append(Button(_("‹ Trang trước"), f"p:{kind}:{arg}:{number - 1}"))
    if number < pages - 1:
        row.append(Button(_("Trang sau ›"), f"p:{kind}:{arg}:{number + 1}"))
    return [row] if row else []


def fit(lines: list[str]) -> str:
    """Join lines, cutting before the limit of one chat message."""
    out, size = [], 0
    for line in lines:
        if size + len(line) + 1 > MAX_TEXT:
            out.append("…")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def text_pages(blocks: list[str], limit: int = MAX_TEXT) -> list[str]:
    """Group blocks (one per unit…) into pages that each fit one message."""
    pages, current = [], ""
    for block in blocks:
        block = block if len(block) <= limit else block[: limit - 1] + "…"
        if current and len(current) + len(block) + 2 > limit:
            pages.append(current)
            current = block
        else:
            current = f"{current}\n\n{block}" if current else block
    pages.append(current)
    return pages


def open_buttons(views: list[AssignmentView], work: WorkCalendar, *, with_unit: bool = False) -> list[list[Button]]:
    """One button per listed assignment that opens its card (two per row)."""
    buttons = [Button(task_ref(v.task.number, v.task.source) + (f" [{v.unit.code}]" if with_unit else "")
                      + occurrence(v, work), f"open:{v.id}")
               for v in views]
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


def occurrence(v: AssignmentView, work: WorkCalendar) -> str:
    """ " (hạn 31/01)": which occurrence of a task a button is about (a monthly task has twelve), on the working
    day a deadline on a day off means, as the list above it and the reminders say."""
    due = v.assignment.due_on
    return " " + _("(hạn {due})").format(due=fmt_date(work.effective(due))[:5]) if due else ""


def which_task(v: AssignmentView, work: WorkCalendar) -> str:
    """What "nhiệm vụ {number}" names in a reply about one assignment: "6 (hạn 27/02)" for a task due several
    times (a monthly report), so the person reads which occurrence was recorded; else just the number."""
    recurring = len(v.task.dues or []) > 1 and v.task.source != "calendar"  # a period's name says which already
    return task_no(v.task) + (occurrence(v, work) if recurring else "")


def task_choice(v: AssignmentView, work: WorkCalendar) -> str:
    """Label of a button that picks this task."""
    ref = task_ref(v.task.number, v.task.source) + occurrence(v, work)  # a monthly task: which month's
    return _("{ref}: {title}").format(ref=ref, title=short(v.task.title, 32 if v.assignment.due_on else 40))
