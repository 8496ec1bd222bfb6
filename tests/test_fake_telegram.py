"""The fake Bot API server, exercised through the real python-telegram-bot over HTTP on 127.0.0.1."""
from __future__ import annotations

import asyncio
import io

import httpx
import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, NetworkError,
                            RetryAfter)
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes import BLOCKED, KICKED, UPGRADED, FakeFile, FakeTelegram, refuse_internet

TOKEN = "123456:ABC-fake"
CHAT, USER = 501, 501
GROUP = -1001234567890
DONE_KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Xong", callback_data="done:7")]])


@pytest.fixture
def tg():
    with refuse_internet(), FakeTelegram(token=TOKEN, bot_username="nhacviec_bot") as fake:
        yield fake


@pytest.fixture
async def bot(tg):
    async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.file_url) as real_bot:
        yield real_bot


async def test_get_me_reports_the_configured_bot(bot, tg):
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "nhacviec_bot", True)
    assert [c["method"] for c in tg.calls] == ["getMe", "getMe"]  # initialize() + the call


async def test_send_message_records_text_keyboard_and_returns_plain_text(bot, tg):
    message = await bot.send_message(CHAT, "Hạn nộp <b>15/03/2026</b> &amp; báo cáo",
                                     parse_mode=ParseMode.HTML, reply_markup=DONE_KEYBOARD)
    assert message.text == "Hạn nộp 15/03/2026 & báo cáo"
    assert message.reply_markup == DONE_KEYBOARD
    [sent] = tg.sent
    assert sent["method"] == "sendMessage" and sent["chat_id"] == CHAT
    assert sent["text"] == "Hạn nộp <b>15/03/2026</b> &amp; báo cáo"
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "done:7"
    assert sent["message_id"] == message.message_id


async def test_html_that_telegram_cannot_parse_is_refused(bot, tg):
    with pytest.raises(BadRequest, match="(?i)parse entities"):
        await bot.send_message(CHAT, "Còn < 3 ngày", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)unsupported start tag \"br\""):
        await bot.send_message(CHAT, "<br>", parse_mode=ParseMode.HTML)
    assert tg.sent == []


async def test_edit_drops_keyboard_and_refuses_unmodified_edit(bot, tg):
    message = await bot.send_message(CHAT, "Nhắc việc", reply_markup=DONE_KEYBOARD)
    edited = await bot.edit_message_text("Đã xong", chat_id=CHAT, message_id=message.message_id)
    assert edited.text == "Đã xong" and edited.reply_markup is None
    assert "reply_markup" not in tg.message(CHAT, message.message_id)
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("Đã xong", chat_id=CHAT, message_id=message.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_reply_markup(CHAT, 999, reply_markup=DONE_KEYBOARD)
    assert [e["text"] for e in tg.edits] == ["Đã xong"]


async def test_callback_query_carries_the_bot_message_and_is_answered_once(bot, tg):
    message = await bot.send_message(CHAT, "Nhắc việc", reply_markup=DONE_KEYBOARD)
    tg.push_callback(CHAT, USER, "done:7", message.message_id)
    [update] = await bot.get_updates()
    query = update.callback_query
    assert (query.data, query.message.message_id, query.message.text) == ("done:7", message.message_id,
                                                                          "Nhắc việc")
    assert await bot.answer_callback_query(query.id, text="Đã ghi nhận")
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    assert tg.answers[0]["text"] == "Đã ghi nhận"


async def test_get_updates_honours_offset_and_marks_commands(bot, tg):
    first = tg.push_message(CHAT, USER, "/start abc")
    tg.push_message(GROUP, USER, "🙂 /baocao@nhacviec_bot", chat_type="supergroup", title="Tổ Văn")
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first, first + 1]
    assert updates[0].message.text == "/start abc"
    assert updates[1].message.chat.title == "Tổ Văn"
    entity = updates[1].message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 3, 20)  # UTF-16 offsets
    assert await bot.get_updates(offset=first + 2) == ()
    assert tg.pending_updates == 0


async def test_long_poll_returns_as_soon_as_an_update_arrives(bot, tg):
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await tg.wait_for_async(lambda: tg.waiting_polls == 1, what="a waiting getUpdates")
    tg.push_message(CHAT, USER, "xong")
    [update] = await asyncio.wait_for(poll, 60)
    assert update.message.text == "xong"


async def test_a_second_poller_ends_the_first_with_conflict(bot, tg):
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await tg.wait_for_async(lambda: tg.waiting_polls == 1, what="a waiting getUpdates")
    async with Bot(TOKEN, base_url=tg.base_url) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="(?i)terminated by other getUpdates"):
        await first


async def test_same_update_pushed_twice_is_delivered_twice(bot, tg):
    update_id = tg.push_message(CHAT, USER, "xong")
    [update] = await bot.get_updates()
    tg.push_raw(tg.updates[0])
    [again] = await bot.get_updates(offset=update_id + 1)
    assert again.update_id == update.update_id == update_id


async def test_reply_to_bot_message_includes_the_original(bot, tg):
    reminder = await bot.send_message(CHAT, "Nộp minh chứng nhiệm vụ 7")
    tg.push_message(CHAT, USER, "đã nộp", reply_to=reminder.message_id)
    [update] = await bot.get_updates()
    original = update.message.reply_to_message
    assert (original.message_id, original.text, original.from_user.id) == (
        reminder.message_id, "Nộp minh chứng nhiệm vụ 7", bot.id)


async def test_pushed_document_downloads_through_get_file(bot, tg):
    content = b"%PDF-1.4 minh chung"
    tg.push_message(CHAT, USER, "Minh chứng", document=FakeFile("Báo cáo quý 1.pdf", content,
                                                                 "application/pdf"))
    [update] = await bot.get_updates()
    document = update.message.document
    assert (document.file_name, document.mime_type, document.file_size) == (
        "Báo cáo quý 1.pdf", "application/pdf", len(content))
    assert update.message.caption == "Minh chứng"
    telegram_file = await bot.get_file(document.file_id)
    buffer = io.BytesIO()
    await telegram_file.download_to_memory(buffer)
    assert buffer.getvalue() == content


async def test_uploaded_document_keeps_bytes_name_and_caption(bot, tg):
    message = await bot.send_document(CHAT, b"\x00\xffbytes\r\n--", filename='Kế hoạch "CCHC".docx',
                                      caption="Kế hoạch", reply_markup=DONE_KEYBOARD)
    [sent] = tg.sent
    assert sent["file"].name == 'Kế hoạch "CCHC".docx' and sent["file"].content == b"\x00\xffbytes\r\n--"
    assert (sent["text"], message.caption, message.document.file_name) == (
        "Kế hoạch", "Kế hoạch", 'Kế hoạch "CCHC".docx')
    downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"\x00\xffbytes\r\n--"
    photo = await bot.send_photo(CHAT, message.document.file_id)
    assert tg.sent[1]["method"] == "sendPhoto" and photo.photo[0].file_size == len(downloaded)


async def test_injected_errors_surface_as_ptb_exceptions(bot, tg):
    tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    tg.fail_next("sendMessage", 403, BLOCKED, chat_id=CHAT)
    tg.fail_next("sendMessage", 403, KICKED, chat_id=GROUP)
    tg.fail_next("sendmessage", 400, UPGRADED, migrate_to_chat_id=-1009, chat_id=-9)
    with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
        await bot.send_message(CHAT, "a")
    with pytest.raises(Forbidden, match="(?i)blocked by the user"):
        await bot.send_message(CHAT, "a")
    with pytest.raises(Forbidden, match="(?i)kicked from the group chat"):
        await bot.send_message(GROUP, "a")
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(-9, "a")
    assert migrated.value.new_chat_id == -1009
    await bot.send_message(CHAT, "a")
    assert [c["status"] for c in tg.calls[1:]] == [429, 403, 403, 400, 200]


async def test_rate_limit_answers_429_until_the_window_passes():
    now = [100.0]
    with refuse_internet(), FakeTelegram(token=TOKEN, clock=lambda: now[0]) as tg:
        tg.rate_limit(per_chat_per_sec=1, global_per_sec=30, group_per_min=2)
        async with Bot(TOKEN, base_url=tg.base_url) as bot:
            await bot.send_message(CHAT, "1")
            with pytest.raises(RetryAfter):
                await bot.send_message(CHAT, "2")
            await bot.send_message(CHAT + 1, "other chat")
            now[0] += 1.0
            await bot.send_message(CHAT, "3")
            await bot.send_message(GROUP, "g1")
            now[0] += 1.0
            await bot.send_message(GROUP, "g2")
            now[0] += 1.0
            with pytest.raises(RetryAfter, match="Retry in 58 seconds"):
                await bot.send_message(GROUP, "g3")
        assert tg.count_429 == 2
        assert [s["text"] for s in tg.sent] == ["1", "other chat", "3", "g1", "g2"]


async def test_commands_are_stored_per_language(bot, tg):
    await bot.set_my_commands([BotCommand("viec", "Việc của đơn vị")], language_code="vi")
    await bot.set_my_commands([BotCommand("tasks", "Unit tasks")])
    assert [c.command for c in await bot.get_my_commands(language_code="vi")] == ["viec"]
    assert [c.command for c in await bot.get_my_commands()] == ["tasks"]
    assert tg.commands("vi") == [{"command": "viec", "description": "Việc của đơn vị"}]


async def test_webhook_blocks_polling_until_deleted(bot, tg):
    tg.push_message(CHAT, USER, "xin chào")
    await bot.set_webhook("https://nhacviec.invalid/hook")
    assert (await bot.get_webhook_info()).url == "https://nhacviec.invalid/hook"
    with pytest.raises(Conflict, match="(?i)webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


async def test_chat_lookup_actions_and_leaving(bot, tg):
    tg.push_message(GROUP, USER, "/start", chat_type="supergroup", title="Phòng GD")
    chat = await bot.get_chat(GROUP)
    assert (chat.title, chat.type) == ("Phòng GD", "supergroup")
    assert await bot.send_chat_action(GROUP, "typing")
    assert await bot.leave_chat(GROUP)
    with pytest.raises(Forbidden, match="(?i)not a member of the supergroup chat"):
        await bot.send_message(GROUP, "còn đó không?")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.get_chat(-42)


def test_raw_protocol_json_query_unknown_method_and_wrong_token(tg):
    base = f"{tg.base_url}{TOKEN}"
    keyboard = {"inline_keyboard": [[{"text": "x", "callback_data": "y" * 65}]]}
    with httpx.Client() as client:
        by_query = client.get(f"{base}/sendMessage", params={"chat_id": CHAT, "text": "GET"}).json()
        by_json = client.post(f"{base}/SENDMESSAGE", json={"chat_id": str(CHAT), "text": "JSON"}).json()
        too_long = client.post(f"{base}/sendMessage",
                               json={"chat_id": CHAT, "text": "x", "reply_markup": keyboard})
        unknown = client.post(f"{base}/sendTelepathy")
        wrong = client.post(f"{tg.base_url}999:WRONG/getMe")
    assert by_query["result"]["text"] == "GET" and by_json["result"]["chat"]["id"] == CHAT
    assert (too_long.status_code, too_long.json()["description"]) == (
        400, "Bad Request: BUTTON_DATA_INVALID")
    assert (unknown.status_code, unknown.json()) == (
        404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert (wrong.status_code, wrong.json()["description"]) == (401, "Unauthorized")


async def test_wrong_token_is_invalid_and_real_telegram_is_unreachable(tg):
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=tg.base_url):
            pass
    with pytest.raises(NetworkError, match="refuse_internet"):
        async with Bot(TOKEN):  # the default base_url is api.telegram.org
            pass


async def test_application_polls_answers_start_and_button(tg):
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("Chào bạn!", reply_markup=DONE_KEYBOARD)

    async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("Đã ghi nhận")
        await update.callback_query.edit_message_text("✅ Đã xong")

    app = (ApplicationBuilder().token(TOKEN).base_url(tg.base_url).base_file_url(tg.file_url)
           .build())
    app.add_handlers([CommandHandler("start", start), CallbackQueryHandler(done, pattern=r"^done:")])
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=10)
        tg.push_message(CHAT, USER, "/start")
        [reply] = await tg.wait_for_sent_async(1)
        tg.push_callback(CHAT, USER, "done:7", reply["message_id"])
        await tg.wait_for_async(lambda: len(tg.edits) == 1, what="the edit")
        await app.updater.stop()
        await app.stop()
    assert (reply["text"], reply["reply_to_message_id"]) == ("Chào bạn!", None)
    assert tg.answers[0]["text"] == "Đã ghi nhận"
    assert tg.message(CHAT, reply["message_id"])["text"] == "✅ Đã xong"
    assert tg.pending_updates == 0  # the updater confirmed what it fetched before stopping
