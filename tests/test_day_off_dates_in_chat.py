"""A deadline on a day off reads the same in /viec, the task card and the reminder: the working day it means."""
from __future__ import annotations

import asyncio
import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot.console import console_identity, run_console
from handlers.context import Services
from tests.reminders_world import World

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize("rule, due, reminded", [
    ("before", "hạn 19/06/2026, còn 4 ngày", "2026-06-16"),   # the 3-working-day reminder of Friday 19/06
    ("after", "hạn 22/06/2026, còn 7 ngày", "2026-06-17"),    # the 3-working-day reminder of Monday 22/06
])
def test_list_card_and_reminder_name_one_date(cli, engine, settings, rule, due, reminded):
    world = World(engine)
    vp = world.unit("VP", name="Văn phòng Sở")
    chat_id = world.link(vp).chat_id
    world.assign(world.task("Tự đánh giá chỉ số CCHC"), vp, date(2026, 6, 20))   # a Saturday
    note = "hạn ghi 20/06/2026 là ngày nghỉ"
    with Session(engine, expire_on_commit=False) as session:
        user, unit = console_identity(session, unit_code="VP", officer=False)
    services = Services(engine=engine, settings=settings.model_copy(update={"day_off_rule": rule}),
                        clock=lambda: datetime(2026, 6, 15, 9, tzinfo=VN))
    out = io.StringIO()
    asyncio.run(run_console(services, user=user, unit=unit, stdin=io.StringIO("/viec\n1\n"), stdout=out))
    listing, card = out.getvalue().split("> 1")
    assert f"NV 1: Tự đánh giá chỉ số CCHC ({due}; {note})" in listing
    assert f"1. Mở NV 1 (hạn {due[4:9]})" in listing   # the button names the same day, not the written Saturday
    assert f"Thời hạn: {due}; {note}" in card
    with Session(engine, expire_on_commit=False) as session:
        officer, unit = console_identity(session, unit_code="VP", officer=True)
    out = io.StringIO()
    asyncio.run(run_console(services, user=officer, unit=unit, stdin=io.StringIO("/tasks VP\n"), stdout=out))
    assert f"1. NV 1 [VP] (hạn {due[4:9]})" in out.getvalue()   # an officer's list and its buttons agree too
    sent = json.loads(cli("reminders", "preview", "--date", reminded, "--json",
                          env={"NHACVIEC_DAY_OFF_RULE": rule}).output)
    text = next(c["text"] for c in sent["chats"] if c["chat_id"] == chat_id)
    assert due.split(",")[0] in text and note in text
