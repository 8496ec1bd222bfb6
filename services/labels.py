"""Vietnamese labels for stored codes (statuses, roles, kinds)."""
from __future__ import annotations

from datetime import date

from i18n import N_, _, fmt_date

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


def role_name(role: str) -> str:
    """Vietnamese name of a member role (a person's role in a unit, not an assignment's)."""
    from storage.models import MemberRole
    return {MemberRole.MEMBER: _("cán bộ đơn vị"), MemberRole.HEAD: _("lãnh đạo đơn vị"),
            MemberRole.OFFICER: _("cán bộ theo dõi CCHC")}.get(role, role)


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


CHANGE_LABELS = {"status": N_("Trạng thái"), "due_on": N_("Hạn"), "done_on": N_("Ngày hoàn thành"),
                 "promised_on": N_("Ngày hẹn hoàn thành"), "evidence": N_("Tài liệu kiểm chứng"),
                 "created": N_("Giao nhiệm vụ"), "undo": N_("Hoàn tác"), "retired": N_("Bỏ khỏi kế hoạch"),
                 "role": N_("Vai trò")}


CHANNEL_LABELS = {"telegram": "Telegram", "zalo_bot": "Zalo", "zalo_oa": "Zalo OA", "console": N_("Console"),
                  "cli": N_("Dòng lệnh"), "import": N_("Nhập kế hoạch"), "web": N_("Trang làm việc"),
                  "system": N_("Hệ thống")}


def channel_label(channel: str | None) -> str:
    """Where a change came from, in words ("Nhập kế hoạch"), never the stored code ("import")."""
    return _(CHANNEL_LABELS[channel]) if channel in CHANNEL_LABELS else (channel or "")


CHAT_KINDS = {"private": N_("cá nhân"), "group": N_("nhóm")}


def chat_kind_label(kind: str | None) -> str:
    """A connected chat's kind in words ("nhóm"), never the stored code ("group")."""
    return _(CHAT_KINDS[kind]) if kind in CHAT_KINDS else (kind or "")


def change_label(field: str) -> str:
    """What a history row changed, in words ("Hạn"), never the stored field name ("due_on")."""
    return _(CHANGE_LABELS.get(field, field))


def change_value(value: str | None) -> str:
    """A history row's stored value as people read it: a day dd/mm/yyyy, a status in words, "—" for none."""
    if not value:
        return "—"
    if value in STATUS_LABELS:
        return status_label(value)
    if value in ROLE_LABELS:
        return role_label(value)
    try:
        return fmt_date(date.fromisoformat(value))
    except ValueError:
        return value
