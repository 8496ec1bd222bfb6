"""Telegram as staff and officers use it: a bare answer after a list, files with and without words, paged answers."""
from __future__ import annotations

import pytest

from storage.models import Assignment, Evidence, StatusChange
from tests.fakes import FakeFile
from tests.telegram_harness import running_bot

STAFF, OFFICER = 1001, 2002
PDF = b"%PDF-1.4\n% bao cao\n%%EOF\n"


def texts_to(fake, chat_id: int) -> list[str]:
    return [m["text"] for m in fake.sent if str(m["chat_id"]) == str(chat_id)]


def buttons(message: dict) -> list[tuple[str, str]]:
    return [(b["text"], b["callback_data"]) for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row]


async def say(h, user: int, text: str = "", **options) -> dict:
    """Send a message and wait until the bot has answered everything it will (the last answer)."""
    before = len(h.fake.sent)
    update_id = h.fake.push_message(user, user, text, first_name=f"User{user}", **options)
    await h.fake.wait_for_async(lambda: h.fake.pending_updates == 0 and len(h.fake.sent) > before,
                                what=f"answer to update {update_id}")
    return h.fake.sent[-1]


async def press(h, user: int, data: str, message: dict) -> dict:
    before = len(h.fake.answers)
    h.fake.push_callback(user, user, data, message["message_id"])
    await h.fake.wait_for_async(lambda: len(h.fake.answers) > before, what=f"button {data}")
    return h.fake.sent[-1]


async def join(h, user: int, unit: str, role: str = "member") -> None:
    await say(h, user, f"/start {h.invite(unit, role)}")


async def list_tasks(h, user: int) -> dict:
    """/viec, then /help as a marker: the list is ONE message (a line and two buttons per task) before the help."""
    before = len(h.fake.sent)
    h.fake.push_message(user, user, "/viec")
    h.fake.push_message(user, user, "/help")
    await h.fake.wait_for_async(lambda: any(m["text"].startswith("Các lệnh:") for m in h.fake.sent[before:]),
                                what="the task list")
    [listing, _help] = h.fake.sent[before:]
    return listing


async def open_card(h, user: int, number: str) -> dict:
    listing = await list_tasks(h, user)
    [data] = [data for label, data in buttons(listing) if label == f"Mở NV {number}"]
    card = await press(h, user, data, listing)
    assert card["text"].startswith(f"📌 Nhiệm vụ {number}:")
    return card


async def test_bare_answer_after_the_task_list_asks_which_task(settings, engine):
    async with running_bot(settings, engine) as h:
        await join(h, STAFF, "TCCB")
        listing = await list_tasks(h, STAFF)
        assert len([data for _label, data in buttons(listing) if data.startswith("open:")]) > 1
        question = await say(h, STAFF, "xong")
        assert question["text"] == "Đồng chí trả lời cho nhiệm vụ nào?"
        assert len([b for b in buttons(question) if b[1].startswith("pick:")]) > 1
        assert h.rows(StatusChange, StatusChange.field == "status") == []


async def test_the_task_list_is_one_message_whose_button_closes_one_task(settings, engine):
    async with running_bot(settings, engine) as h:
        await join(h, STAFF, "TCCB")
        listing = await list_tasks(h, STAFF)
        assert listing["text"].startswith("Đơn vị có") and "\n1. NV " in listing["text"]
        [done] = [data for label, data in buttons(listing) if label == "✅ Hoàn thành NV 4"]
        answer = await press(h, STAFF, done, listing)
        assert "nhiệm vụ 4 hoàn thành" in answer["text"]
        assert h.fake.message(STAFF, listing["message_id"])["text"] == listing["text"]  # the list stays a list
        [change] = h.rows(StatusChange, StatusChange.field == "status")
        [assignment] = h.rows(Assignment, Assignment.id == change.assignment_id)
        assert (change.after, assignment.status) == ("done", "done")


async def test_done_with_a_file_confirms_the_file_it_kept(settings, engine):
    async with running_bot(settings, engine) as h:
        await join(h, STAFF, "TCCB")
        card = await open_card(h, STAFF, "4")
        answer = await say(h, STAFF, "xong", reply_to=card["message_id"],
                           document=FakeFile("bao-cao-nv4.pdf", PDF, "application/pdf"))
        assert "nhiệm vụ 4 hoàn thành" in answer["text"] and "bao-cao-nv4.pdf" in answer["text"]
        assert "gửi tệp kiểm chứng ngay sau" not in answer["text"]
        [evidence] = h.rows(Evidence)
        assert evidence.original_name == "bao-cao-nv4.pdf"


async def test_a_file_for_one_of_many_tasks_can_be_filed_from_the_second_page(settings, engine):
    async with running_bot(settings, engine) as h:
        await join(h, STAFF, "VP")
        question = await say(h, STAFF, document=FakeFile("kiem-chung.pdf", PDF, "application/pdf"))
        assert question["text"] == 'Tệp "kiem-chung.pdf" là tài liệu kiểm chứng của nhiệm vụ nào?'
        first = [data for _label, data in buttons(question) if data.startswith("ev:")]
        [next_page] = [data for label, data in buttons(question) if label == "Trang sau ›"]
        second = await press(h, STAFF, next_page, question)
        choices = [data for _label, data in buttons(second) if data.startswith("ev:")]
        assert choices and not set(choices) & set(first)
        await press(h, STAFF, choices[0], second)
        assignment_id = int(choices[0].split(":")[1])
        [evidence] = h.rows(Evidence)
        assert evidence.assignment_id == assignment_id and evidence.original_name == "kiem-chung.pdf"
        assert 'Đã lưu tài liệu kiểm chứng "kiem-chung.pdf"' in texts_to(h.fake, STAFF)[-1]


async def test_which_task_second_page_continues_the_first(settings, engine):
    async with running_bot(settings, engine) as h:
        await join(h, STAFF, "VP")
        question = await say(h, STAFF, "xong")
        first = [data for _label, data in buttons(question) if data.startswith("pick:")]
        [next_page] = [data for label, data in buttons(question) if label == "Trang sau ›"]
        second = await press(h, STAFF, next_page, question)
        picks = [data for _label, data in buttons(second) if data.startswith("pick:")]
        assert picks and not set(picks) & set(first)
        ids = [int(data.split(":")[1]) for data in picks]
        roles = {a.role for a in h.rows(Assignment, Assignment.id.in_(ids))}
        assert roles == {"lead"}  # phối hợp tasks are not in the list page 1 came from


@pytest.mark.parametrize("asked", ["/status VP", "/status Văn phòng"])  # by code, or by name: pages on the unit
async def test_status_of_a_busy_unit_is_paged_within_telegram_limits(settings, engine, asked):
    async with running_bot(settings, engine) as h:
        await join(h, OFFICER, "VP", role="officer")
        first = await say(h, OFFICER, asked)
        assert first["text"].startswith("Tình hình của Văn phòng Sở:") and first["text"].endswith("(1/2)")
        [next_page] = [data for label, data in buttons(first) if label == "Trang sau ›"]
        assert next_page == "p:status:VP:1"  # the unit's code, not the words typed, names the next page
        second = await press(h, OFFICER, next_page, first)
        assert second["text"].startswith("Tình hình của Văn phòng Sở:") and second["text"].endswith("(2/2)")
        lines = lambda m: {line for line in m["text"].splitlines() if line.startswith("NV ")}  # noqa: E731
        assert lines(second) and not lines(first) & lines(second)
        assert all(len(m["text"]) <= 4096 for m in h.fake.sent)
