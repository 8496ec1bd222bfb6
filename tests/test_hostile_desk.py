"""The desk given filters a person could not have picked from its lists (a pasted or edited link)."""
from __future__ import annotations

from starlette.testclient import TestClient

from tests.web_harness import link_token, make_desk
from web.app import build_desk_app


def test_a_plan_filter_in_other_digits_is_named_not_a_fault(settings, engine):
    desk = make_desk(settings, engine)
    officer = TestClient(build_desk_app(desk), raise_server_exceptions=False)   # as served: a fault is a 500 page
    assert officer.post(f"/login/{link_token(desk)}", follow_redirects=False).status_code == 303
    for plan in ("²", "١", "9999999999"):
        page = officer.get("/overdue", params={"plan": plan})
        assert page.status_code == 400 and f"Không có kế hoạch #{plan}" in page.text, plan
        assert 'class="overdue-row"' not in page.text, plan
