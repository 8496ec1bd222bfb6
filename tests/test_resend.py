"""At least once, recognisably: a reminder sent again after an attempt with no known outcome says so, silently."""
from __future__ import annotations

from datetime import date, timedelta

from tests.reminders_world import World, at, sending

WED = date(2026, 3, 18)


async def test_a_resent_reminder_is_marked_and_arrives_without_a_sound(engine, settings):
    world = World(engine)
    unit = world.unit("VP")
    world.link(unit)
    world.assign(world.task("Báo cáo quý I"), unit, WED)
    world.assign(world.task("Báo cáo tháng"), world.unit("TC"), WED)
    world.link(world.get(type(unit), unit.id + 1))
    async with sending(engine, settings) as s:
        s.fake.fail_next("sendMessage", 502, "Bad Gateway", chat_id=1001)
        t0 = at(WED, "09:00")
        await s.round(t0)
        await s.round(t0 + timedelta(seconds=30))
    first, again = sorted(s.fake.sent, key=lambda m: str(m["chat_id"]) != "1002")
    assert str(first["chat_id"]) == "1002" and not first["text"].startswith("🔁")
    assert not first["params"].get("disable_notification")
    assert str(again["chat_id"]) == "1001" and again["text"].startswith("🔁 Gửi lại")
    assert "Báo cáo quý I" in again["text"] and again["params"]["disable_notification"] is True
