"""Typed answers with dates that are not in the calendar, through the real Telegram polling path: the person is
told the day does not exist and nothing is recorded; no digit of what they wrote is dropped to make a date."""
from __future__ import annotations

from datetime import date

from handlers import reminder_buttons
from storage.models import ExtensionRequest, StatusChange
from tests.test_telegram_e2e import join, texts_to
from tests.telegram_harness import running_bot

STAFF = 1001


async def _say(h, text: str) -> str:
    before = len(h.fake.sent)
    h.fake.push_message(STAFF, STAFF, text)
    await h.fake.wait_for_sent_async(before + 1)
    return texts_to(h.fake, STAFF)[-1]


async def test_a_year_of_five_digits_is_no_date_not_a_shorter_one(settings, engine):
    async with running_bot(settings, engine) as h:
        await join(h, STAFF, "VP")
        for text in ("xin gia hạn NV 1 đến 1/1/99999", "NV 1 xin gia hạn đến 30/6/20266"):
            answer = await _say(h, text)
            assert "không có trong lịch" in answer and "Hệ thống chưa ghi nhận gì" in answer, (text, answer)
            assert "01/01/9999" not in answer and "30/06/2026" not in answer, (text, answer)   # no date made up
        answer = await _say(h, "NV 1 xin gia hạn đến ngày 30 tháng 6 năm 20266")
        assert answer.startswith("Chưa rõ ý về nhiệm vụ 1") and "30/06/2026" not in answer    # asked, not guessed
        assert h.rows(ExtensionRequest) == []
        assert h.rows(StatusChange, StatusChange.channel == "telegram") == []


def test_the_date_typed_after_bao_han_keeps_its_whole_year():
    """After "📅 Báo hạn" the next date typed becomes the task's due date: "20/3/20266" is none (not 20/03/2026)."""
    today = date(2026, 3, 2)
    assert reminder_buttons.parse_day("hạn 20/3/20266", today) is None
    assert reminder_buttons.parse_day("hạn 20/3/2026", today) == date(2026, 3, 20)


async def test_an_extension_to_a_far_off_year_is_refused_in_words(settings, engine):
    """"Xin gia hạn đến 31/12/9999" is a real date but no plan's: asked for a date more than two years ahead, the
    bot says so and records nothing (approved, such a date would also overflow a reminder round's arithmetic)."""
    async with running_bot(settings, engine) as h:
        await join(h, STAFF, "VP")
        for text in ("xin gia hạn NV 1 đến 31/12/9999", "NV 1 xin gia hạn đến 30/6/2031"):
            answer = await _say(h, text)
            assert "quá xa" in answer and "chưa ghi nhận" in answer, (text, answer)
        assert h.rows(ExtensionRequest) == []
        answer = await _say(h, "NV 1 xin gia hạn đến 30/6/2027")   # a year ahead is still a request
        assert len(h.rows(ExtensionRequest)) == 1, answer
