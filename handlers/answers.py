"""Answers in words ("xong", "đang làm", "xin gia hạn đến 20/3") and files, applied to the right task."""
from __future__ import annotations

import json
from datetime import date, timedelta


from handlers import extensions, staff
from handlers.context import LOCAL_TZ, Turn
from handlers.messages import Button, is_number
from handlers.render import nav_buttons, page, short, status_buttons, task_card, task_choice, which_task
from i18n import _, fmt_date
from replies.classifier import Reply, classify, impossible_dates
from replies.mentions import task_mentions
from services import choices, conversation, queries
from services.access import check_offered
from services.worker import in_worker
from services.evidence import EvidenceError, check_size, evidence_store, keep_file, record_evidence
from services.labels import status_label, task_no
from services.queries import AssignmentView
from services.status import BadCompletionDay, NotAllowed, last_change, last_status_change, set_status
from storage.models import Assignment, Evidence, Plan, Status, Task, Unit

CONTEXT_WINDOW = timedelta(minutes=15)
INTENT_TO_STATUS = {"done": Status.DONE, "in_progress": Status.IN_PROGRESS, "not_done": Status.OPEN}


async def on_text(turn: Turn, text: str) -> None:
    """Classify the words, find the task they are about, apply or ask."""
    if not text.strip() and turn.incoming.attachment is None:  # a sticker, a voice message: no words to read
        if turn.incoming.chat_type == "private":
            turn.reply(_("Hệ thống chưa đọc được tin này (nhãn dán, tin thoại, video…). Đồng chí vui lòng trả lời "
                         "bằng chữ: \"xong\", \"đang làm\", \"xin gia hạn đến 20/3\", hoặc gõ /viec để chọn nhiệm vụ."))
        return
    from handlers import reminder_buttons  # a typed date may answer a check-in's "📅 Báo hạn"
    if await reminder_buttons.on_text(turn, text):
        return
    if text and await extensions.on_words(turn, text):  # an officer's "đồng ý" answers a request
        return
    pending = staff.get_state(turn, "await_ext")
    reply = await _classify(text, turn.today) if text else Reply("unknown", None, False)
    if pending and text and not reply.date:  # the bot asked "đến ngày nào?": a bare "đến 07/01" answers it
        reply = await _classify("xin gia hạn " + text, turn.today)
    impossible = impossible_dates(text, today=turn.today) if text and reply.date is None else []
    if impossible:  # "đến 32/7": say which date, never read it as no date at all
        turn.reply(_("Ngày {day} không có trong lịch nên Hệ thống chưa ghi nhận gì. Đồng chí gõ lại ngày, ví dụ "
                     "\"xin gia hạn đến 20/7\" hoặc \"xong ngày 15/7\".").format(day=impossible[0][:12]))
        return
    if pending and reply.date and reply.intent in ("extension", "unknown", "in_progress"):
        staff.ask_extension(turn, json.loads(pending.payload)["assignment_id"], reply.date, reason=text)
        return
    if turn.incoming.attachment and reply.intent in ("unknown", "done"):
        await on_file(turn, reply)
        return
    if (is_number(text.strip()) and turn.incoming.chat_type == "private"
            and not turn.services.inline_buttons.get(turn.incoming.channel, False)):
        _stale_number(turn, text.strip())  # the router found no current choice for it
        return
    mentions = task_mentions(text) if text else []
    if mentions:
        await _apply_mentions(turn, mentions)
        return
    discussed = None if turn.incoming.reply_to_message_id else _just_discussed(turn)
    dropped = _dropped_from_plan(turn, discussed)
    if dropped:
        turn.reply(dropped_notice(dropped))
        return
    targets = _targets(turn, discussed)
    fitting = targets if turn.incoming.reply_to_message_id else _done_on_fits(turn, targets, reply)
    if targets and not fitting:  # "xong ngày 25/6" about a card or list of July's and later occurrences only
        turn.reply(_not_this_period(turn, targets[0], reply.date) if len({v.task.id for v in targets}) == 1 else
                   _("Ngày hoàn thành {day} có trước kỳ của mọi nhiệm vụ đang mở của đơn vị, nên Hệ thống chưa ghi "
                     "nhận gì. Gõ /viec để xem các nhiệm vụ đang mở.").format(day=fmt_date(reply.date)))
        return
    targets = fitting
    if reply.ack and targets and (turn.incoming.chat_type == "private" or turn.incoming.reply_to_message_id):
        _ask_if_done(turn, targets)
        return
    if reply.intent == "unknown" or not reply.confident:
        _not_understood(turn, targets)
        return
    if len(targets) == 1:
        await apply_reply(turn, targets[0], reply)
    elif targets:
        ask_which(turn, targets, reply)
    else:
        turn.reply(_nothing_to_update(turn))


# Up to this length a reply is read on the event loop (a few tens of microseconds); a longer one goes to a worker
# thread, whose hop costs more than reading a short reply and which a 40 KB paste needs (milliseconds).
INLINE_CLASSIFY = 400


async def _classify(text: str, today: date) -> Reply:
    return classify(text, today=today) if len(text) <= INLINE_CLASSIFY else await in_worker(classify, text, today=today)


async def _apply_mentions(turn: Turn, mentions: list[tuple[str, str]]) -> None:
    """ "NV 23 xong, NV 24 đang làm": each answer applied to that task of the unit, each confirmed."""
    for number, words in mentions:
        reply = classify(words, today=turn.today)
        views = [v for v in unit_targets(turn) if v.task.number == number]
        if not views:
            turn.reply(_no_open_task(turn, number))
        elif reply.intent == "unknown" or not reply.confident:  # the nearest occurrence, with its buttons
            turn.reply(_("Chưa rõ ý về nhiệm vụ {number}. Chọn một trong các nút:").format(number=number),
                       buttons=status_buttons(views[0].id), about=[views[0].id])
        elif not (fitting := _done_on_fits(turn, views, reply)):
            turn.reply(_not_this_period(turn, views[0], reply.date))
        elif len(fitting) == 1:
            await apply_reply(turn, fitting[0], reply)
        else:  # a monthly task: which month's report?
            ask_which(turn, fitting, reply)


def _no_open_task(turn: Turn, number: str) -> str:
    """ "NV 1 xong" when NV 1 has no open occurrence: due before tracking began (say so and when), or none."""
    untracked = queries.views(turn.session, unit_ids=[turn.task_unit_id], statuses=(Status.NOT_TRACKED,),
                              task_number=number, roles=turn.services.settings.tracked_roles)
    if untracked:
        return _("Nhiệm vụ {number} (hạn {due}) có hạn trước khi Hệ thống bắt đầu theo dõi nên ở trạng thái \"Không "
                 "theo dõi\": Hệ thống không nhắc, không tính quá hạn và không ghi nhận gì cho nhiệm vụ này. Gõ /viec "
                 "để xem các nhiệm vụ đang mở.").format(number=number, due=fmt_date(untracked[-1].assignment.due_on))
    return _("Đơn vị của đồng chí không có nhiệm vụ số {number} đang mở.").format(number=number)


def _done_on_fits(turn: Turn, views: list[AssignmentView], reply: Reply) -> list[AssignmentView]:
    """For "xong ngày 25/6", the occurrences that day can have finished: not one whose period began after it (July's
    meeting of a monthly task is not held on 25/06, June's is); a task due once keeps its one occurrence."""
    if reply.intent != "done" or reply.date is None:
        return views
    series = queries.occurrences(turn.session, views)
    return [v for v in views if _period_start(series, v.assignment) < reply.date]


def _period_start(series: dict[tuple[int, int], list[Assignment]], a: Assignment) -> date:
    """The due day of the occurrence before `a` of the same task and unit (date.min for the first)."""
    before = [o.due_on for o in series.get((a.task_id, a.unit_id), []) if o.due_on < a.due_on] if a.due_on else []
    return max(before, default=date.min)


def _not_this_period(turn: Turn, v: AssignmentView, day: date) -> str:
    """ "NV 6 xong ngày 25/6" when June's occurrence is not open (not tracked, done): say which one the day is in."""
    series = queries.occurrences(turn.session, [v])[(v.task.id, v.unit.id)]
    then = next(o for o in series if o.due_on >= day)  # v's period began on or after the day: an earlier one has it
    return _("Ngày hoàn thành {day} thuộc kỳ nhiệm vụ {number} (hạn {due}), kỳ này đang ở trạng thái \"{status}\", "
             "nên Hệ thống không ghi ngày đó cho kỳ sau và chưa ghi nhận gì. Gõ /viec để xem các kỳ đang mở.").format(
        day=fmt_date(day), number=task_no(v.task), due=fmt_date(turn.work.effective(then.due_on))[:5],
        status=status_label(then.status))


def _stale_number(turn: Turn, number: str) -> None:
    """A bare "1" with no numbered question standing (they last 12 hours): say so, never guess."""
    incoming = turn.incoming
    owners = choices.owners(sender_id=incoming.sender_id, chat_id=incoming.chat_id, group=incoming.chat_type == "group")
    if choices.quotes_another(turn.session, channel=incoming.channel, chat_id=incoming.chat_id, user_keys=owners,
                              quoted=incoming.reply_to_message_id, now=turn.now):
        turn.reply(_("Số {number} trả lời một tin cũ của Hệ thống: các số chỉ dùng cho tin gần nhất có lựa chọn "
                     "đánh số, nên Hệ thống chưa ghi nhận gì. Đồng chí trả lời tin gần nhất bằng số, hoặc gõ /viec "
                     "để xem nhiệm vụ và chọn lại.").format(number=number[:6]))
        return
    if choices.retired(turn.session, channel=incoming.channel, chat_id=incoming.chat_id, user_key=incoming.sender_id,
                       now=turn.now):  # the latest message had no numbers: an older question's do not count
        turn.reply(_("Số {number} không ứng với câu hỏi nào đang chờ trả lời: tin gần nhất Hệ thống gửi đồng chí "
                     "không có lựa chọn đánh số, nên Hệ thống chưa ghi nhận gì. Đồng chí gõ /viec để xem nhiệm vụ "
                     "và chọn lại, hoặc gõ số nhiệm vụ kèm chữ \"xong\" (ví dụ \"NV 6 xong\" cho nhiệm vụ 6).").format(
            number=number[:6]))
        return
    standing = choices.load_choices(turn.session, channel=incoming.channel, chat_id=incoming.chat_id,
                                    user_key=incoming.sender_id, now=turn.now)
    if standing:  # the question stands; the number is just not one of its choices
        turn.reply(_("Số {number} không có trong các lựa chọn của tin gần nhất (từ 1 đến {n}), nên Hệ thống chưa "
                     "ghi nhận gì. Đồng chí trả lời bằng một số từ 1 đến {n}, hoặc gõ /viec để xem lại nhiệm vụ.").format(
            number=number[:6], n=len(standing)))
        return
    turn.reply(_("Số {number} không còn ứng với lựa chọn nào (các số chỉ dùng được trong {hours} giờ sau tin có "
                 "số). Đồng chí gõ /viec để xem nhiệm vụ và chọn lại, hoặc trả lời bằng chữ: \"xong\", \"đang làm\", "
                 "\"xin gia hạn đến 20/3\".").format(number=number[:6], hours=choices.HOURS))


def _ask_if_done(turn: Turn, targets: list[AssignmentView]) -> None:
    """ "ok", "vâng", "đã nhận": heard, not necessarily done; ask instead of recording."""
    if len(targets) == 1:
        turn.reply(_("Đồng chí đã hoàn thành nhiệm vụ {number} chưa? Chọn một trong các nút:").format(
            number=which_task(targets[0], turn.work)), buttons=status_buttons(targets[0].id), about=[targets[0].id])
    elif any(t.task.source != "calendar" for t in targets):  # a report period has no number to type
        example = next(t.task.number for t in targets if t.task.source != "calendar")
        turn.reply(_("Hệ thống đã nhận tin. Nếu đã hoàn thành, đồng chí gõ số nhiệm vụ kèm \"xong\" "
                     "(ví dụ \"NV {number} xong\") hoặc gõ /viec để chọn.").format(number=example))
    else:
        turn.reply(_("Hệ thống đã nhận tin. Nếu đã hoàn thành, đồng chí gõ /viec để chọn nhiệm vụ."))


def _targets(turn: Turn, discussed: list[int] | None = None) -> list[AssignmentView]:
    """The reply's task(s); else the one task the chat was just talking about (`discussed`, when read already);
    else the unit's open tasks."""
    replied = turn.incoming.reply_to_message_id
    ids = _about(turn, message_id=str(replied)) if replied else (
        discussed if discussed is not None else _just_discussed(turn))
    views = _replied_views(turn, ids) if replied else queries.views_of(turn.session, list(ids))
    views = [v for v in views if turn.is_officer or v.assignment.unit_id == turn.unit_id]
    if not replied:  # context only points at a task still open; a closed one means the person moved on
        views = [v for v in views if v.assignment.status in Status.ACTIVE]
    if views:
        return views
    return unit_targets(turn)


def _dropped_from_plan(turn: Turn, discussed: list[int] | None) -> list[str]:
    """The numbers of the tasks the message answered was about (the replied-to one, else the card or reminder just
    sent: `discussed`), when every one of them has left the plan since."""
    if turn.incoming.reply_to_message_id:
        ids = _about(turn, message_id=str(turn.incoming.reply_to_message_id))
        if not ids or _replied_views(turn, ids):
            return []
    else:
        ids = discussed or []
        if not ids or _in_plan(queries.views_of(turn.session, ids)):
            return []
    return left_plan(turn, ids)


def _in_plan(views: list[AssignmentView]) -> list[AssignmentView]:
    """The views still in the plan: not an occurrence or unit a revision (or a removal) cancelled."""
    return [v for v in views if v.assignment.status != Status.CANCELLED]


def left_plan(turn: Turn, ids: list[int]) -> list[str]:
    """ "6", or "6 (hạn 27/02)" for one month of a monthly task, for each of these assignments when every one of
    them has left the plan (dropped by a revision with its task or its month, or the plan removed); else []."""
    gone = []
    for assignment in filter(None, (turn.session.get(Assignment, i) for i in ids)):
        task = turn.session.get(Task, assignment.task_id)
        if task.removed or turn.session.get(Plan, task.plan_id).removed:  # a revision dropped it, or the plan
            gone.append(task_no(task))
        elif assignment.status == Status.CANCELLED:  # its month, or its unit, is no longer in the plan
            gone.append(which_task(AssignmentView(assignment, task, turn.session.get(Unit, assignment.unit_id)),
                                   turn.work))
    return list(dict.fromkeys(gone)) if ids and len(gone) == len(ids) else []


def dropped_notice(numbers: list[str]) -> str:
    return _("Nhiệm vụ {numbers} trong tin đồng chí trả lời đã được bỏ khỏi kế hoạch, nên Hệ thống không ghi nhận gì "
             "thêm cho nhiệm vụ đó. Gõ /viec để xem các nhiệm vụ hiện có.").format(numbers=", ".join(numbers))


def unit_targets(turn: Turn) -> list[AssignmentView]:
    """The open assignments of the person's unit that an answer may be about (chủ trì, or as tracked)."""
    if turn.task_unit_id is None:
        return []
    return queries.views(turn.session, unit_ids=[turn.task_unit_id], roles=turn.services.settings.tracked_roles)


def _about(turn: Turn, *, message_id: str) -> list[int]:
    """What a sent message was about; the replied-to message is looked up once per turn."""
    if message_id == turn.incoming.reply_to_message_id and turn.replied_ids is not None:
        return turn.replied_ids
    ids = conversation.assignments_of_message(turn.session, channel=turn.incoming.channel,
                                              chat_id=turn.incoming.chat_id, message_id=message_id)
    if message_id == turn.incoming.reply_to_message_id:
        turn.replied_ids = ids
    return ids


def _replied_views(turn: Turn, ids: list[int]) -> list[AssignmentView]:
    """The replied-to message's tasks still in the plan (read once per turn; nothing is written in between)."""
    if turn.replied_views is None:
        turn.replied_views = _in_plan(queries.views_of(turn.session, list(ids)))
    return turn.replied_views


def _just_discussed(turn: Turn) -> list[int]:
    """Without a reply (Zalo Bot, console), what the last message to this chat was about, if recent. In a group,
    what the last message to this person was about: the chat's may have answered a colleague about another task."""
    if turn.incoming.chat_type == "group":
        return choices.recent_about(turn.session, channel=turn.incoming.channel, chat_id=turn.incoming.chat_id,
                                    user_key=turn.incoming.sender_id, since=turn.now - CONTEXT_WINDOW)
    return conversation.last_message_about(turn.session, channel=turn.incoming.channel,  # one task, or a few
                                           chat_id=turn.incoming.chat_id, since=turn.now - CONTEXT_WINDOW)


def _not_understood(turn: Turn, targets: list[AssignmentView]) -> None:
    if len(targets) == 1 and turn.incoming.reply_to_message_id:
        turn.reply(_("Hệ thống chưa rõ ý của đồng chí về nhiệm vụ này. Chọn một trong các nút:"),
                   buttons=status_buttons(targets[0].id), about=[targets[0].id])
    elif turn.incoming.chat_type == "private":
        turn.reply(_("Hệ thống chưa hiểu. Đồng chí có thể trả lời: \"xong\", \"đang làm\", \"xin gia hạn đến 20/3\", "
                     "hoặc gõ /viec để chọn nhiệm vụ."))


def ask_which(turn: Turn, targets: list[AssignmentView], reply: Reply, number: int = 0) -> None:
    """Several open tasks: ask which one the answer is about (buttons, paged)."""
    items, number, pages = page(targets, number)
    code = {"done": "done", "in_progress": "prog", "not_done": "open", "extension": "ext"}[reply.intent]
    when = reply.date.isoformat() if reply.date else "-"
    rows = [[Button(task_choice(v, turn.work), f"pick:{v.id}:{code}:{when}")] for v in items]
    if pages > 1 and number + 1 < pages:
        rows.append([Button(_("Trang sau ›"), f"p:pick:{code},{when}:{number + 1}")])
    if number == 0 and turn.incoming.text:  # the words answered, for the history once a task is picked
        _remember_words(turn, [v.id for v in targets], code)
    turn.reply(_("Đồng chí trả lời cho nhiệm vụ nào?"), buttons=rows)


def _remember_words(turn: Turn, ids: list[int], code: str) -> None:
    """Keep the answer's words while the bot asks which task; a question already waiting (a file, a date) stays."""
    state = staff.get_state(turn, any_kind=True)
    if state is None or state.kind == "pick" or state.expires_at < turn.now:
        staff.set_state(turn, "pick", {"words": turn.incoming.text[:500], "code": code, "choices": ids})


def _picked_words(turn: Turn, assignment_id: int, code: str) -> str | None:
    """The words of the answer a task was just picked for ("2" is not what the unit said)."""
    state = staff.get_state(turn, "pick")
    info = json.loads(state.payload) if state else {}
    if info.get("code") == code and assignment_id in info.get("choices", []):
        return info["words"]
    return None


async def apply_pick(turn: Turn, assignment_id: int, code: str, when: str) -> None:
    """A task chosen from 'which one?'."""
    v = queries.view(turn.session, assignment_id)
    if v is None:
        raise ValueError(assignment_id)
    intent = {"done": "done", "prog": "in_progress", "open": "not_done", "ext": "extension"}[code]  # KeyError: no
    # answer the bot offers, never read as "done"
    if v.assignment.status not in Status.ACTIVE and intent != "done" and not turn.is_officer:  # closed meanwhile
        _already_closed(turn, v)
        return
    await apply_reply(turn, v, Reply(intent, date.fromisoformat(when) if when != "-" else None),
                      words=_picked_words(turn, assignment_id, code))


async def apply_reply(turn: Turn, v: AssignmentView, reply: Reply, *, words: str | None = None) -> None:
    """Apply one understood answer to one assignment; `words`: what the unit wrote, when not this message."""
    words = words if words is not None else _words(turn)
    if reply.intent == "extension":
        if reply.date:
            staff.ask_extension(turn, v.id, reply.date, reason=words or "")
        else:
            staff.ask_extension_date(turn, v.id)
        return
    done_on = reply.date if reply.intent == "done" else None  # the day the work was done, when stated
    await apply_status(turn, v.id, INTENT_TO_STATUS[reply.intent], promised_on=None if done_on else reply.date,
                       done_on=done_on, view=v, note=words)


def _words(turn: Turn) -> str | None:
    """What the person wrote, for the history; a button or a number chosen is no note."""
    text = turn.incoming.text or ""
    return None if turn.incoming.button_data or not text.strip() or is_number(text.strip()) else text


async def apply_status(turn: Turn, assignment_id: int, status: str, *, promised_on: date | None = None,
                       edit: str | None = None, evidence_id: int | None = None, done_on: date | None = None,
                       view: AssignmentView | None = None, note: str | None = None) -> None:
    """Set the status and confirm (editing the pressed message when there is one); `view`: the assignment's,
    when the caller has it already; `note`: the words to keep with it (default: this message's)."""
    v = view if view is not None and view.id == assignment_id and not edit else queries.view(turn.session,
                                                                                            assignment_id)
    if v is None:
        raise ValueError(assignment_id)
    if v.assignment.status == Status.CANCELLED and not turn.is_officer:  # a number or button of an old reminder
        turn.reply(dropped_notice(left_plan(turn, [v.id])))
        return
    if v.assignment.status == Status.DONE and status == Status.IN_PROGRESS and not turn.is_officer:
        _already_closed(turn, v)  # staff answering an old card or a late number; officers correct records
        return
    try:
        change = set_status(turn.session, assignment=v.assignment, status=status, actor=turn.actor, now=turn.now,
                            note=note or _words(turn), promised_on=promised_on, evidence_id=evidence_id,
                            done_on=done_on)
    except (NotAllowed, BadCompletionDay) as exc:
        turn.reply(str(exc), notice=str(exc))
        return
    if change is None:
        turn.reply(_("Đã ghi nhận trước đó: nhiệm vụ {number} — {status}.").format(
            number=which_task(v, turn.work), status=status_label(v.assignment.status)), notice=_("Đã ghi nhận trước đó"))
        return
    evidence = turn.session.get(Evidence, evidence_id) if evidence_id else None
    text = _confirmation(v, status, promised_on, evidence=evidence, number=which_task(v, turn.work))
    if status == Status.DONE and done_on and done_on != turn.today:
        text += "\n" + _("Ngày hoàn thành ghi nhận: {date}.").format(date=fmt_date(done_on))
    if not edit:  # the card above an edited message names the task; a new reply names it too (numbers move)
        text += "\n📌 " + short(v.task.title, 90)
    if turn.group is not None and v.assignment.unit_id != turn.group.unit_id:  # the group reads it as its own
        text += "\n" + _("🏢 Nhiệm vụ của {unit} (không phải đơn vị của nhóm này).").format(unit=v.unit.name)
    if edit:
        turn.reply(task_card(v, turn.today, turn.work) + "\n" + text, edit_message_id=edit, notice=_("Đã ghi nhận"),
                   buttons=status_buttons(v.id, v.assignment.status), about=[v.id])
    else:
        turn.reply(text, buttons=status_buttons(v.id, v.assignment.status), about=[v.id])


def _already_closed(turn: Turn, v: AssignmentView) -> None:
    """The task was closed (often by a colleague) after the question was asked: say by whom, change nothing."""
    last = last_status_change(turn.session, assignment_id=v.id)
    who = (last.actor_name if last else "") or _("đơn vị")
    day = v.assignment.done_on if v.assignment.status == Status.DONE and v.assignment.done_on else (
        last.at.astimezone(LOCAL_TZ).date() if last else turn.today)
    if v.assignment.status == Status.DONE:
        text = _("Nhiệm vụ {number} đã được {who} ghi nhận hoàn thành ngày {date}; Hệ thống giữ nguyên. Nếu cần "
                 "sửa, chọn ↩️ Mở lại.")
    else:
        text = _("Nhiệm vụ {number} đã chuyển sang \"{status}\" ({who}, ngày {date}); Hệ thống giữ nguyên.")
    text = text.format(number=which_task(v, turn.work), who=who, date=fmt_date(day),
                       status=status_label(v.assignment.status))
    turn.reply(text, buttons=status_buttons(v.id, v.assignment.status), about=[v.id], notice=text)


def _confirmation(v: AssignmentView, status: str, promised_on: date | None, *, evidence: Evidence | None,
                  number: str) -> str:
    if status == Status.DONE and evidence is not None:  # the file came with the answer: say it was kept
        return _("✅ Đã ghi nhận: nhiệm vụ {number} hoàn thành, kèm tài liệu kiểm chứng \"{name}\". Cảm ơn! "
                 "(/undo để hoàn tác)").format(number=number, name=evidence.original_name)
    if status == Status.DONE:
        return _("✅ Đã ghi nhận: nhiệm vụ {number} hoàn thành. Cảm ơn! Có thể gửi tệp kiểm chứng ngay sau tin "
                 "này. (/undo để hoàn tác)").format(number=number)
    if status == Status.IN_PROGRESS and promised_on:
        return _("⏳ Đã ghi nhận: nhiệm vụ {number} đang thực hiện, dự kiến xong {date}.").format(
            number=number, date=fmt_date(promised_on))
    if status == Status.IN_PROGRESS:
        return _("⏳ Đã ghi nhận: nhiệm vụ {number} đang thực hiện.").format(number=number)
    return _("Đã ghi nhận: nhiệm vụ {number} chưa hoàn thành. Hệ thống sẽ tiếp tục nhắc.").format(number=number)


async def on_file(turn: Turn, reply: Reply) -> None:
    """A document or photo: evidence for the task it is about. Files sent while the bot asks which task (page 1 and
    page 2 of a signed report) wait together, with the "xong" that came with any of them."""
    att = turn.incoming.attachment
    try:
        check_size(att.size, turn.services.settings.evidence_max_bytes)
    except EvidenceError as exc:
        turn.reply(str(exc))
        return
    waiting = staff.get_state(turn, "pending_file")
    earlier = json.loads(waiting.payload) if waiting else {}
    files = _waiting_files(earlier) + [{"file_id": att.file_id, "name": att.name, "mime": att.mime, "size": att.size,
                                        "kind": att.kind}]
    done = reply.intent == "done" or earlier.get("done", False)
    targets = _targets(turn) if turn.incoming.reply_to_message_id else []
    numbers = {number for number, _words in task_mentions(turn.incoming.text)} if turn.incoming.text else set()
    if not targets and numbers:  # the caption names the task: "đã nộp báo cáo NV 14"
        targets = [v for v in unit_targets(turn) if v.task.number in numbers]
    if not targets:
        recent = last_change(turn.session, actor_id=turn.user.id, since=turn.now - timedelta(minutes=10))
        if recent and recent.field == "status" and recent.after == Status.DONE:
            targets = [queries.view(turn.session, recent.assignment_id)]
    if not targets and done:
        targets = unit_targets(turn)  # what the unit reports on: never a task it only takes part in
    if len(targets) == 1:
        if waiting:
            staff.clear_state(turn)
        await _store_files(turn, targets[0], files, done=done or targets[0].assignment.status == Status.DONE)
        return
    if not targets:
        targets = queries.views(turn.session, unit_ids=[turn.task_unit_id],
                                roles=turn.services.settings.tracked_roles,
                                statuses=(Status.OPEN, Status.IN_PROGRESS, Status.DONE))
    staff.set_state(turn, "pending_file", {"files": files, "done": done, "choices": [v.id for v in targets]})
    ask_file_task(turn)


def _waiting_files(info: dict) -> list[dict]:
    """The files a "which task?" question waits on (a question kept before files could wait together holds one)."""
    if "files" in info:
        return info["files"]
    return [{key: info[key] for key in ("file_id", "name", "mime", "size", "kind")}] if "file_id" in info else []


def ask_file_task(turn: Turn, number: int = 0) -> None:
    """Which task the waiting files are evidence for: the candidates, paged."""
    state = staff.get_state(turn, "pending_file")
    if state is None:
        turn.reply(_("Không còn tệp nào đang chờ. Hãy gửi lại tệp kèm chữ \"xong\"."))
        return
    info = json.loads(state.payload)
    targets = queries.views_of(turn.session, info.get("choices", []))
    items, number, pages = page(targets, number)
    names = "\", \"".join(f["name"] or f["kind"] for f in _waiting_files(info))
    turn.reply(_("Tệp \"{name}\" là tài liệu kiểm chứng của nhiệm vụ nào?").format(name=names),
               buttons=[[Button(task_choice(v, turn.work), f"ev:{v.id}")] for v in items] + nav_buttons("ev", "-", number, pages))


async def attach_pending(turn: Turn, assignment_id: int) -> None:
    """The task chosen for the files sent earlier."""
    state = staff.get_state(turn, "pending_file")
    v = queries.view(turn.session, assignment_id)
    if state is None or v is None:
        turn.reply(_("Không còn tệp nào đang chờ. Hãy gửi lại tệp kèm chữ \"xong\"."))
        return
    info = json.loads(state.payload)
    check_offered(info.get("choices", []), assignment_id)
    staff.clear_state(turn)
    await _store_files(turn, v, _waiting_files(info), done=info.get("done", False))


async def _store_files(turn: Turn, v: AssignmentView, files: list[dict], *, done: bool) -> None:
    """Each file as evidence for `v`; the first closes it when the files came with "xong".

    Every file is downloaded and kept on disk before anything is written to the database: a write holds SQLite's
    lock until the turn commits, and a download or a disk write awaited under it would keep reminder rounds and
    other chats waiting on that lock (on the event loop itself) for as long as the phone network takes."""
    from handlers.messages import Attachment
    settings = turn.services.settings
    fetch = turn.services.fetch_file
    ready: list[tuple[Attachment, tuple | EvidenceError]] = []
    for att in (Attachment(**file) for file in files):
        name = att.name or f"{att.kind}.jpg"
        try:
            data = await fetch(turn.incoming.channel, att) if fetch else b""
            stored, digest = await in_worker(keep_file, evidence_store(settings), data=data, name=name,
                                             mime=att.mime, limit=settings.evidence_max_bytes)
            ready.append((att, (name, stored, digest, len(data))))
        except EvidenceError as exc:  # this file could not be had or kept (gone, too large, disk full): said below
            ready.append((att, exc))
    for att, kept in ready:
        turn.incoming.attachment = att
        if isinstance(kept, EvidenceError):
            turn.reply(str(kept))
        else:
            await _record_file(turn, v, kept, done=done)


async def _record_file(turn: Turn, v: AssignmentView, kept: tuple, *, done: bool) -> None:
    """Record a kept file (name, stored, digest, size) as evidence for `v`, closing it when it came with "xong"."""
    att = turn.incoming.attachment
    name, stored, digest, size = kept
    evidence = record_evidence(turn.session, assignment_id=v.id, stored=stored, digest=digest, size=size,
                               name=name, mime=att.mime, channel=turn.incoming.channel, uploaded_by=turn.user.id)
    if done and v.assignment.status != Status.DONE:
        await apply_status(turn, v.id, Status.DONE, evidence_id=evidence.id)
        return
    try:
        set_status(turn.session, assignment=v.assignment, status=v.assignment.status, actor=turn.actor,
                   now=turn.now, evidence_id=evidence.id, note=att.name)
    except NotAllowed as exc:
        turn.reply(str(exc))
        return
    turn.reply(_("📎 Đã lưu tài liệu kiểm chứng \"{name}\" cho nhiệm vụ {number}.").format(
        name=evidence.original_name, number=which_task(v, turn.work)), about=[v.id])


def _nothing_to_update(turn: Turn) -> str:
    """No open task the unit leads: say so, and who reports on those it only cooperates on."""
    if "partner" not in turn.services.settings.tracked_roles:
        partnered = queries.count_current(turn.session, unit_id=turn.task_unit_id, roles=("partner",),
                                          today=turn.today)
        if partnered:
            return _("Đơn vị của đồng chí không chủ trì nhiệm vụ nào đang mở. Với {n} nhiệm vụ đơn vị phối hợp, "
                     "đơn vị chủ trì cập nhật kết quả (gõ /viec phoihop để xem).").format(n=partnered)
    return _("Đơn vị của đồng chí không có nhiệm vụ nào đang mở để cập nhật.")
