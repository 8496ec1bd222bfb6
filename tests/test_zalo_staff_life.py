"""Staff of units and schools answering from a phone on Zalo across a plan's life: a Sở that starts mid-year,
loose answers, a plan revised after units answered. What each person reads, and what the records keep."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session

from reports.summary import build_report
from reports.texts import evidence_text
from storage.models import Assignment, ExtensionRequest, StatusChange
from tests.zalo_harness import running_zalo

TED = "6ede9afa66b88fe6d6a9"


def status_changes(h) -> list[StatusChange]:
    return h.rows(StatusChange, StatusChange.field == "status")


def choice(text: str, starts: str) -> str:
    """The number of the first numbered choice of `text` that starts with `starts`."""
    for line in text.split("Trả lời bằng số:\n", 1)[1].splitlines():
        number, _sep, label = line.partition(". ")
        if label.startswith(starts):
            return number
    raise AssertionError(f"no choice {starts!r} in {text!r}")


async def test_the_words_of_an_answer_are_kept_when_the_task_is_picked_by_number(settings, engine):
    """ "Which task?" answered by "2": the history, the report's document number and the extension request keep
    what the unit wrote, never the "2"."""
    async with running_zalo(settings, engine) as h:          # 15/04/2026
        await h.bot_says(TED, h.invite("VP"))
        await h.bot_says(TED, "Đã ban hành KH số 45/KH-SGDĐT ngày 03/01/2026")
        await h.bot_says(TED, choice(h.bot_texts(TED)[-1], "NV 1 "))
        assert h.bot_texts(TED)[-1].startswith("✅ Đã ghi nhận: nhiệm vụ 1 hoàn thành.")
        [done] = status_changes(h)
        assert done.note == "Đã ban hành KH số 45/KH-SGDĐT ngày 03/01/2026"
        with Session(engine) as session:
            report = build_report(session, as_of=date(2026, 4, 15), roles=("lead",))
        [row] = [r for r in report.rows if r.view.id == done.assignment_id]
        assert evidence_text(row) == "Số văn bản: 45/KH-SGDĐT"   # the report's evidence column: 03/01/2026 is a day

        await h.bot_says(TED, "chưa xong, xin gia hạn thêm 1 tuần")
        await h.bot_says(TED, choice(h.bot_texts(TED)[-1], "NV 3 "))
        assert h.bot_texts(TED)[-1].startswith("Đã gửi đề nghị gia hạn nhiệm vụ 3 đến 22/04/2026.")
        [request] = h.rows(ExtensionRequest)
        assert request.reason == "chưa xong, xin gia hạn thêm 1 tuần"

        await h.bot_says(TED, "/viec")
        await h.bot_says(TED, choice(h.bot_texts(TED)[-1], "Mở NV 6 "))
        await h.bot_says(TED, "2")                            # ⏳ Đang thực hiện on the card: no words to keep
        progress = status_changes(h)[-1]
        [a] = h.rows(Assignment, Assignment.id == progress.assignment_id)
        assert (a.status, progress.note) == ("in_progress", None)
