"""Officers: who is late, what is coming, status by unit or task, search, invites, extension decisions."""
from __future__ import annotations

import re
from collections import OrderedDict
from datetime import timedelta

from handlers import answers, staff
from handlers.context import Turn
from handlers.messages import is_number, row_id
from handlers.render import due_text, fit, nav_buttons, open_buttons, page, short, task_line, text_pages
from handlers.system import CHANNEL_NAMES, REASONS
from i18n import _, fmt_date, ngettext, use_locale
from replies.words import plain
from services import conversation, people, queries
from services.extensions import ExtensionError, decide_extension
from services.invites import InviteError, create_invite, deep_link
from services.labels import role_name, status_label, task_no, task_ref
from storage.models import ChatLink, MemberRole, Status, Unit
from units.lookup import units_named

STATUS_PAGE_SIZE = 20  # lines of one /status page: well inside one Telegram message
STATUS_CANDIDATES = 10  # units listed when a /status name may mean several


def officer_only(turn: Turn) -> bool:
    if not turn.is_officer:
        turn.reply(_("Lệnh này dành cho cán bộ theo dõi CCHC. Gõ /viec để xem nhiệm vụ của đơn vị."))
        return False
    return True


def _unit_filter(turn: Turn, args: str, command: str) -> tuple[list[int] | None, str]:
    """(None, "-") for every unit, ([id], its code) for the one named (code, name or alias: the next page names it
    by its code); ([], "") after saying so when the words name no unit, or may mean several (listed, none picked)."""
    key = args.strip()
    if not key:
        return None, "-"
    unit = queries.unit_by_code(turn.session, key)
    if unit is None:
        named = units_named(turn.session, key)
        if named.unit is None and named.candidates:
            _ask_which_unit(turn, key, named.candidates, command)
            return [], ""
        unit = named.unit
    if unit is None:
        turn.reply(_("Không có đơn vị mã {code}.").format(code=key[:20]))
        return [], ""
    return [unit.id], unit.code


async def cmd_overdue(turn: Turn, args: str, number: int = 0) -> None:
    """/overdue [unit]: overdue assignments grouped by unit, with days late, paged by message size."""
    if not officer_only(turn):
        return
    unit_ids, page_key = _unit_filter(turn, args, "overdue")
    if unit_ids == []:
        return
    views = queries.overdue(turn.session, today=turn.today, unit_ids=unit_ids,
                            roles=turn.services.settings.tracked_roles,
                            day_off_rule=turn.services.settings.day_off_rule)
    if not views:
        turn.reply(_("Không có nhiệm vụ nào quá hạn. 🎉"))
        return
    groups: OrderedDict[str, list] = OrderedDict()
    for v in sorted(views, key=lambda v: (v.unit.code, v.assignment.due_on)):
        groups.setdefault(v.unit.code, []).append(v)
    blocks = [_overdue_block(turn, items) for items in groups.values()]
    pages = text_pages(blocks)
    number = min(max(number, 0), len(pages) - 1)
    header = _("⚠️ {n} phân công quá hạn ở {u} đơn vị").format(n=len(views), u=len(groups))
    if len(pages) > 1:
        header += f" ({number + 1}/{len(pages)})"
    turn.reply(header + ":\n\n" + pages[number],
               buttons=nav_buttons("overdue", page_key, number, len(pages)))


def _overdue_block(turn: Turn, items) -> str:
    lines = [f"{items[0].unit.name} ({items[0].unit.code}):"]
    for v in items:
        due = turn.work.met_by(v.assignment.due_on)   # late from the day the day-off rule gave, as /overdue judges
        late = (turn.today - due).days
        lines.append(ngettext("  • {ref}: {title} — hạn {date}, trễ {n} ngày",
                              "  • {ref}: {title} — hạn {date}, trễ {n} ngày", late).format(
            ref=task_ref(v.task.number, v.task.source), title=short(v.task.title, 70),
            date=fmt_date(due), n=late))
    return "\n".join(lines)


MAX_UPCOMING_DAYS = 366


async def cmd_upcoming(turn: Turn, args: str, number: int = 0) -> None:
    """/upcoming [days]: open assignments due in the next days (default 7)."""
    if not officer_only(turn):
        return
    given = args.strip()
    days = int(given) if given.isascii() and given.isdigit() and len(given) <= 3 else None
    if given and (days is None or days > MAX_UPCOMING_DAYS):  # "mười", "9999999999": say how, never crash
        turn.reply(_("Cách dùng: /upcoming [số ngày từ 0 đến {max}], ví dụ /upcoming 14").format(
            max=MAX_UPCOMING_DAYS))
        return
    days = 7 if days is None else days
    views = queries.views(turn.session, due_from=turn.today, due_before=turn.today + timedelta(days=days + 1),
                          roles=turn.services.settings.tracked_roles)
    _list(turn, views, _("📅 Sắp đến hạn trong {days} ngày: {n} phân công").format(days=days, n=len(views)),
          "upcoming", str(days), number)


async def cmd_tasks(turn: Turn, args: str, number: int = 0) -> None:
    """/tasks [unit]: open assignments, all or one unit's."""
    if not officer_only(turn):
        return
    unit_ids, page_key = _unit_filter(turn, args, "tasks")
    if unit_ids == []:
        return
    views = queries.views(turn.session, unit_ids=unit_ids, roles=turn.services.settings.tracked_roles)
    _list(turn, views, _("📋 {n} phân công đang mở").format(n=len(views)), "tasks", page_key, number)


async def cmd_find(turn: Turn, args: str, number: int = 0) -> None:
    """/find <words>: tasks whose title or product match, one line per task with its lead units."""
    if not officer_only(turn):
        return
    if not args.strip():
        turn.reply(_("Cách dùng: /find <từ khoá>, ví dụ /find chuyển đổi số"))
        return
    views = queries.views(turn.session, words=args, statuses=Status.ACTIVE + (Status.DONE,),
                          roles=turn.services.settings.tracked_roles)
    firsts = list({v.task.id: v for v in reversed(views)}.values())[::-1]  # the earliest due per task
    firsts.sort(key=lambda v: (v.task.plan_id, v.task.position))
    items, number, pages = page(firsts, number)
    lines = [_("🔎 \"{q}\": {n} nhiệm vụ").format(q=args.strip()[:40], n=len(firsts))
             + (f" ({number + 1}/{pages})" if pages > 1 else "")]
    for v in items:
        leads = sorted({w.unit.code for w in views if w.task.id == v.task.id})
        lines.append(_("{ref}: {title} — chủ trì: {units} — {due}").format(
            ref=task_ref(v.task.number, v.task.source), title=short(v.task.title, 70), units=", ".join(leads),
            due=due_text(v.assignment.due_on, turn.today, v.task.deadline_text, turn.work, v.assignment.status)))
    turn.reply(fit(lines), buttons=open_buttons(items, turn.work, with_unit=True) + nav_buttons("find", args.strip()[:30],
                                                                                      number, pages))


def _list(turn: Turn, views, header: str, kind: str, arg: str, number: int) -> None:
    items, number, pages = page(views, number)
    lines = [header + (f" ({number + 1}/{pages})" if pages > 1 else "")]
    lines += [task_line(v, turn.today, with_unit=True, work=turn.work) for v in items]
    turn.reply(fit(lines), buttons=open_buttons(items, turn.work, with_unit=True) + nav_buttons(kind, arg, number, pages),
               about=[v.id for v in items])


_WRITTEN_TASK = re.compile(r"(?:nv|nhiem vu)\.?\s*(\d[\d.]*)")


def _task_number(key: str) -> str:
    """The task number of "27", or of "NV 27" / "Nhiệm vụ 27" as every list writes it."""
    written = _WRITTEN_TASK.fullmatch(plain(key).strip())
    return written.group(1) if written else key


async def cmd_status(turn: Turn, args: str, number: int = 0) -> None:
    """/status <unit code, name or alias | task number>: where things stand (chủ trì in full, phối hợp counted)."""
    if not officer_only(turn):
        return
    key = args.strip()
    if not key:
        turn.reply(_("Cách dùng: /status <mã hoặc tên đơn vị | số nhiệm vụ>, ví dụ /status VP, /status Văn phòng "
                     "hoặc /status 12"))
        return
    unit = queries.unit_by_code(turn.session, key)
    views = _live(queries.views(turn.session, unit_ids=[unit.id], statuses=None) if unit is not None
                  else queries.views(turn.session, task_number=_task_number(key), statuses=None))
    if unit is None and not views:  # neither a code nor a task number: a unit's name or alias ("Văn phòng")
        named = units_named(turn.session, key)
        if named.unit is None and named.candidates:
            _ask_which_unit(turn, key, named.candidates)
            return
        unit = named.unit
        if unit is not None:
            views = _live(queries.views(turn.session, unit_ids=[unit.id], statuses=None))
    if unit is not None:
        title = _("Tình hình của {unit}:").format(unit=unit.name)
    else:  # one report period is named, never by its code ("q1")
        one = views[0].task if views and len({v.task.id for v in views}) == 1 else None
        title = _("Tình hình nhiệm vụ {number}:").format(number=task_no(one) if one else key)
    if not views and unit is not None:  # the unit exists (a school that joined later): it leads nothing yet
        turn.reply("\n".join([_("{unit} chưa được giao nhiệm vụ nào trong kế hoạch.").format(unit=unit.name)]
                              + unreachable_lines(people.unreachable_on_zalo(turn.session, unit_id=unit.id))))
        return
    if not views:
        turn.reply(_("Không tìm thấy đơn vị hay nhiệm vụ \"{key}\".").format(key=key[:30]))
        return
    tracked = [v for v in views if v.assignment.role in turn.services.settings.tracked_roles]
    others = [v for v in views if v not in tracked]
    pages = max(1, -(-len(tracked) // STATUS_PAGE_SIZE))
    number = min(max(number, 0), pages - 1)
    shown = tracked[number * STATUS_PAGE_SIZE:(number + 1) * STATUS_PAGE_SIZE]
    summary = (_summary(tracked) if tracked or unit is None
               else _("Đơn vị không chủ trì nhiệm vụ nào."))   # a commune that only supports: not a bare "—"
    lines = [title, summary] + [task_line(v, turn.today, with_unit=unit is None, work=turn.work) for v in shown]
    if others:
        lines.append(_("Phối hợp: {n} phân công ({summary})").format(n=len(others), summary=_summary(others)))
    if unit is not None:
        lines += unreachable_lines(people.unreachable_on_zalo(turn.session, unit_id=unit.id))
    if pages > 1:
        lines.append(f"({number + 1}/{pages})")
    page_key = unit.code if unit is not None else key  # the next page names the unit the way it was found
    turn.reply(fit(lines), buttons=open_buttons(shown[:10], turn.work, with_unit=unit is None)
               + nav_buttons("status", page_key[:30], number, pages), about=[v.id for v in shown])


def _live(views) -> list:
    return [v for v in views if v.assignment.status != Status.CANCELLED]


def _ask_which_unit(turn: Turn, key: str, candidates, command: str = "status") -> None:
    """The words may mean several units (or only partly name one): list them, pick none."""
    shown = candidates[:STATUS_CANDIDATES]
    lines = [_("Không rõ \"{key}\" là đơn vị nào; có thể là:").format(key=key[:30]) if len(candidates) == 1 else
             _("Không rõ \"{key}\" là đơn vị nào: có {n} đơn vị khớp.").format(key=key[:30], n=len(candidates))]
    lines += [f"• {u.code} — {u.name}" for u in shown]
    if len(candidates) > len(shown):
        lines.append(_("… và {n} đơn vị khác.").format(n=len(candidates) - len(shown)))
    if command == "status":
        lines.append(_("Gõ /status <mã đơn vị> để xem tình hình, ví dụ /status {code}").format(code=shown[0].code))
    else:
        lines.append(_("Gõ /{command} <mã đơn vị>, ví dụ /{command} {code}").format(command=command,
                                                                                 code=shown[0].code))
    turn.reply(fit(lines))


def unreachable_lines(rows: list[tuple[str, str, str]]) -> list[str]:
    """"Not on Zalo" lines for /status: the unit's Zalo chat cannot receive reminders, and why."""
    return [_("📵 Không nhắc được trên {channel}: {reason}.").format(
        channel=CHANNEL_NAMES.get(channel, channel), reason=_(REASONS.get(reason, reason)))
        for _unit, channel, reason in rows]


def _summary(views) -> str:
    counts: dict[str, int] = {}
    for v in views:
        counts[v.assignment.status] = counts.get(v.assignment.status, 0) + 1
    return ", ".join(f"{status_label(s)}: {n}" for s, n in counts.items()) or "—"


MAX_INVITE_USES = 1000  # a code for a whole commune's schools, not an unbounded one


async def cmd_invite(turn: Turn, args: str) -> None:
    """/invite <unit> [role] [uses]: a join code and deep link."""
    if not officer_only(turn):
        return
    parts = args.split()
    if not parts:
        turn.reply(_("Cách dùng: /invite <mã hoặc tên đơn vị> [member|head|officer] [số lần dùng]"))
        return
    unit = queries.unit_by_code(turn.session, parts[0])
    if unit is not None:  # "/invite VP head 5": a code, then the role and the count as written
        role, count = (parts[1] if len(parts) > 1 else MemberRole.MEMBER), (parts[2] if len(parts) > 2 else None)
    else:  # "/invite Trường THPT Chu Văn An head 5": the name is what comes before a role word
        role, count, words = _invite_tail(parts)
        unit_ids, _code = _unit_filter(turn, " ".join(words), "invite")
        if not unit_ids:
            return
        unit = turn.session.get(Unit, unit_ids[0])
    if count is not None and not (is_number(count) and len(count) <= 6 and 1 <= int(count) <= MAX_INVITE_USES):
        turn.reply(_("Số lần dùng phải là số từ 1 đến {most}, ví dụ /invite {code} member 20.").format(
            most=MAX_INVITE_USES, code=unit.code))
        return
    uses = int(count) if count is not None else 20
    try:
        invite = create_invite(turn.session, unit=unit, role=role, uses=uses, expires_days=14,
                               created_by=turn.actor.name, now=turn.now)
    except InviteError as exc:
        turn.reply(str(exc))
        return
    turn.reply(_("Mã mời cho {unit} ({role}): {code}\nLiên kết Telegram: {link}\nZalo: gửi mã {code} cho bot.\n"
                 "Hiệu lực đến {date}, dùng được {uses} lần.").format(
        unit=unit.name, role=role_name(role), code=invite.code, link=deep_link(turn.services.bot_username, invite.code),
        date=fmt_date(invite.expires_at), uses=uses))


def _invite_tail(parts: list[str]) -> tuple[str, str | None, list[str]]:
    """(role, use count or None, the unit's words) of "/invite <unit name> [role] [count]". A count is read only
    after a role word, so a name that ends in a number ("Trường Tiểu học Số 2") stays whole."""
    if len(parts) > 2 and parts[-2].lower() in MemberRole.ALL:
        return parts[-2].lower(), parts[-1], parts[:-2]
    if len(parts) > 1 and parts[-1].lower() in MemberRole.ALL:
        return parts[-1].lower(), None, parts[:-1]
    return MemberRole.MEMBER, None, parts


async def on_button(turn: Turn, data: str) -> None:
    """Extension decisions (xa:) and page turns (p:)."""
    kind, _sep, rest = data.partition(":")
    try:
        if kind == "xa":
            request_id, verdict = rest.split(":")
            if verdict not in ("ok", "no"):
                raise ValueError(verdict)
            await _decide(turn, row_id(request_id), verdict == "ok")
        elif kind == "p":
            what, arg, number = rest.split(":")
            await _turn_page(turn, what, arg, row_id(number))
    except (ValueError, LookupError):  # cut, tampered or from an older version: nothing is done
        turn.reply(_("Nút này không còn dùng được. Gõ /viec để xem lại nhiệm vụ."))


async def _turn_page(turn: Turn, what: str, arg: str, number: int) -> None:
    arg = "" if arg == "-" else arg
    if what == "mine":
        await staff.cmd_my_tasks(turn, arg, number)
    elif what == "overdue":
        await cmd_overdue(turn, arg, number)
    elif what == "upcoming":
        await cmd_upcoming(turn, arg, number)
    elif what == "tasks":
        await cmd_tasks(turn, arg, number)
    elif what == "find":
        await cmd_find(turn, arg, number)
    elif what == "status":
        await cmd_status(turn, arg, number)
    elif what == "pick":
        code, when = arg.split(",")
        intent = {"done": "done", "prog": "in_progress", "open": "not_done", "ext": "extension"}[code]
        from replies.classifier import Reply
        from datetime import date as _date
        reply = Reply(intent, _date.fromisoformat(when) if when != "-" else None)
        answers.ask_which(turn, answers.unit_targets(turn), reply, number)  # the list page 1 was cut from
    elif what == "ev":
        answers.ask_file_task(turn, number)
    else:
        raise ValueError(what)


async def decide(turn: Turn, request_id: int, approve: bool) -> None:
    """Approve or refuse one request and tell the unit (a button, a number or words answering it)."""
    await _decide(turn, request_id, approve)


async def _decide(turn: Turn, request_id: int, approve: bool) -> None:
    try:
        request, assignment = decide_extension(turn.session, request_id=request_id, approve=approve,
                                               actor=turn.actor, now=turn.now)
    except ExtensionError as exc:
        turn.reply(str(exc), notice=str(exc))
        return
    v = queries.view(turn.session, assignment.id)
    verdict = _("Đã đồng ý") if approve else _("Đã từ chối")
    turn.reply(_("{verdict} gia hạn nhiệm vụ {number} của {unit} đến {date}.").format(
        verdict=verdict, number=task_no(v.task), unit=v.unit.code, date=fmt_date(request.requested_on)),
        edit_message_id=turn.incoming.button_message_id, notice=verdict)
    for link in _unit_links(turn, v.unit.id):
        with use_locale(link.lang):
            text = (_("✅ Đề nghị gia hạn nhiệm vụ {number} đã được đồng ý. Hạn mới: {date}.") if approve else
                    _("❌ Đề nghị gia hạn nhiệm vụ {number} không được đồng ý. Hạn vẫn là {date}."))
            turn.send_to(link, text.format(number=task_no(v.task), date=fmt_date(assignment.due_on)), about=[v.id])


def _unit_links(turn: Turn, unit_id: int) -> list[ChatLink]:
    return conversation.unit_links(turn.session, unit_id=unit_id)
