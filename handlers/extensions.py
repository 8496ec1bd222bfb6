"""Officers and pending extension requests: /giahan lists them; "đồng ý"/"từ chối" answers the one asked about."""
from __future__ import annotations

import re
from datetime import date, timedelta

from handlers.context import Turn
from handlers.messages import Button
from handlers.render import fit, short
from i18n import _, fmt_date
from replies.words import plain
from services import conversation, queries
from services.labels import task_heading

LIST_LIMIT = 10
CONTEXT_WINDOW = timedelta(hours=12)
_APPROVE = re.compile(r"^(?:(?:da|ya|vang|ok)\s+)*(?:dong y|duyet|chap thuan|dong y gia han|duyet gia han)"
                      r"(?:\s+(?:a|nhe|nha|gia han))*$")
_REFUSE = re.compile(r"^(?:(?:da|ya|vang)\s+)*(?:khong dong y|tu choi|khong duyet|khong chap thuan)"
                     r"(?:\s+(?:a|nhe|nha|gia han))*$")


def decision_buttons(request_id: int) -> list[list[Button]]:
    """Đồng ý / Từ chối for one request."""
    return [[Button(_("Đồng ý"), f"xa:{request_id}:ok"), Button(_("Từ chối"), f"xa:{request_id}:no")]]


async def cmd_extensions(turn: Turn, args: str) -> None:
    """/giahan: every request waiting for an officer, each with its own Đồng ý / Từ chối."""
    from handlers.officers import officer_only
    if not officer_only(turn):
        return
    pending = queries.pending_extensions(turn.session)
    if not pending:
        turn.reply(_("Không có đề nghị gia hạn nào đang chờ duyệt."))
        return
    for request, v in pending[:LIST_LIMIT]:
        turn.reply(_("📅 {unit} xin gia hạn nhiệm vụ {task}\nHạn hiện tại: {old} → xin đến: {new}").format(
            unit=v.unit.name, task=task_heading(v.task, short(v.task.title, 150)),
            old=fmt_date(v.assignment.due_on), new=fmt_date(request.requested_on))
            + past_deadline_note(v.assignment.due_on, turn.today),
            buttons=decision_buttons(request.id), about=[v.id])
    if len(pending) > LIST_LIMIT:
        turn.reply(fit([_("Còn {n} đề nghị nữa; duyệt xong các đề nghị trên rồi gõ lại /giahan.").format(
            n=len(pending) - LIST_LIMIT)]))


def past_deadline_note(due: date | None, today: date) -> str:
    """What an officer deciding after the deadline should know: the approval moves the due date and the reminders,
    but the reports judge the work by the deadline as extended in time (reports/history.py, `on_time_by`)."""
    if due is None or today <= due:
        return ""
    return "\n" + _("⚠️ Hạn {old} đã qua: duyệt bây giờ thì hạn và lời nhắc dời theo, nhưng báo cáo vẫn tính "
                    "nhiệm vụ là quá hạn.").format(old=fmt_date(due))


async def on_words(turn: Turn, text: str) -> bool:
    """An officer's "đồng ý" / "không đồng ý": decide the request the message answers; True if handled."""
    words = " ".join(plain(text).replace(".", " ").replace("!", " ").split())
    approve = bool(_APPROVE.match(words))
    if not turn.is_officer or not (approve or _REFUSE.match(words)):
        return False
    about = _about(turn)
    pending = [(r, v) for r, v in queries.pending_extensions(turn.session) if v.id in about]
    if len(pending) != 1:  # no request in view, or several: never guess which one
        turn.reply(_("Đồng chí trả lời cho đề nghị gia hạn nào? Gõ /giahan để xem các đề nghị đang chờ, "
                     "rồi bấm Đồng ý hoặc Từ chối ở từng đề nghị."))
        return True
    from handlers.officers import decide
    await decide(turn, pending[0][0].id, approve)
    return True


def _about(turn: Turn) -> set[int]:
    """The assignments of the message answered (quoted), else of the last message to this chat."""
    incoming = turn.incoming
    if incoming.reply_to_message_id:
        return set(conversation.assignments_of_message(turn.session, channel=incoming.channel,
                                                       chat_id=incoming.chat_id,
                                                       message_id=str(incoming.reply_to_message_id)))
    return set(conversation.last_message_about(turn.session, channel=incoming.channel, chat_id=incoming.chat_id,
                                               since=turn.now - CONTEXT_WINDOW))
