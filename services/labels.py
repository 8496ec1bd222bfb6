"""Vietnamese labels for stored codes (statuses, roles, kinds)."""
from __future__ import annotations

from i18n import N_, _

STATUS_LABELS = {
    "open": N_("Chưa thực hiện"),
    "in_progress": N_("Đang thực hiện"),
    "done": N_("Đã hoàn thành"),
    "not_done": N_("Không hoàn thành"),
    "not_tracked": N_("Không theo dõi"),
    "cancelled": N_("Đã huỷ"),
}
ROLE_LABELS = {"lead": N_("Chủ trì"), "partner": N_("Phối hợp")}


def status_label(code: str) -> str:
    """Translated label of an assignment status."""
    return _(STATUS_LABELS.get(code, code))


def role_label(code: str) -> str:
    """Translated label of an assignment role."""
    return _(ROLE_LABELS.get(code, code))


def task_ref(number: str, source: str = "") -> str:
    """How a task is referred to in lists: "NV 5"; a reporting-calendar period ("q1") by no code at all."""
    if source == "calendar":
        return _("Lịch báo cáo")
    return _("NV {number}").format(number=number)


def task_no(task) -> str:
    """What "nhiệm vụ {number}" names: the plan's number; a reporting-calendar period by its name, never "q1"."""
    return f"«{task.title}»" if task.source == "calendar" else task.number


def task_heading(task, title: str) -> str:
    """What follows "nhiệm vụ" in a card: "5: title"; a reporting-calendar period by its name alone, never "q1"."""
    return f"«{task.title}»" if task.source == "calendar" else f"{task.number}: {title}"


def task_cell(task) -> str:
    """A list's number column: the plan's number; "Lịch báo cáo" for a report period, never its code ("q1")."""
    return _("Lịch báo cáo") if task.source == "calendar" else task.number
