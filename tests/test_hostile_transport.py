"""What stands between the bot and Telegram answering in its own words: the office's proxy refusing a call (an
HTML 403 page, a 502) is a failure to retry, never Telegram saying the unit blocked the bot."""
from __future__ import annotations

import http.server
import threading
from datetime import date

import httpx
import pytest

from storage.models import ChatLink, Reminder, ReminderState
from tests.reminders_world import World, at, sending

WED = date(2026, 3, 18)


class _Gate(http.server.ThreadingHTTPServer):
    """A forwarding proxy on 127.0.0.1 that answers the first `refuse` sendMessage calls with its own page."""

    def __init__(self, refuse: list[tuple[int, bytes]]) -> None:
        self.refuse = refuse
        super().__init__(("127.0.0.1", 0), _GateHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _GateHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.endswith("/sendMessage") and self.server.refuse:
            status, page, ctype = *self.server.refuse.pop(0), "text/html"
        else:
            headers = {"Content-Type": self.headers["Content-Type"]} if self.headers["Content-Type"] else {}
            answer = httpx.post(self.path, content=body, headers=headers, trust_env=False)   # not itself
            status, page, ctype = answer.status_code, answer.content, "application/json"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def gate(monkeypatch):
    server = _Gate([(403, b"<html><body>Access denied by proxy policy</body></html>"),
                    (502, b"<html><body>502 Bad Gateway</body></html>")])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    yield server
    server.shutdown()
    server.server_close()


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
