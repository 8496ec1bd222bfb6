"""An officer's quarter on the Zalo OA: numbered choices, quoted messages, invites and decisions, as the officer
reads them on a phone without buttons."""
from __future__ import annotations

from datetime import datetime, timedelta

from storage.models import ExtensionRequest, StatusChange
from tests.fakes.zalo_api import oa_text_event
from tests.test_zalo_staff_life import choice
from tests.zalo_harness import VN, running_zalo

OFFICER = "2468458835296117922"


def sent_ids(h, user_id: str) -> list[str]:
    return [m["message_id"] for m in h.oa.sent if m["user_id"] == user_id]


async def quote(h, user_id: str, text: str, message_id: str) -> None:
    await h.post_oa(oa_text_event(h.oa.app_id, user_id, text, quote_msg_id=message_id))


async def test_a_number_quoting_an_older_list_never_answers_the_latest_one(settings, engine):
    """On the OA an officer quotes the /tasks page read earlier and types "3" (NV 27 of KHTC there): the latest
    list (/status VP, whose 3 is NV 1 of VP) must not answer it, nor a card's "2" record a status."""
    async with running_zalo(settings, engine) as h:          # 15/04/2026
        await h.oa_says(OFFICER, h.invite("VP", "officer"))
        await h.oa_says(OFFICER, "/tasks")
        [tasks_page] = sent_ids(h, OFFICER)[-1:]
        assert "3. NV 27 [KHTC] (hạn 13/03)" in h.oa_texts(OFFICER)[-1]
        await h.oa_says(OFFICER, "/status VP")               # two parts on Zalo; its numbers are in the second
        status_first, status_second = sent_ids(h, OFFICER)[-2:]
        assert "3. NV 1 (hạn 31/03)" in h.oa_texts(OFFICER)[-1]

        await quote(h, OFFICER, "3", tasks_page)
        answer = h.oa_texts(OFFICER)[-1]
        assert not answer.startswith("📌")                    # no card of NV 1 opened for a "3" about NV 27
        assert "tin cũ" in answer and "chưa ghi nhận gì" in answer

        await quote(h, OFFICER, "3", status_first)           # the latest message, quoted by its first part
        assert h.oa_texts(OFFICER)[-1].startswith("📌 Nhiệm vụ 1: Triển khai công tác CCHC năm 2026 của Ngành")
        await quote(h, OFFICER, "2", status_second)          # "2" of /status VP, quoted after the card came
        assert not h.rows(StatusChange, StatusChange.field == "status")   # the card's "2" (⏳ Đang thực hiện) not recorded
        assert "tin cũ" in h.oa_texts(OFFICER)[-1]

        await h.oa_says(OFFICER, "2")                         # unquoted: the card's numbers still stand
        assert h.oa_texts(OFFICER)[-1].startswith("⏳ Đã ghi nhận: nhiệm vụ 1 đang thực hiện.")


async def test_an_invite_names_its_role_in_vietnamese_and_a_nameless_newcomer_is_greeted_cleanly(settings, engine):
    """/invite for a school's head and a commune's staff on the OA; the school's head joins with the code. Zalo
    gives no display name for this user: the greeting reads without a blank before its "!"."""
    school_head = "8811223344556677889"
    async with running_zalo(settings, engine) as h:
        await h.oa_says(OFFICER, h.invite("VP", "officer"))
        assert h.oa_texts(OFFICER)[-1].startswith("Chào mừng đồng chí! Đồng chí đã tham gia Văn phòng Sở")
        await h.oa_says(OFFICER, "/invite Trường THPT Chu Văn An head 3")
        invite = h.oa_texts(OFFICER)[-1]
        assert invite.startswith("Mã mời cho Trường THPT Chu Văn An (lãnh đạo đơn vị): ")
        assert "Hiệu lực đến 29/04/2026, dùng được 3 lần." in invite
        await h.oa_says(OFFICER, "/invite X-SOCSON")
        assert h.oa_texts(OFFICER)[-1].startswith("Mã mời cho UBND xã Sóc Sơn (cán bộ đơn vị): ")

        code = invite.split(": ", 1)[1].split("\n", 1)[0]
        await h.oa_says(school_head, code)
        assert h.oa_texts(school_head)[-1].startswith(
            "Chào mừng đồng chí! Đồng chí đã tham gia Trường THPT Chu Văn An với vai trò lãnh đạo đơn vị.")


async def test_an_extension_request_the_oa_could_not_bring_an_officer_is_named_when_the_officer_writes_again(
        settings, engine):
    """The only officer has not written to the OA for 9 days and no ZBS template is configured: the unit's
    extension request cannot reach her. When she next writes (any message) she is told a request waits, and
    decides it by number."""
    unit = "8811223344556677889"
    async with running_zalo(settings, engine) as h:                       # 15/04/2026
        await h.oa_says(OFFICER, h.invite("VP", "officer"))
        await h.oa_says(unit, h.invite("KHTC"))
        h.clock.now += timedelta(days=9)
        h.dispatcher.messengers["zalo_oa"]._seen.pop(OFFICER, None)
        h.oa.interacted(OFFICER, days_ago=9)
        await h.oa_says(unit, "NV 27 xin gia hạn đến 20/6")
        await h.oa_says(unit, choice(h.oa_texts(unit)[-1], "NV 27 (hạn 12/06)"))
        assert h.oa_texts(unit)[-1].startswith("Đã gửi đề nghị gia hạn nhiệm vụ 27 (hạn 12/06) đến 20/06/2026.")
        [request] = h.rows(ExtensionRequest)
        assert len(h.oa_texts(OFFICER)) == 1                               # only the welcome reached her

        h.clock.now += timedelta(days=1)
        await h.oa_says(OFFICER, "/upcoming")
        told = [t for t in h.oa_texts(OFFICER)[1:] if "đề nghị gia hạn" in t]
        assert told and "1 đề nghị gia hạn đang chờ duyệt" in told[0] and "/giahan" in told[0]
        await h.oa_says(OFFICER, "/giahan")
        await h.oa_says(OFFICER, choice(h.oa_texts(OFFICER)[-1], "Đồng ý"))
        assert h.oa_texts(OFFICER)[-1] == "Đã đồng ý gia hạn nhiệm vụ 27 của KHTC đến 20/06/2026."
        [request] = h.rows(ExtensionRequest)
        assert request.state == "approved"


async def test_officers_are_told_which_officer_the_oa_holds_messages_for_not_that_a_unit_misses_reminders(
        settings, engine):
    """NHACVIEC_ZALO_OA_BILLABLE_WINDOW=hold and an officer silent on the OA for 3 days: the unit's extension
    request is held for her. The other officer (Zalo Bot) is told who misses it, not that "Văn phòng Sở" misses
    reminders and "the unit" should write."""
    unit, other = "8811223344556677889", "6ede9afa66b88fe6d6a9"
    async with running_zalo(settings, engine, zalo_oa_billable_window="hold") as h:
        h.oa.users[OFFICER] = "Chị Lan"
        await h.oa_says(OFFICER, h.invite("VP", "officer"))
        await h.bot_says(other, h.invite("VP", "officer"))
        await h.oa_says(unit, h.invite("KHTC"))
        h.clock.now += timedelta(days=3)
        h.dispatcher.messengers["zalo_oa"]._seen.pop(OFFICER, None)
        h.oa.interacted(OFFICER, days_ago=3)
        await h.oa_says(unit, "NV 14 xin gia hạn đến 20/1/2027")
        [notice] = [t for t in h.bot_texts(other) if t.startswith("⚠️")]
        assert notice == ("⚠️ Không gửi được tin tới Chị Lan (cán bộ theo dõi CCHC, Văn phòng Sở) trên Zalo OA (quá 48 "
                          "giờ chưa tương tác với Zalo OA; nhắc việc tạm giữ theo cấu hình). Người này chỉ cần nhắn "
                          "một tin bất kỳ cho Zalo OA là nhận lại được tin.")
        assert any(t.startswith("📅 Phòng Kế hoạch - Tài chính xin gia hạn nhiệm vụ 14") for t in h.bot_texts(other))


async def test_status_takes_a_task_as_the_bot_writes_it(settings, engine):
    """Every list says "NV 27": the officer types it back to /status as read, with or without diacritics."""
    async with running_zalo(settings, engine) as h:          # 15/04/2026
        await h.oa_says(OFFICER, h.invite("VP", "officer"))
        await h.oa_says(OFFICER, "/status 27")
        expected = h.oa_texts(OFFICER)[-1]
        assert expected.startswith("Tình hình nhiệm vụ 27:")
        for written in ("NV 27", "nv27", "Nhiệm vụ 27", "nhiem vu 27"):
            await h.oa_says(OFFICER, f"/status {written}")
            assert h.oa_texts(OFFICER)[-1] == expected, written


async def test_status_of_a_commune_that_only_supports_says_so(settings, engine):
    """UBND xã Sóc Sơn leads no task of the plan: its /status says it leads none, not a bare "—"."""
    async with running_zalo(settings, engine) as h:
        await h.oa_says(OFFICER, h.invite("VP", "officer"))
        await h.oa_says(OFFICER, "/status UBND xã Sóc Sơn")
        assert h.oa_texts(OFFICER)[-1].splitlines()[:3] == [
            "Tình hình của UBND xã Sóc Sơn:", "Đơn vị không chủ trì nhiệm vụ nào.",
            "Phối hợp: 21 phân công (Chưa thực hiện: 21)"]


async def test_the_monday_digest_counts_overdue_assignments_as_overdue_does(settings, engine):
    """Văn phòng Sở has 6 overdue assignments of 4 tasks (the monthly meeting, NV 6, three times): the officer's
    digest must not call them "6 nhiệm vụ" while /overdue lists them as 6 phân công."""
    async with running_zalo(settings, engine) as h:          # 15/04/2026
        await h.oa_says(OFFICER, h.invite("VP", "officer"))
        await h.oa_says(OFFICER, "/overdue VP")
        overdue = h.oa_texts(OFFICER)[-1]
        assert overdue.startswith("⚠️ 6 phân công quá hạn ở 1 đơn vị:")
        assert len({line.split(":")[0] for line in overdue.splitlines() if line.startswith("  • ")}) == 4
        h.clock.now = datetime(2026, 4, 20, 8, 30, tzinfo=VN)
        await h.oa_says(OFFICER, "/help")                    # within the OA's free window on Monday
        await h.remind()
        [digest] = [t for t in h.oa_texts(OFFICER) if "đơn vị có nhiệm vụ quá hạn:" in t]
        assert "• Văn phòng Sở: 6 phân công, trễ nhất từ 30/01/2026" in digest
        assert "• Phòng Kiểm tra chuyên ngành: 1 phân công, trễ nhất từ 31/03/2026" in digest


async def test_the_week_summary_marks_where_a_long_title_was_cut(settings, engine):
    unit = "8811223344556677889"
    async with running_zalo(settings, engine) as h:          # Wednesday 15/04/2026
        await h.oa_says(OFFICER, h.invite("VP", "officer"))
        await h.oa_says(unit, h.invite("KHTC"))
        await h.oa_says(unit, "NV 27 xong")
        await h.oa_says(unit, choice(h.oa_texts(unit)[-1], "NV 27 (hạn 13/03)"))
        h.clock.now = datetime(2026, 4, 20, 8, 30, tzinfo=VN)
        await h.oa_says(OFFICER, "/help")
        await h.remind()
        [week] = [t for t in h.oa_texts(OFFICER) if "✅ 1 phân công hoàn thành tuần trước:" in t]
        [line] = [x for x in week.splitlines() if x.startswith("• [KHTC] NV 27: ")]
        assert line.endswith("… — hạn 13/03/2026") and "đơn giá s —" not in line, line


async def test_people_names_each_channel_as_officers_know_it(settings, engine):
    async with running_zalo(settings, engine) as h:
        h.oa.users[OFFICER] = "Chị Lan"
        await h.oa_says(OFFICER, h.invite("VP", "officer"))
        await h.bot_says("6ede9afa66b88fe6d6a9", h.invite("KHTC"))
        await h.oa_says(OFFICER, "/people")
        assert h.oa_texts(OFFICER)[-1].splitlines()[1:] == [
            "#2 Ted — KHTC, cán bộ đơn vị (Zalo)", "#1 Chị Lan — VP, cán bộ theo dõi CCHC (Zalo OA)"]
