"""Who may act on what: the one place every surface (chat, console, web desk) asks before it writes.

The rules, in the users' words:
- an officer (cán bộ theo dõi CCHC) may act on every unit's assignments;
- staff and heads of a unit act only on their own unit's assignments;
- in a group chat linked to a unit, a person not linked on their own acts as staff of that unit; a person linked on
  their own acts with their own unit and role (a member of another unit cannot act on this unit's tasks);
- a removed person (``nhacviec people remove``) acts on nothing, in private or in any group.
"""
from __future__ import annotations

from sqlmodel import Session

from i18n import _
from services.status import Actor, NotAllowed, check_allowed
from storage.models import Assignment

__all__ = ["NotAllowed", "can_act", "assignment_for", "check_offered"]


def can_act(actor: Actor, assignment: Assignment) -> bool:
    """True when `actor` may change `assignment` (status, evidence, extension, due date)."""
    try:
        check_allowed(actor, assignment)
    except NotAllowed:
        return False
    return True


def assignment_for(session: Session, *, actor: Actor, assignment_id: int) -> Assignment:
    """The assignment `actor` wants to act on; NotAllowed before anything is written when it is not theirs."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise LookupError(assignment_id)
    check_allowed(actor, assignment)
    return assignment


def check_offered(offered: list[int], assignment_id: int) -> None:
    """A choice must be one of those the bot offered this person (a crafted button or number is refused)."""
    if assignment_id not in offered:
        raise NotAllowed(_("Lựa chọn này không nằm trong các nhiệm vụ Hệ thống đã hỏi đồng chí."))
