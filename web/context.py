"""What every desk page needs: the engine, settings, clock, templates, and who is signed in."""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Awaitable, Callable, Sequence
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from config import Settings
from i18n import _, fmt_date, fmt_datetime, ngettext
from reminders.workcal import default_calendar
from services.clean_text import clip
from services.labels import (change_label, change_value, channel_label, chat_kind_label, role_label, status_label,
                             task_cell)
from services.status import Actor
from services.web_links import DeskPerson, LinkError, check_still_allowed
from storage.types import utcnow

TEMPLATES = Path(__file__).resolve().parent / "templates"


class RowId(Convertor[int]):
    """A row id in a desk path (`{task_id:row}`): at most 9 digits, so a mistyped long number is "not found"
    instead of overflowing the database's integer (SQLite's int64, PostgreSQL's int4)."""

    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("row", RowId())


@dataclass
class Desk:
    """Long-lived things the desk pages share (built once per server)."""

    engine: Engine
    settings: Settings
    clock: Callable[[], datetime] = utcnow
    bot_username: str | None = None
    notify: Callable[[list], Awaitable[None]] | None = None  # sends chat messages when the bot runs alongside
    env: jinja2.Environment = field(init=False)

    def __post_init__(self) -> None:
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                      extensions=["jinja2.ext.i18n"])
        self.env.install_gettext_callables(_, ngettext, newstyle=False)
        self.env.filters.update(date=fmt_date, datetime=fmt_datetime, status=status_label, role=role_label,
                                task_cell=task_cell, change=change_label, value=change_value, clip=clip,
                                channel=channel_label, chat_kind=chat_kind_label)
        # The working day a deadline on a day off means, as chat's task lines and the reminders count to it.
        self.env.filters["working"] = lambda day: default_calendar(self.settings.day_off_rule).effective(day)

    @property
    def today(self) -> date:
        return self.clock().astimezone(ZoneInfo(self.settings.timezone)).date()


def desk(request: Request) -> Desk:
    return request.app.state.desk


def person(request: Request) -> DeskPerson:
    """The signed-in person; 401 without a session."""
    who = request.session.get("who")
    if not who:
        raise HTTPException(401)
    found = DeskPerson(**who)
    with Session(desk(request).engine) as session:
        try:
            check_still_allowed(session, found)
        except LinkError:
            request.session.clear()
            raise HTTPException(401) from None
    return found


def officer(request: Request) -> DeskPerson:
    """The signed-in officer; 403 for a unit's head."""
    who = person(request)
    if not who.is_officer:
        raise HTTPException(403)
    return who


def actor(who: DeskPerson, user=None) -> Actor:
    return Actor(name=who.name or _("Trang làm việc"), channel="web", user=user, unit_id=who.unit_id,
                 role=who.role)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


async def checked_form(request: Request):
    """The posted form, after its CSRF token matched the session's; 403 otherwise."""
    form = await request.form()
    given, expected = str(form.get("csrf", "")), request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):  # often a tab from before a sign-in
        raise HTTPException(403, _("Trang này đã cũ (mở từ trước lần đăng nhập này) nên chưa thực hiện gì. Đồng chí "
                                   "tải lại trang rồi làm lại."))
    return form


PAGE_ROWS = 50  # rows of a long list shown at once: a unit with hundreds of tasks stays readable on a phone


@dataclass(frozen=True)
class Paging:
    """One page of a long list: its number (from 1), how many pages, and the address of any page."""

    number: int
    count: int
    first: int  # the index of the page's first row in the whole list
    path: str
    query: tuple[tuple[str, str], ...]

    def href(self, number: int) -> str:
        """This page's address with another page number; the list's filters are kept."""
        return self.path + "?" + urlencode([*(kv for kv in self.query if kv[0] != "page"), ("page", str(number))])


def paged(request: Request, items: Sequence, size: int = PAGE_ROWS) -> tuple[Sequence, Paging]:
    """The rows of the page asked for (`?page=N`); a page number out of range or mistyped shows the nearest page."""
    count = max(1, -(-len(items) // size))
    asked = request.query_params.get("page", "1")
    number = min(max(int(asked), 1), count) if asked.isascii() and asked.isdigit() and len(asked) < 9 else 1
    first = (number - 1) * size
    return items[first:first + size], Paging(number, count, first, request.url.path,
                                             tuple(request.query_params.multi_items()))


def page(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """Render a page with the signed-in person, the CSRF token and today's date."""
    d = desk(request)
    who = request.session.get("who")
    html = d.env.get_template(template).render(request=request, who=DeskPerson(**who) if who else None,
                                               csrf=csrf_token(request) if who else "", today=d.today, **values)
    return HTMLResponse(html, status_code=status_code)
