"""Phối hợp (partner) units are not reminded nor counted late unless NHACVIEC_TRACK_PARTNERS is on."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session

from reminders.compose import digest_lines
from services import queries
from storage.models import Assignment, Role
from tests.reminders_world import World, at, sending

WED = date(2026, 3, 18)


def setup(engine):
    world = World(engine)
    lead_unit, partner_unit = world.unit("VP", name="Văn phòng Sở"), world.unit("TCCB")
    lead_link, partner_link = world.link(lead_unit), world.link(partner_unit)
    task = world.task("Báo cáo công tác CCHC quý I")
    world.assign(task, lead_unit, WED)
    partner = world.assign(task, partner_unit, WED)
    world.update(Assignment, partner.id, role=Role.PARTNER)
    return lead_link, partner_link


async def test_only_the_lead_unit_is_reminded_by_default(engine, settings):
    lead_link, partner_link = setup(engine)
    async with sending(engine, settings) as s:
        report = await s.round(at(WED, "08:00"))
        assert report.tally.messages == 1
        assert s.texts(lead_link.chat_id) and not s.texts(partner_link.chat_id)
    with Session(engine) as session:
        late = queries.overdue(session, today=date(2026, 3, 20))
        assert [v.unit.code for v in late] == ["VP"]
        assert [line.unit for line in digest_lines(session, today=date(2026, 3, 20))] == ["Văn phòng Sở"]


async def test_partners_are_reminded_when_tracked(engine, settings):
    lead_link, partner_link = setup(engine)
    tracked = settings.model_copy(update={"track_partners": True})
    async with sending(engine, tracked) as s:
        report = await s.round(at(WED, "08:00"))
        assert report.tally.messages == 2
        assert "18/03/2026" in s.texts(partner_link.chat_id)[0]
