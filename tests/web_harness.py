"""The desk for tests: the sample workspace, a fixed clock, sign-in links, and a TestClient or a real server."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session
from starlette.testclient import TestClient

from services import queries
from services.web_links import create_link
from services.workspace import ensure_sample_workspace
from web.app import build_desk_app
from web.context import Desk

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 4, 15, 9, 0, tzinfo=VN)


def make_desk(settings, engine, *, now: datetime = NOW, notify=None) -> Desk:
    ensure_sample_workspace(engine)
    return Desk(engine=engine, settings=settings, clock=lambda: now, bot_username="nhacviec_test_bot", notify=notify)


def link_token(desk: Desk, *, unit_code: str | None = None, minutes_ago: int = 0, user=None) -> str:
    """A fresh one-time token: an officer's, or (unit_code) a unit head's."""
    with Session(desk.engine) as session:
        unit = queries.unit_by_code(session, unit_code) if unit_code else None
        token = create_link(session, role="head" if unit_code else "officer", unit=unit, user=user,
                            name=unit.name if unit else "Chị Lan", now=desk.clock() - timedelta(minutes=minutes_ago))
        session.commit()
    return token


def signed_in(desk: Desk, *, unit_code: str | None = None) -> TestClient:
    client = TestClient(build_desk_app(desk))
    response = client.post(f"/login/{link_token(desk, unit_code=unit_code)}", follow_redirects=False)
    assert response.status_code == 303
    return client


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def counts_in(html: str, table_id: str) -> dict[str, int]:
    """The data-k cells of the first counts row after `id="{table_id}"`."""
    part = html.split(f'id="{table_id}"', 1)[1]
    row = part.split("</tr>", 2)[1] if table_id != "report-tasks" else part.split("</tr>", 1)[0]
    return {k: int(v) for k, v in re.findall(r'data-k="(\w+)">(\d+)<', row)}
