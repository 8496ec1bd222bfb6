"""A plan revision as an officer reads it: one line per task that changes, with what it carries."""
from __future__ import annotations

from datetime import date

from i18n import _, fmt_date
from plans.revision import Carried, TaskChange
from services.clean_text import clip
from services.labels import status_label


def revision_lines(changes: list[TaskChange], plan_id: int | None) -> list[str]:
    """A heading and one line per visible change of a revision of plan `plan_id`, guesses first."""
    shown = sorted((c for c in changes if c.visible), key=lambda c: not c.guessed)
    if not shown:
        return [_("So với kế hoạch #{id} đã nhập: không có nhiệm vụ nào thay đổi.").format(id=plan_id)]
    return [_("So với kế hoạch #{id} đã nhập ({n} nhiệm vụ thay đổi):").format(id=plan_id, n=len(shown))] + [
        "  - " + describe(change) for change in shown]


def describe(c: TaskChange) -> str:
    """One line: which task, what changes, what status and evidence go with it."""
    title = "“" + clip(c.title, 60) + "”"
    if c.kind == "added":
        parts = [_("Thêm mới: NV {number} {title}").format(number=c.number, title=title)]
    elif c.kind == "retired":
        parts = [_("Bỏ khỏi kế hoạch: NV {number} {title} (lịch sử được giữ)").format(number=c.number, title=title)]
    else:
        parts = [_kept(c, title)]
    if c.moved:
        parts.append(_("hạn {before} → {after}").format(before=_dues(c.dues_before), after=_dues(c.dues_after)))
    if c.leads_changed:
        parts.append(_("chủ trì {before} → {after}").format(before=_codes(c.leads_before), after=_codes(c.leads_after)))
    for unit, due in c.extensions_kept:
        parts.append(_("{unit} giữ hạn đã gia hạn {date}").format(unit=unit, date=fmt_date(date.fromisoformat(due))))
    if c.units_added:
        parts.append(_("thêm đơn vị {codes}").format(codes=", ".join(c.units_added)))
    if c.units_removed:
        parts.append(_("bỏ đơn vị {codes}").format(codes=", ".join(c.units_removed)))
    if c.carried:
        parts.append(_("mang theo: {what}").format(what="; ".join(_carried(x) for x in c.carried)))
    return " — ".join(parts)


def _kept(c: TaskChange, title: str) -> str:
    if c.guessed:
        return _("CẦN XÁC NHẬN: NV {number} {title} được đoán là NV {old} cũ “{old_title}” (giống {score}%)").format(
            number=c.number, title=title, old=c.old_number, old_title=clip(c.old_title, 60),
            score=c.score)
    if c.renumbered:
        text = _("Đánh số lại: NV {old} → {number} {title}").format(old=c.old_number, number=c.number, title=title)
    else:
        text = _("NV {number} {title}").format(number=c.number, title=title)
    if c.retitled:
        text += " " + _("(sửa tên nhiệm vụ)")
    return text


def _codes(codes: list[str]) -> str:
    return ", ".join(codes) if codes else _("không có")


def _dues(dues: list[str]) -> str:
    if not dues:
        return _("không có ngày")
    shown = ", ".join(fmt_date(date.fromisoformat(d)) for d in dues[:4])
    return shown + ("…" if len(dues) > 4 else "")


def _carried(x: Carried) -> str:
    text = f"{x.unit} {status_label(x.status)}"
    if x.evidence:
        text += " " + _("({n} tệp kiểm chứng)").format(n=x.evidence)
    if x.extensions:
        text += " " + _("(đã gia hạn {n} lần)").format(n=x.extensions)
    return text
