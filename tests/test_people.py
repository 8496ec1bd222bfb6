"""Taking access away: `nhacviec people list|remove` and /remove; a removed person acts on nothing afterwards."""
from __future__ import annotations

import itertools
import json
from datetime import date, datetime

from sqlmodel import Session

from services.people import reopen_chat
from handlers.context import Services
from handlers.messages import Incoming
from handlers.router import handle
from storage.models import Assignment, ChatLink, ChatUser, MemberRole, Status
from tests.reminders_world import VN, World

NOW = datetime(2026, 3, 16, 9, tzinfo=VN)
_updates = itertools.count(1)


def said(link, text: str = "", *, data: str | None = None, chat_id: str | None = None,
         group: bool = False) -> Incoming:
    return Incoming(channel="telegram", chat_id=chat_id or link.chat_id, sender_id=link.chat_id, sender_name="Nam",
                    text=text, chat_type="group" if group else "private", button_data=data,
                    button_message_id="1" if data else None, update_key=f"tg:{next(_updates)}")


async def send(engine, settings, incoming: Incoming) -> str:
    replies = await handle(incoming, Services(engine=engine, settings=settings, clock=lambda: NOW))
    return "\n".join(r.text for r in replies)


def test_people_list_and_remove_from_the_command_line(cli, engine, settings):
    world = World(engine)
    unit = world.unit("VP")
    lan, head = world.link(unit), world.link(unit, role=MemberRole.HEAD)
    listed = json.loads(cli("people", "list", "--json").output)
    assert [(p["id"], p["unit"], p["role"]) for p in listed] == [(lan.user_id, "VP", "member"),
                                                                   (head.user_id, "VP", "head")]
    result = cli("people", "remove", str(lan.user_id))
    assert result.exit_code == 0 and "Đã gỡ quyền" in result.output
    assert [p["id"] for p in json.loads(cli("people", "list", "--json").output)] == [head.user_id]
    assert world.get(ChatLink, lan.id).active is False
    missing = cli("people", "remove", "999")
    assert missing.exit_code != 0 and "Không có người mang mã số 999" in missing.output


async def test_a_removed_person_can_no_longer_act_in_private_or_in_the_units_group(engine, settings):
    world = World(engine)
    unit = world.unit("VP")
    lan, officer = world.link(unit), world.link(world.unit("CCHC"), role=MemberRole.OFFICER)
    group = world.link(unit, kind="group")
    a = world.assign(world.task(), unit, date(2026, 3, 20))
    assert "Lệnh này dành cho cán bộ" in await send(engine, settings, said(lan, f"/remove {officer.user_id}"))
    assert "Đã gỡ quyền" in await send(engine, settings, said(officer, f"/remove {lan.user_id}"))
    assert "chưa được liên kết" in await send(engine, settings, said(lan, data=f"s:{a.id}:done"))
    await send(engine, settings, said(lan, f"/viec", chat_id=group.chat_id, group=True))
    await send(engine, settings, said(lan, data=f"s:{a.id}:done", chat_id=group.chat_id, group=True))
    assert world.get(Assignment, a.id).status == Status.OPEN
    assert world.get(ChatUser, lan.user_id).active is False


async def test_officers_see_people_in_chat(engine, settings):
    world = World(engine)
    lan = world.link(world.unit("VP"))
    officer = world.link(world.unit("CCHC"), role=MemberRole.OFFICER)
    listing = await send(engine, settings, said(officer, "/people VP"))
    assert f"#{lan.user_id} Người {lan.chat_id} — VP" in listing
    assert "Không thể tự gỡ" in await send(engine, settings, said(officer, f"/remove {officer.user_id}"))


def test_a_message_from_a_removed_person_does_not_reopen_their_blocked_chat(engine, cli):
    world = World(engine)
    lan = world.link(world.unit("VP"))
    world.update(ChatLink, lan.id, active=False, inactive_reason="blocked")
    assert cli("people", "remove", str(lan.user_id)).exit_code == 0
    assert reopen_chat(engine, channel="telegram", chat_id=lan.chat_id) == 0
    assert world.get(ChatLink, lan.id).active is False
