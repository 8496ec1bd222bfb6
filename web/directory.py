"""The unit directory with invite codes as QR codes: a printable sheet per unit, or one for a whole group."""
from __future__ import annotations

from dataclasses import dataclass

import segno
from markupsafe import Markup
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from services import desk as desk_queries, queries
from services.invites import create_invite, deep_link
from storage.models import Unit, UnitGroup
from web.context import checked_form, desk, officer, page

SHEET_USES, SHEET_DAYS = 50, 30  # a notice-board sheet serves a school's staff for a month


@dataclass
class Sheet:
    unit: Unit
    code: str
    expires_at: object
    telegram: str
    telegram_qr: Markup
    zalo: str
    zalo_qr: Markup | None


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code for `url` (print and phone cameras read it)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=4, border=2))


async def directory(request: Request):
    officer(request)
    with Session(desk(request).engine) as session:
        return page(request, "units.html", units=desk_queries.units(session), groups=desk_queries.groups(session))


async def unit_sheet(request: Request):
    who = officer(request)
    await checked_form(request)
    with Session(desk(request).engine, expire_on_commit=False) as session:
        unit = queries.unit_by_code(session, request.path_params["code"])
        if unit is None:
            raise HTTPException(404)
        sheets = _sheets(request, session, [unit], who.name)
        session.commit()
    return page(request, "sheet.html", sheets=sheets, title=unit.name)


async def group_sheet(request: Request):
    who = officer(request)
    await checked_form(request)
    with Session(desk(request).engine, expire_on_commit=False) as session:
        group = session.get(UnitGroup, int(request.path_params["group_id"]))
        members = next((m for g, m in desk_queries.groups(session) if group and g.id == group.id), None)
        if not members:
            raise HTTPException(404)
        sheets = _sheets(request, session, members, who.name)
        session.commit()
    return page(request, "sheet.html", sheets=sheets, title=group.name)


def _sheets(request: Request, session: Session, units: list[Unit], by: str) -> list[Sheet]:
    d = desk(request)
    zalo = d.settings.zalo_link or ""
    out = []
    for unit in units:
        invite = create_invite(session, unit=unit, role="member", uses=SHEET_USES, expires_days=SHEET_DAYS,
                               created_by=by or "web", now=d.clock())
        telegram = deep_link(d.bot_username or d.settings.telegram_bot_username, invite.code)
        out.append(Sheet(unit, invite.code, invite.expires_at, telegram, qr_svg(telegram), zalo,
                         qr_svg(zalo) if zalo else None))
    return out


routes = [Route("/units", directory), Route("/units/{code}/sheet", unit_sheet, methods=["POST"]),
          Route("/groups/{group_id:row}/sheet", group_sheet, methods=["POST"])]
