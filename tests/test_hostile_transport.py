"""What stands between the bot and Telegram answering in its own words: the office's proxy refusing a call (an
HTML 403 page, a 502) is a failure to retry, never Telegram saying the unit blocked the bot."""
from __future__ import annotations

from datetime import date

import pytest

from storage.models import ChatLink, Reminder, ReminderState
from tests.fakes.proxy import ForwardingProxy
from tests.reminders_world import World, at, sending

WED = date(2026, 3, 18)


@pytest.fixture
def gate(monkeypatch):
    with ForwardingProxy([(403, b"<html><body>Access denied by proxy policy</body></html>"),
                          (502, b"<html><body>502 Bad Gateway</body></html>")]) as server:
        monkeypatch.setenv("HTTP_PROXY", server.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        yield server


async def test_a_proxy_refusing_a_reminder_delays_it_and_the_unit_stays_reachable(engine, settings, gate):
    world = World(engine)
    officer = world.link(world.unit("VP", name="Văn phòng Sở"), role="officer")
    tccb = world.unit("TCCB", name="Phòng Tổ chức cán bộ")
    staff = world.link(tccb)
    a = world.assign(world.task("Rà soát thủ tục hành chính"), tccb, WED)
    async with sending(engine, settings) as s:
        await s.round(at(WED, "08:00"))                      # 403 page, then 502 page: nothing sent yet
        assert s.texts(staff.chat_id) == []
        assert world.get(ChatLink, staff.id).active is True
        assert s.texts(officer.chat_id) == []                # no "đã chặn bot" notice
        for minute in range(1, 30):
            await s.round(at(WED, f"08:{minute:02d}"))
        assert len(s.texts(staff.chat_id)) == 1 and "Rà soát thủ tục hành chính" in s.texts(staff.chat_id)[0]
    assert gate.refuse == []
    assert world.get(ChatLink, staff.id).active is True
    [row] = world.reminders(_for(a))
    assert row.state == ReminderState.SENT



def _for(assignment):
    return Reminder.assignment_id == assignment.id
