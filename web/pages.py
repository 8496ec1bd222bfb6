"""Overview, overdue, a unit, a task (with extension decisions and evidence files)."""
from __future__ import annotations

import logging
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from handlers.messages import Outgoing
from i18n import _, fmt_date, use_locale
from reminders.workcal import default_calendar
from reports.summary import build_report
from services import desk as desk_queries, queries
from services.evidence import S3_SCHEME, LocalStore, read_evidence
from services.extensions import ExtensionError, decide_extension
from services.labels import task_no
from services.worker import in_worker
from storage.models import Assignment, ChatUser, ExtensionRequest, Unit
from web.context import actor, checked_form, desk, officer, page, paged, person

log = logging.getLogger(__name__)


async def home(request: Request):
    who = person(request)
    d = desk(request)
    if not who.is_officer:
        with Session(d.engine) as session:
            unit = session.get(Unit, who.unit_id)
        return RedirectResponse(f"/unit/{unit.code}", status_code=303)
    with Session(d.engine) as session:
        report, plans = desk_queries.plan_progress(session, as_of=d.today, roles=d.settings.tracked_roles,
                                                   tz=ZoneInfo(d.settings.timezone),
                                                   day_off_rule=d.settings.day_off_rule)
        return page(request, "overview.html", report=report, plans=plans)


async def overdue(request: Request):
    officer(request)
    d, q = desk(request), request.query_params
    with Session(d.engine) as session:
        unit = queries.unit_by_code(session, q.get("unit", "")) if q.get("unit") else None
        if q.get("unit") and unit is None:  # as /overdue KHONGCO in chat; never the whole list as if filtered
            raise HTTPException(400, _("Không có đơn vị mã {code}.").format(code=q["unit"].strip()[:20]))
        plan = q.get("plan", "").strip()
        plan_id = int(plan) if plan.isascii() and plan.isdigit() and len(plan) < 10 else None  # "²" is no id
        if q.get("plan") and (plan_id is None or plan_id not in {p["id"] for p in queries.plan_summaries(session)}):
            raise HTTPException(400, _("Không có kế hoạch #{plan}.").format(plan=q["plan"].strip()[:20]))
        if q.get("section") and q["section"] not in desk_queries.sections(session):  # never "none overdue 🎉"
            raise HTTPException(400, _("Không có mục «{text}» trong các kế hoạch.").format(text=q["section"][:60]))
        views = desk_queries.overdue(session, today=d.today, roles=d.settings.tracked_roles,
                                     unit_ids=[unit.id] if unit else None, section=q.get("section", ""),
                                     plan_id=plan_id, day_off_rule=d.settings.day_off_rule)
        shown, paging = paged(request, sorted(views, key=lambda v: (v.unit.code, v.assignment.due_on)))
        groups: dict[str, list] = {}
        for v in shown:
            groups.setdefault(v.unit.code, []).append(v)
        units_in_list = len({v.unit.id for v in views})
        met_by = default_calendar(d.settings.day_off_rule).met_by   # the day shown and counted from, as /overdue
        return page(request, "overdue.html", groups=groups, total=len(views), units=desk_queries.units(session),
                    listed_units=units_in_list, paging=paging,
                    met_by=met_by,
                    sections=desk_queries.sections(session), chosen={"unit": unit.code if unit else "",
                    "section": q.get("section", ""), "plan": plan_id}, plans=queries.plan_summaries(session))


async def unit_page(request: Request):
    who = person(request)
    d = desk(request)
    with Session(d.engine) as session:
        unit = queries.unit_by_code(session, request.path_params["code"])
        if unit is None:
            raise HTTPException(404)
        if not who.is_officer and unit.id != who.unit_id:
            raise HTTPException(403)
        report = await in_worker(build_report, session, as_of=d.today, roles=d.settings.tracked_roles,
                                 unit_code=unit.code, tz=ZoneInfo(d.settings.timezone),
                                 day_off_rule=d.settings.day_off_rule)
        views, paging = paged(request, desk_queries.unit_views(session, unit))
        return page(request, "unit.html", unit=unit, report=report, views=views, paging=paging,
                    tracked=d.settings.tracked_roles,
                    met_by=default_calendar(d.settings.day_off_rule).met_by,
                    contacts=desk_queries.unit_contacts(session, unit), last=desk_queries.last_reply(session, unit))


async def task_page(request: Request):
    who = person(request)
    d = desk(request)
    with Session(d.engine) as session:
        found = desk_queries.task_page(session, int(request.path_params["task_id"]),
                                       unit_id=None if who.is_officer else who.unit_id)
        if found is None or found.task.removed:
            raise HTTPException(404)
        if not found.views:
            raise HTTPException(403)  # a unit's head asking for a task that is not their unit's
        notices = {"ok": _("Đã đồng ý"), "no": _("Đã từ chối"),  # the desk's words only, never a link's text
                   "ok-unsent": _("Đã đồng ý; chưa gửi được tin báo cho đơn vị, đồng chí báo đơn vị qua kênh khác."),
                   "no-unsent": _("Đã từ chối; chưa gửi được tin báo cho đơn vị, đồng chí báo đơn vị qua kênh khác.")}
        rows, paging = paged(request, found.views)  # the requests still name any unit, on every page
        return page(request, "task.html", t=found, rows=rows, paging=paging,
                    notice=notices.get(request.query_params.get("notice", ""), ""))


async def decide(request: Request):
    who = officer(request)
    form = await checked_form(request)
    verdict = form.get("verdict")
    if verdict not in ("ok", "no"):  # only the form's two buttons decide; anything else changes nothing
        raise HTTPException(400, _("Chưa rõ quyết định: hãy bấm «Đồng ý» hoặc «Từ chối» trên trang nhiệm vụ."))
    d = desk(request)
    with Session(d.engine, expire_on_commit=False) as session:
        user = session.get(ChatUser, who.user_id) if who.user_id else None
        try:
            req, assignment = decide_extension(session, request_id=int(request.path_params["request_id"]),
                                               approve=verdict == "ok", actor=actor(who, user),
                                               now=d.clock())
        except ExtensionError as exc:
            session.rollback()
            return page(request, "error.html", status_code=409, message=str(exc),
                        back=_task_of_request(session, int(request.path_params["request_id"])))
        session.commit()
        v = queries.view(session, assignment.id)
        messages = _decision_messages(session, v, approve=req.state == "approved")
    notice = verdict
    if d.notify is not None:
        try:
            await d.notify(messages)
        except Exception:  # the decision is recorded; the page says so, and that the unit was not told
            log.exception("desk decision %s: the unit's chats were not told", req.id)
            notice += "-unsent"
    return RedirectResponse(f"/task/{v.task.id}?notice={notice}", status_code=303)


def _task_of_request(session: Session, request_id: int) -> str | None:
    """The task page a request belongs to: where the officer goes back to after a refused decision."""
    found = session.get(ExtensionRequest, request_id)
    assignment = session.get(Assignment, found.assignment_id) if found else None
    return f"/task/{assignment.task_id}" if assignment else None


def _decision_messages(session: Session, v, *, approve: bool) -> list[Outgoing]:
    """The unit hears the decision in its chats, worded as when an officer decides in chat."""
    out = []
    for link in desk_queries.unit_contacts(session, v.unit):
        with use_locale(link.lang):
            text = (_("✅ Đề nghị gia hạn nhiệm vụ {number} đã được đồng ý. Hạn mới: {date}.") if approve else
                    _("❌ Đề nghị gia hạn nhiệm vụ {number} không được đồng ý. Hạn vẫn là {date}."))
            out.append(Outgoing(text=text.format(number=task_no(v.task), date=fmt_date(v.assignment.due_on)),
                                chat_id=link.chat_id, channel=link.channel, about=[v.id], lang=link.lang))
    return out


async def evidence(request: Request):
    who = person(request)
    d = desk(request)
    with Session(d.engine) as session:
        found = desk_queries.evidence_file(session, int(request.path_params["evidence_id"]))
    if found is None:
        raise HTTPException(404)
    item, assignment = found
    if not who.is_officer and assignment.unit_id != who.unit_id:
        raise HTTPException(403)
    disposition = "inline" if request.query_params.get("open") == "1" else "attachment"
    if not item.stored_path.startswith(S3_SCHEME):       # a file on this machine (or the shared mount)
        path = LocalStore(d.settings.evidence_dir).find(item.stored_path)
        if path is None:
            raise HTTPException(404)
        return FileResponse(path, filename=item.original_name, media_type=item.mime or None,
                            content_disposition_type=disposition)
    try:
        data = await in_worker(read_evidence, d.settings, item.stored_path)
    except Exception as exc:  # the store is unreachable: say so, without a traceback
        log.error("evidence %s not read: %s", item.id, exc)
        raise HTTPException(503, _("Kho lưu trữ tệp tạm thời không truy cập được; vui lòng thử lại sau.")) from exc
    if data is None:
        raise HTTPException(404)
    return Response(data, media_type=item.mime or "application/octet-stream",
                    headers={"Content-Disposition": content_disposition(disposition, item.original_name)})


def content_disposition(kind: str, filename: str) -> str:
    """As starlette's FileResponse words it: RFC 5987 for names beyond ASCII."""
    quoted = quote(filename)
    if quoted != filename:
        return f"{kind}; filename*=utf-8''{quoted}"
    return f'{kind}; filename="{filename}"'



routes = [Route("/", home), Route("/overdue", overdue), Route("/unit/{code}", unit_page),
          Route("/task/{task_id:row}", task_page), Route("/extension/{request_id:row}", decide, methods=["POST"]),
          Route("/evidence/{evidence_id:row}", evidence)]
