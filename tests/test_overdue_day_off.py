"""/overdue follows the day-off rule the reminders and the report follow (NHACVIEC_DAY_OFF_RULE)."""
from __future__ import annotations

import asyncio
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot.console import console_identity, run_console
from handlers.context import Services
from storage.models import MemberRole
from tests.reminders_world import World

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _overdue_said(engine, settings, rule: str, today: date) -> str:
    """What an officer reads for /overdue on `today` about one task due Saturday 20/06/2026."""
    world = World(engine)
    vp = world.unit("VP", name="Văn phòng Sở")
    world.link(vp, role=MemberRole.OFFICER)
    world.assign(world.task("Tự đánh giá chỉ số CCHC"), vp, date(2026, 6, 20))   # a Saturday
    with Session(engine, expire_on_commit=False) as session:
        user, unit = console_identity(session, unit_code="VP", officer=True)
    services = Services(engine=engine, settings=settings.model_copy(update={"day_off_rule": rule}),
                        clock=lambda: datetime.combine(today, datetime.min.time().replace(hour=9), tzinfo=VN))
    out = io.StringIO()
    asyncio.run(run_console(services, user=user, unit=unit, stdin=io.StringIO("/overdue\n"), stdout=out))
    return out.getvalue()


@pytest.mark.parametrize("rule, monday_says", [("after", "Không có nhiệm vụ nào quá hạn"),
                                               ("before", "⚠️ 1 phân công quá hạn")])
def test_a_saturday_deadline_on_the_monday_after(engine, settings, rule, monday_says):
    # "after": the deadline means Monday 22/06, due today, not late yet; "before": it meant Friday 19/06.
    assert monday_says in _overdue_said(engine, settings, rule, date(2026, 6, 22))


@pytest.mark.parametrize("rule, line", [("after", "hạn 22/06/2026, trễ 1 ngày"), ("before", "hạn 20/06/2026, trễ 3 ngày")])
def test_days_late_count_from_the_day_the_deadline_was_met_by(engine, settings, rule, line):
    assert f"NV 1: Tự đánh giá chỉ số CCHC — {line}" in _overdue_said(engine, settings, rule, date(2026, 6, 23))


@pytest.mark.parametrize("rule, cells", [("after", ("22/06/2026", "1 ngày")), ("before", ("20/06/2026", "3 ngày"))])
def test_the_desks_overdue_list_counts_as_the_chat_does(engine, settings, rule, cells):
    from tests.web_harness import signed_in
    from web.context import Desk

    world = World(engine)
    vp = world.unit("VP", name="Văn phòng Sở")
    world.assign(world.task("Tự đánh giá chỉ số CCHC"), vp, date(2026, 6, 20))   # a Saturday
    desk = Desk(engine=engine, settings=settings.model_copy(update={"day_off_rule": rule}),
                clock=lambda: datetime(2026, 6, 23, 9, tzinfo=VN), bot_username="nhacviec_test_bot")
    html = signed_in(desk).get("/overdue").text
    row = html.split('<tr class="overdue-row">', 1)[1].split("</tr>", 1)[0]
    assert f'<td class="n">{cells[0]}</td>' in row and f'<td class="n late">{cells[1]}</td>' in row, row


@pytest.mark.parametrize("rule, overdue, late", [("after", 0, False), ("before", 1, True)])
def test_the_desks_unit_page_judges_lateness_as_the_overview_does(engine, settings, rule, overdue, late):
    """On Monday 22/06 a Saturday 20/06 deadline is not late under 'after': the unit's counts and row agree."""
    from tests.web_harness import counts_in, signed_in
    from web.context import Desk

    world = World(engine)
    vp = world.unit("VP", name="Văn phòng Sở")
    world.assign(world.task("Tự đánh giá chỉ số CCHC"), vp, date(2026, 6, 20))   # a Saturday
    desk = Desk(engine=engine, settings=settings.model_copy(update={"day_off_rule": rule}),
                clock=lambda: datetime(2026, 6, 22, 9, tzinfo=VN), bot_username="nhacviec_test_bot")
    officer = signed_in(desk)
    html = officer.get("/unit/VP").text
    assert counts_in(html, "unit-counts")["overdue"] == overdue
    assert counts_in(officer.get("/").text, "total")["overdue"] == overdue
    row = html.split('<tr class="task-row">', 1)[1].split("</tr>", 1)[0]
    assert ('class="n late"' in row) is late, row
