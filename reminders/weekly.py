"""The Monday summary: officers see the whole Sở's week, a unit's head sees the unit's; nothing when empty.

Sent with the first round of the week's first working day (08:00). Three lists, from the records:
newly overdue (open, due last week), due this week (open, due Monday to Sunday), done last week (done_on,
the day the work was done, Monday to Sunday of last week).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, select

from calendars.workdays import WorkCalendar
from i18n import _, fmt_date, ngettext
from services.clean_text import clip
from services.labels import task_ref
from services.queries import AssignmentView
from storage.models import Assignment, ChatLink, ChatUser, MemberRole, Status, Task, Unit

MAX_LINES = 8


@dataclass
class WeekSummary:
    """One reader's week."""

    monday: date
    since: date | None = None   # what "last week" covers from: an earlier Monday when whole weeks were off
    newly_overdue: list[AssignmentView] = field(default_factory=list)
    due_this_week: list[AssignmentView] = field(default_factory=list)
    done_last_week: list[AssignmentView] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.newly_overdue or self.due_this_week or self.done_last_week)


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def first_working_day(monday: date, work: WorkCalendar) -> date:
    """The first working day of the week starting `monday` (Monday, or later when Monday is a holiday)."""
    return monday if work.is_working_day(monday) else work.next_working_day(monday)


def is_weekly_day(day: date, work: WorkCalendar) -> bool:
    """Whether `day` is the first working day of its week (Monday, or later when Monday is a holiday)."""
    return day == first_working_day(week_start(day), work)


def previous_week(monday: date, work: WorkCalendar | None) -> date:
    """The Monday of the last week before `monday`'s that had a working day (a summary went out in it):
    the week before, unless a whole week was off (Tết)."""
    if work is None:
        return monday - timedelta(days=7)
    return week_start(work.on_or_before(monday - timedelta(days=1)))


def week_summary(session: Session, *, day: date, roles: tuple[str, ...], unit_id: int | None = None,
                 work: WorkCalendar | None = None) -> WeekSummary:
    """The week of `day` for every unit, or for one.

    "Newly overdue" and "due this week" part where the day-off rule says a deadline becomes late (`work`):
    with "after", a Sunday deadline is due on this Monday, not overdue. Judged on `day`, the summary's own day:
    after a Monday off (a nghỉ bù, Tết) a deadline written on it is already late with "before".
    """
    monday = week_start(day)
    late_before = work.late_before(day) if work is not None else monday
    last_monday, sunday = previous_week(monday, work), monday + timedelta(days=6)
    # Newly overdue: not late yet when the last summary went out (its own "due this week"), late now.
    was_late_before = work.late_before(first_working_day(last_monday, work)) if work is not None else last_monday
    summary = WeekSummary(monday, since=last_monday)
    base = (select(Assignment, Task, Unit).join(Task, Task.id == Assignment.task_id)
            .join(Unit, Unit.id == Assignment.unit_id)
            .where(Task.removed == False, Assignment.role.in_(roles)))  # noqa: E712
    if unit_id is not None:
        base = base.where(Assignment.unit_id == unit_id)
    open_ = base.where(Assignment.status.in_(Status.ACTIVE))
    summary.newly_overdue = _views(session, open_.where(Assignment.due_on >= was_late_before,
                                                        Assignment.due_on < late_before))
    # Due this week: not late on `day`, late by the next working day after Sunday (a 02/09 deadline meaning Friday
    # 28/08 by "before" is due the week of 24/08; a Saturday one meaning Thursday 03/09 by "after", the week after).
    due_before = work.late_before(work.next_working_day(sunday)) if work is not None else sunday + timedelta(days=1)
    summary.due_this_week = _views(session, open_.where(Assignment.due_on >= late_before,
                                                        Assignment.due_on < due_before))
    # The day the work was done (a back-dated "xong hôm thứ Sáu" typed on Monday), not the day it was typed in.
    done = base.where(Assignment.status == Status.DONE,
                      Assignment.done_on.between(last_monday, monday - timedelta(days=1)))
    summary.done_last_week = _views(session, done)
    return summary


def _views(session: Session, q) -> list[AssignmentView]:
    rows = session.exec(q.order_by(Assignment.due_on, Unit.code, Task.position))
    return [AssignmentView(a, t, u) for a, t, u in rows]


def week_lines(summary: WeekSummary, work: WorkCalendar | None = None) -> list[str]:
    """The digest text (in the current locale); a deadline on a day off as the working day it means (`work`)."""
    lines = [_("📅 Tổng hợp tuần {start}–{end}").format(start=fmt_date(summary.monday),
                                                       end=fmt_date(summary.monday + timedelta(days=6)))]
    since = summary.since or summary.monday - timedelta(days=7)
    span = {"start": fmt_date(since), "end": fmt_date(summary.monday - timedelta(days=1))}
    if since == summary.monday - timedelta(days=7):
        overdue_title = ngettext("⚠️ {n} phân công mới quá hạn (hạn trong tuần trước):",
                                 "⚠️ {n} phân công mới quá hạn (hạn trong tuần trước):", len(summary.newly_overdue))
        done_title = ngettext("✅ {n} phân công hoàn thành tuần trước:", "✅ {n} phân công hoàn thành tuần trước:",
                              len(summary.done_last_week))
    else:  # a week all off came between: name the days covered
        overdue_title = ngettext("⚠️ {n} phân công mới quá hạn (hạn từ {start} đến {end}):",
                                 "⚠️ {n} phân công mới quá hạn (hạn từ {start} đến {end}):", len(summary.newly_overdue))
        done_title = ngettext("✅ {n} phân công hoàn thành từ {start} đến {end}:",
                              "✅ {n} phân công hoàn thành từ {start} đến {end}:", len(summary.done_last_week))
    parts = ((summary.newly_overdue, overdue_title),
             (summary.due_this_week, ngettext("⏳ {n} phân công đến hạn trong tuần này:",
                                              "⏳ {n} phân công đến hạn trong tuần này:", len(summary.due_this_week))),
             (summary.done_last_week, done_title))
    for views, title in parts:
        if not views:
            continue
        lines += ["", title.format(n=len(views), **span)]
        for v in views[:MAX_LINES]:
            due_on = v.assignment.due_on
            due = fmt_date(work.effective(due_on) if work is not None else due_on) if due_on else "—"
            lines.append(_("• [{unit}] {ref}: {title} — hạn {due}").format(
                unit=v.unit.code, ref=task_ref(v.task.number, v.task.source), title=clip(v.task.title, 80), due=due))
        if len(views) > MAX_LINES:
            lines.append(_("… và {n} phân công khác.").format(n=len(views) - MAX_LINES))
    return lines


def readers_with_news(session: Session, *, day: date, roles: tuple[str, ...],
                      work: WorkCalendar | None = None) -> list[ChatLink]:
    """Officers' and heads' private chats whose week has something to say."""
    q = (select(ChatLink).join(ChatUser, ChatUser.id == ChatLink.user_id)
         .where(ChatUser.role.in_((MemberRole.OFFICER, MemberRole.HEAD)), ChatUser.active == True,  # noqa: E712
                ChatLink.active == True, ChatLink.kind == "private"))  # noqa: E712
    empty: dict[int | None, bool] = {}
    found = []
    for link in session.exec(q):
        unit_id = None if link.role == MemberRole.OFFICER else link.unit_id
        if unit_id not in empty:
            empty[unit_id] = week_summary(session, day=day, roles=roles, unit_id=unit_id, work=work).empty
        if not empty[unit_id]:
            found.append(link)
    return found


def summary_for(session: Session, *, link: ChatLink, day: date, roles: tuple[str, ...],
                work: WorkCalendar | None = None) -> WeekSummary:
    """The week an officer (every unit) or a head (their unit) reads."""
    unit_id = None if link.role == MemberRole.OFFICER else link.unit_id
    return week_summary(session, day=day, roles=roles, unit_id=unit_id, work=work)
