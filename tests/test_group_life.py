"""A unit's group chat used as a unit uses it: linked with a code, answered by several members, re-used."""
from __future__ import annotations

from storage.models import Assignment, ChatLink, StatusChange, Unit
from tests.fakes.zalo_api import bot_text_update
from tests.zalo_harness import running_zalo

TED, HOA, OFFICER = "6ede9afa66b88fe6d6a9", "7a1b2c3d4e5f60718293", "1122334455667788aabb"
GROUP = "g-8a1b2c3d4e5f"


def in_group(h, who: str, text: str, name: str = "Ted"):
    return h.post_bot(bot_text_update(GROUP, text, user_id=who, name=name, chat_type="GROUP"))


def unit_of(h, assignment_id: int) -> str:
    [a] = h.rows(Assignment, Assignment.id == assignment_id)
    [u] = h.rows(Unit, Unit.id == a.unit_id)
    return u.code


async def test_a_group_given_another_units_code_answers_for_one_unit_only(settings, engine):
    """TCCB's group is later given Văn phòng's code. The group then belongs to one unit, VP: its answers close
    VP's tasks, TCCB's reminders stop going there, and the group and the officers are told so (never two units
    in one group, with answers going to whichever the database returns first)."""
    async with running_zalo(settings, engine) as h:
        await h.bot_says(OFFICER, h.invite("VP", role="officer"), name="Cán bộ CCHC")
        await in_group(h, HOA, h.invite("TCCB"), name="Hoa")
        await in_group(h, TED, "/start " + h.invite("VP"))
        moved = h.bot_texts(GROUP)[-1]
        assert "Văn phòng Sở" in moved and "Phòng Tổ chức cán bộ" in moved
        links = h.rows(ChatLink, ChatLink.chat_id == GROUP, ChatLink.active == True)  # noqa: E712
        assert [link.unit_id for link in links] == [h.rows(Unit, Unit.code == "VP")[0].id]
        notice = h.bot_texts(OFFICER)[-1]
        assert "Phòng Tổ chức cán bộ" in notice and "Zalo" in notice

        await in_group(h, TED, "NV 6 xong")
        await in_group(h, TED, "1")
        [change] = h.rows(StatusChange, StatusChange.field == "status")
        assert unit_of(h, change.assignment_id) == "VP" and change.actor_name == "Ted"
