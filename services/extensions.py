"""Requests for more time: staff ask, officers approve or refuse."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from i18n import _, fmt_date, fmt_datetime
from services.status import Actor, check_allowed, move_due
from services.labels import task_no
from storage.models import Assignment, ChatUser, ExtensionRequest, Plan, Status, Task


FURTHEST = timedelta(days=730)  # an extension further than this is a slip of the keyboard, not a plan's date


class ExtensionError(Exception):
    """A request that cannot be made or decided."""


def request_extension(session: Session, *, assignment: Assignment, new_due: date, actor: Actor, now: datetime,
                      reason: str = "") -> ExtensionRequest:
    """Record a pending request (one pending per assignment: a new one replaces the date)."""
    check_allowed(actor, assignment)
    # Two requests at once (two phones, two workers): the assignment's row lock orders them, so the second sees
    # the first's pending request and replaces its date instead of adding another (no-op on SQLite: one writer).
    assignment = session.exec(select(Assignment).where(Assignment.id == assignment.id).with_for_update()
                              .execution_options(populate_existing=True)).one()
    if assignment.status not in Status.ACTIVE:
        raise ExtensionError(_("Nhiệm vụ này đã đóng, không cần gia hạn."))
    if assignment.due_on and new_due <= assignment.due_on:
        raise ExtensionError(_("Ngày xin gia hạn ({date}) phải sau hạn hiện tại ({due}). Xin gửi lại ngày muốn gia hạn "
                               "đến, ví dụ \"xin gia hạn đến {example}\".").format(
            date=fmt_date(new_due), due=fmt_date(assignment.due_on),
            example=fmt_date(assignment.due_on + timedelta(days=7))[:5]))
    if new_due <= now.date():
        raise ExtensionError(_("Ngày xin gia hạn ({date}) phải sau hôm nay.").format(date=fmt_date(new_due)))
    if new_due > now.date() + FURTHEST:
        raise ExtensionError(_("Ngày xin gia hạn ({date}) quá xa (hơn hai năm kể từ hôm nay) nên Hệ thống chưa ghi "
                               "nhận. Xin kiểm tra lại ngày, ví dụ \"xin gia hạn đến 20/3\".").format(
            date=fmt_date(new_due)))
    pending = session.exec(select(ExtensionRequest).where(ExtensionRequest.assignment_id == assignment.id,
                                                          ExtensionRequest.state == "pending")).first()
    request = pending or ExtensionRequest(assignment_id=assignment.id, requested_on=new_due)
    request.requested_on, request.reason = new_due, reason[:500]
    request.requested_by = actor.user.id if actor.user else None
    request.previous_due_on = assignment.due_on
    session.add(request)
    session.flush()
    return request


def decide_extension(session: Session, *, request_id: int, approve: bool, actor: Actor,
                     now: datetime) -> tuple[ExtensionRequest, Assignment]:
    """Approve (moving the due date) or refuse a pending request."""
    if not actor.is_officer:
        raise ExtensionError(_("Chỉ cán bộ theo dõi CCHC mới duyệt được gia hạn."))
    request = session.get(ExtensionRequest, request_id)
    if request is None:
        raise ExtensionError(_("Không tìm thấy đề nghị gia hạn."))
    assignment = session.get(Assignment, request.assignment_id)
    task = session.get(Task, assignment.task_id)
    if request.state == "pending" and (task.removed or session.get(Plan, task.plan_id).removed):
        raise ExtensionError(_("Nhiệm vụ {number} đã được bỏ khỏi kế hoạch nên đề nghị gia hạn này không còn hiệu "
                               "lực; Hệ thống không ghi nhận gì.").format(number=task_no(task)))
    if approve and request.state == "pending" and assignment.due_on and assignment.due_on >= request.requested_on:
        raise ExtensionError(_("Hạn của nhiệm vụ {number} nay là {due} (kế hoạch đã điều chỉnh), không sớm hơn ngày "
                               "đơn vị xin gia hạn ({date}), nên Hệ thống không đổi hạn. Nếu đề nghị không còn cần, "
                               "chọn Từ chối.").format(number=task_no(task), due=fmt_date(assignment.due_on),
                                                      date=fmt_date(request.requested_on)))
    # Compare-and-set: two officers deciding at once (two workers), only the first decision counts.
    taken = session.execute(update(ExtensionRequest).where(ExtensionRequest.id == request.id,
                                                           ExtensionRequest.state == "pending")
                            .values(state="approved" if approve else "rejected", decided_at=now,
                                    decided_by=actor.user.id if actor.user else None)).rowcount
    session.refresh(request)
    if not taken:
        raise ExtensionError(already_decided(session, request))
    if approve:
        move_due(session, assignment=assignment, new_due=request.requested_on, actor=actor, now=now,
                 note=_("Duyệt gia hạn #{id}").format(id=request.id))
    return request, assignment


def decided_by_name(session: Session, request: ExtensionRequest) -> str:
    """Who decided, when the decision came from someone with a chat account ("" for a desk link made by the CLI)."""
    user = session.get(ChatUser, request.decided_by) if request.decided_by else None
    return user.display_name if user else ""


def already_decided(session: Session, request: ExtensionRequest) -> str:
    """What a second decision is told (a double tap, a stale tab, another officer): the first one, which stands."""
    when = fmt_datetime(request.decided_at) if request.decided_at else ""
    who = decided_by_name(session, request)
    when = f"{when}, {who}" if when and who else when or who
    if request.state == "approved":
        return _("Đề nghị này đã được xử lý trước đó: đã đồng ý gia hạn đến {date} ({when}). Hệ thống không ghi nhận "
                 "gì thêm.").format(date=fmt_date(request.requested_on), when=when or "—")
    return _("Đề nghị này đã được xử lý trước đó: đã từ chối ({when}). Hệ thống không ghi nhận gì thêm.").format(
        when=when or "—")
