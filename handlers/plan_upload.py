"""An officer sends a plan file: preview what importing it would do, then "Nhập kế hoạch" or "Huỷ"."""
from __future__ import annotations

import re

from handlers.context import Turn
from handlers.messages import Button
from handlers.render import fit, short
from i18n import _, fmt_date
from plans.read_common import fold
from replies.classifier import classify
from services import plan_upload
from services.evidence import EvidenceError, check_size
from services.plan_upload import PlanNotImportable, Preview, UploadError
from services.worker import in_worker

_PLAN_WORDS = re.compile(r"\b(ke hoach|kh|phu luc|dieu chinh|sua doi)\b")
_TASK_NUMBER = re.compile(r"\b(nv|nhiem vu)\s*\d|#\s*\d|^\s*\d+\b")
PREVIEW_TASKS = 25  # task lines in the chat preview; the web page lists them all


def uploads_folder(turn: Turn):
    return turn.services.settings.data_dir / "uploads"


def _uploader(turn: Turn) -> str:
    return f"chat:{turn.user.id}"


async def on_file(turn: Turn) -> bool:
    """A document from an officer that reads as a plan gets a preview; False leaves it to evidence handling."""
    att, incoming = turn.incoming.attachment, turn.incoming
    if (not turn.is_officer or att is None or att.kind != "document" or incoming.reply_to_message_id
            or not plan_upload.looks_like_plan(att.name)):
        return False
    if (incoming.text.strip() and not about_the_plan(incoming.text)
            and (await in_worker(classify, incoming.text, today=turn.today)).intent != "unknown"):
        return False  # "xong" with a file is an answer with its evidence
    try:
        check_size(att.size, turn.services.settings.evidence_max_bytes)
        data = await turn.services.fetch_file(incoming.channel, att)
    except EvidenceError as exc:
        turn.reply(str(exc))
        return True
    item = plan_upload.stage(uploads_folder(turn), data=data, name=att.name, uploader=_uploader(turn), now=turn.now)
    try:
        preview = await in_worker(plan_upload.preview_apart, turn.services.engine, item, today=turn.today,
                                  actor=turn.actor.name, max_rows=turn.services.settings.import_max_rows,
                                  reporting=turn.services.settings.reporting_calendar,
                                  day_off_rule=turn.services.settings.day_off_rule)
    except PlanNotImportable as exc:
        plan_upload.discard(uploads_folder(turn), item.token)
        turn.reply(str(exc))
        return True  # a plan all the same: said so, not taken for evidence
    except UploadError:
        plan_upload.discard(uploads_folder(turn), item.token)
        return False  # not a plan after all (no appendix, or not readable as one): evidence as before
    turn.reply(fit(preview_lines(preview)), buttons=[[Button(_("Nhập kế hoạch"), f"pl:{item.token}:ok"),
                                                      Button(_("Huỷ"), f"pl:{item.token}:no")]])
    return True


def about_the_plan(caption: str) -> bool:
    """A caption speaking of the plan sent ("Kế hoạch đã điều chỉnh, gửi lại ạ", "KH … sửa đổi"), naming no task:
    words like "đã", "sửa" in it are no answer about a task."""
    folded = fold(caption)
    return bool(_PLAN_WORDS.search(folded)) and not _TASK_NUMBER.search(folded)


async def on_button(turn: Turn, data: str) -> None:
    """'Nhập kế hoạch' imports the staged file all-or-nothing; 'Huỷ' forgets it."""
    _kind, token, verdict = (data.split(":") + ["", ""])[:3]
    if not turn.is_officer:
        turn.reply(_("Lệnh này dành cho cán bộ theo dõi CCHC. Gõ /viec để xem nhiệm vụ của đơn vị."))
        return
    folder = uploads_folder(turn)
    try:
        item = plan_upload.staged(folder, token, uploader=_uploader(turn), now=turn.now)
        if verdict != "ok":
            plan_upload.discard(folder, token)
            turn.reply(_("Đã huỷ, không nhập kế hoạch từ tệp {name}.").format(name=item.path.name),
                       edit_message_id=turn.incoming.button_message_id, notice=_("Đã huỷ"))
            return
        parsed, report = await in_worker(plan_upload.confirm_apart, turn.services.engine, item, today=turn.today,
                                         actor=turn.actor.name, folder=folder,
                                         max_rows=turn.services.settings.import_max_rows,
                                         reporting=turn.services.settings.reporting_calendar,
                                         day_off_rule=turn.services.settings.day_off_rule)
    except UploadError as exc:
        turn.reply(str(exc), notice=str(exc)[:190])
        return
    turn.reply(fit(import_lines(report)), notice=_("Đã nhập kế hoạch"))


def preview_lines(p: Preview) -> list[str]:
    """The preview as chat lines: tasks with units and dates, unknown names, body deadlines, revision."""
    lines = [_("📄 Tệp {name}: {title} (năm {year})").format(name=p.name, title=short(p.title, 150), year=p.year),
             _revision_line(p), *(["⚠ " + p.duplicates] if p.duplicates else []), *p.changes[:15]]
    if len(p.changes) > 15:
        lines.append(_("… và {n} nhiệm vụ khác").format(n=len(p.changes) - 15))
    if p.per_unit:
        lines.append(_("Phân công theo đơn vị: {units}").format(
            units=", ".join(f"{code} {n}" for code, n in sorted(p.per_unit.items()))))
    if p.unresolved:
        lines.append(_("Tên đơn vị chưa nhận ra (cần bổ sung vào danh mục):"))
        lines += [_("  \"{name}\" — nhiệm vụ {numbers}").format(name=name, numbers=", ".join(numbers))
                  for name, numbers in p.unresolved.items()]
    if p.suggestions:
        lines.append(_("Thời hạn nêu trong nội dung kế hoạch (chưa nhập, xem trên trang web):"))
        lines += [f"  • {short(s.sentence, 90)} — {fmt_date(s.due)}" for s in p.suggestions[:5]]
    lines += [_("Bấm \"Nhập kế hoạch\" để nhập, \"Huỷ\" để bỏ qua."), ""]
    for t in p.tasks[:PREVIEW_TASKS]:  # last: a long plan is cut here to fit one message
        dues = ", ".join(fmt_date(d) for d in t.dues[:3]) + ("…" if len(t.dues) > 3 else "") or t.deadline_text
        lines.append(_("NV {number}: {title} — chủ trì: {units} — {due}").format(
            number=t.number, title=short(t.title, 50), units=", ".join(t.leads) or "?", due=dues or "?"))
    if len(p.tasks) > PREVIEW_TASKS:
        lines.append(_("… và {n} nhiệm vụ khác").format(n=len(p.tasks) - PREVIEW_TASKS))
    return lines


def _revision_line(p: Preview) -> str:
    if p.existing_plan_id is None:
        return _("Kế hoạch mới: {tasks} nhiệm vụ, {assigned} phân công.").format(
            tasks=len(p.tasks), assigned=p.assignments_created)
    if p.unchanged:
        return _("Kế hoạch #{id} đã được nhập trước đó; không có gì thay đổi.").format(id=p.existing_plan_id)
    return _("Sửa đổi kế hoạch #{id}: {created} nhiệm vụ mới ({new}), {updated} thay đổi ({changed}), {removed} bỏ "
             "({gone}); {assigned} phân công mới, {cancelled} phân công huỷ.").format(
        id=p.existing_plan_id, created=len(p.created), new=_numbers(p.created), updated=len(p.updated),
        changed=_numbers(p.updated), removed=len(p.removed), gone=_numbers(p.removed),
        assigned=p.assignments_created, cancelled=p.assignments_cancelled)


def _numbers(numbers: list[str]) -> str:
    return ", ".join(numbers[:10]) + ("…" if len(numbers) > 10 else "") if numbers else "—"


def import_lines(report) -> list[str]:
    """What the import did, worded as `nhacviec import` words it."""
    if report.unchanged:
        return [_("Kế hoạch #{id} đã được nhập trước đó; không có gì thay đổi.").format(id=report.plan_id)]
    lines = [_("Đã nhập kế hoạch #{id}: {created} nhiệm vụ mới, {updated} cập nhật, {removed} bỏ khỏi kế hoạch; "
               "{assigned} phân công mới, {cancelled} phân công huỷ.").format(
        id=report.plan_id, created=len(report.created), updated=len(report.updated), removed=len(report.removed),
        assigned=report.assignments_created, cancelled=report.assignments_cancelled)]
    if report.unresolved:
        lines.append(_("Tên đơn vị chưa nhận ra (cần bổ sung vào danh mục):"))
        lines += [_("  \"{name}\" — nhiệm vụ {numbers}").format(name=name, numbers=", ".join(numbers))
                  for name, numbers in report.unresolved.items()]
    return lines
