"""Signing in with a one-time link, and signing out."""
from __future__ import annotations

from dataclasses import asdict

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from services.web_links import LinkError, redeem_link
from web.context import checked_form, desk, page


async def login_form(request: Request):
    """The link opens a page with one button: link previews in chat apps never sign anyone in."""
    return page(request, "login.html", token=request.path_params["token"])


async def login(request: Request):
    d = desk(request)
    with Session(d.engine, expire_on_commit=False) as session:
        try:
            who = redeem_link(session, token=request.path_params["token"], now=d.clock())
        except LinkError as exc:
            session.rollback()
            return page(request, "error.html", status_code=403, message=str(exc))
        session.commit()
    request.session.clear()
    request.session["who"] = asdict(who)
    return RedirectResponse("/", status_code=303)


async def logout(request: Request):
    await checked_form(request)
    request.session.clear()
    return page(request, "error.html", message=None, signed_out=True)


routes = [Route("/login/{token}", login_form, methods=["GET"]), Route("/login/{token}", login, methods=["POST"]),
          Route("/logout", logout, methods=["POST"])]
