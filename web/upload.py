"""A plan file dropped on the page: the same preview as in chat, then import (all or nothing) or cancel."""
from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.routing import Route

from i18n import _
from services import plan_upload
from services.plan_upload import UploadError
from services.worker import in_worker
from web.context import checked_form, desk, officer, page


def _folder(request: Request):
    return desk(request).settings.data_dir / "uploads"


def _uploader(request: Request) -> str:
    return "web:" + request.session["csrf"]  # one sign-in: its CSRF token is random and private


async def upload_form(request: Request):
    officer(request)
    return page(request, "upload.html", error="")


async def upload(request: Request):
    who = officer(request)
    form = await checked_form(request)
    d = desk(request)
    file = form.get("file")
    if file is None or not getattr(file, "filename", ""):
        return page(request, "upload.html", status_code=400, error=_("Hãy chọn tệp kế hoạch."))
    data = await file.read(d.settings.evidence_max_bytes + 1)
    if len(data) > d.settings.evidence_max_bytes:
        return page(request, "upload.html", status_code=400, error=_("Tệp quá lớn. Giới hạn là {limit} MB.").format(
            limit=round(d.settings.evidence_max_bytes / 1048576, 1)))
    if not plan_upload.looks_like_plan(file.filename):
        return page(request, "upload.html", status_code=400, error=_(
            "Không hỗ trợ tệp {name}. Hãy gửi tệp Word (.docx), Excel (.xlsx), PDF hoặc CSV.").format(
            name=file.filename))
    item = plan_upload.stage(_folder(request), data=data, name=file.filename, uploader=_uploader(request),
                             now=d.clock())
    with Session(d.engine) as session:
        try:
            preview = await in_worker(plan_upload.preview, session, item, today=d.today,
                                      actor=who.name or "web", max_rows=d.settings.import_max_rows,
                                      reporting=d.settings.reporting_calendar,
                                      day_off_rule=d.settings.day_off_rule)
        except UploadError as exc:
            plan_upload.discard(_folder(request), item.token)
            return page(request, "upload.html", status_code=400, error=str(exc))
    return page(request, "preview.html", p=preview)


async def decide(request: Request):
    who = officer(request)
    form = await checked_form(request)
    d, token = desk(request), request.path_params["token"]
    with Session(d.engine, expire_on_commit=False) as session:
        try:
            item = plan_upload.staged(_folder(request), token, uploader=_uploader(request), now=d.clock())
            if form.get("action") != "import":
                plan_upload.discard(_folder(request), token)
                return page(request, "upload.html", error="", notice=_(
                    "Đã huỷ, không nhập kế hoạch từ tệp {name}.").format(name=item.path.name))
            accept = sorted({int(n) for n in form.getlist("accept") if str(n).isdigit()})
            _parsed, report = await in_worker(plan_upload.confirm, session, item, today=d.today,
                                              actor=who.name or "web", folder=_folder(request),
                                              max_rows=d.settings.import_max_rows, accept=accept,
                                              reporting=d.settings.reporting_calendar,
                                              day_off_rule=d.settings.day_off_rule)
            session.commit()
        except UploadError as exc:
            session.rollback()
            return page(request, "upload.html", status_code=409, error=str(exc))
    return page(request, "imported.html", report=report)


routes = [Route("/upload", upload_form, methods=["GET"]), Route("/upload", upload, methods=["POST"]),
          Route("/upload/{token}", decide, methods=["POST"])]
