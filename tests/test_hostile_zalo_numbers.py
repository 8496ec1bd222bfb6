"""On Zalo a number answers the last numbered question. Digits that are not 0-9 ("²", "١", superscripts pasted
from a document) are no number and no fault: the person reads a clear answer, nothing is recorded."""
from __future__ import annotations

from storage.models import Invite, StatusChange
from tests.zalo_harness import running_zalo

TED, LAN = "6ede9afa66b88fe6d6a9", "7a1b2c3d4e5f60718293"
FAULT = "Hệ thống gặp lỗi"


async def test_other_digits_are_no_choice_and_no_fault(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(TED, h.invite("VP"))
        await h.bot_says(LAN, h.invite("VP", role="officer"), name="Lan")
        await h.bot_says(TED, "/viec")
        assert h.bot_texts(TED)[-1].startswith("Đơn vị có")
        for text in ("²", "¹", "١"):
            await h.bot_says(TED, text)
            answer = h.bot_texts(TED)[-1]
            assert FAULT not in answer and answer.startswith("Hệ thống chưa hiểu"), (text, answer)
        assert h.rows(StatusChange, StatusChange.channel == "zalo_bot") == []
        invites = len(h.rows(Invite))
        await h.bot_says(LAN, "/invite VP member ²", name="Lan")
        assert h.bot_texts(LAN)[-1].startswith("Số lần dùng phải là số từ 1 đến")
        await h.bot_says(LAN, "/baocao I ²⁰²⁶", name="Lan")
        assert FAULT not in h.bot_texts(LAN)[-1]
        assert len(h.rows(Invite)) == invites
