"""The desk's Starlette app: signed cookie sessions, CSRF-checked forms, a role check on every page."""
from __future__ import annotations

import logging
from http import HTTPStatus
import secrets
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from i18n import _
from web import auth, directory, pages, reports_page, upload
from web.context import Desk, page

log = logging.getLogger(__name__)
SESSION_HOURS = 8
STATIC = Path(__file__).resolve().parent / "static"


def session_secret(desk: Desk) -> str:
    """NHACVIEC_WEB_SECRET, else a random key kept in the data folder (so every worker signs alike)."""
    if desk.settings.web_secret:
        return desk.settings.web_secret.get_secret_value()
    path = Path(desk.settings.data_dir) / "web_secret.key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def build_desk_app(desk: Desk) -> Starlette:
    """The desk pages under `/`, to serve alone (`nhacviec web`) or mounted under the webhooks (`nhacviec run`)."""
    routes = [*auth.routes, *pages.routes, *reports_page.routes, *directory.routes, *upload.routes,
              Mount("/static", app=StaticFiles(directory=STATIC), name="static")]
    https = (desk.settings.public_url or "").startswith("https://")
    middleware = [Middleware(SessionMiddleware, secret_key=session_secret(desk), session_cookie="nhacviec_desk",
                             max_age=SESSION_HOURS * 3600, same_site="lax", https_only=https)]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: _refused, Exception: _failed})
    app.state.desk = desk
    return app


async def _failed(request: Request, exc: Exception):
    """A fault of ours: a Vietnamese page, never Starlette's bare "Internal Server Error"; the log has the traceback.

    This runs outside the session middleware, so the page is drawn without the signed-in person."""
    log.error("desk %s %s failed", request.method, request.url.path, exc_info=exc)
    message = _("Hệ thống gặp lỗi khi xử lý yêu cầu này. Đồng chí vui lòng thử lại; nếu vẫn lỗi, xin báo cán bộ phụ "
                "trách CCHC.")
    try:
        d = request.app.state.desk
        html = d.env.get_template("error.html").render(request=request, who=None, csrf="", today=d.today,
                                                       message=message)
    except Exception:  # the page itself cannot be drawn: the words alone
        return PlainTextResponse(message, status_code=500)
    return HTMLResponse(html, status_code=500)


async def _refused(request: Request, exc: HTTPException):
    messages = {401: _("Chưa đăng nhập. Gõ /web trong chat với bot (hoặc chạy nhacviec web link) để nhận liên "
                       "kết đăng nhập."),
                403: _("Đồng chí không có quyền xem trang này."),
                404: _("Không tìm thấy trang này."),
                405: _("Không tìm thấy trang này.")}
    explained = exc.detail if exc.detail and exc.detail != HTTPStatus(exc.status_code).phrase else None
    message = (explained if exc.status_code in (400, 403, 409, 503) and explained else
               messages.get(exc.status_code) or _("Không thực hiện được yêu cầu."))
    return page(request, "error.html", status_code=exc.status_code, message=message)
