"""The Zalo OA's 2026 rules end to end: message kind chosen from the user's last interaction, the cost band,
error families (billing stops the channel once, payload errors drop one message, a rejected refresh token asks
for re-authorisation), rate-limit headers, the follow greeting, and what officers read in /status."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.messenger import SendError
from handlers.messages import Outgoing
from scheduler.jobs import Runtime, refresh_tokens, start_scheduler, stop_scheduler
from storage.models import ChatLink, Reminder
from tests.fakes.zalo_api import oa_follow_event
from tests.zalo_harness import running_zalo

OFFICER, UNIT, COLLEAGUE = "2468458835296117922", "8811223344556677889", "8811223344556677001"
TEMPLATE = "7895417a7d3f9461cd2e"


def oa_link(h, chat_id: str) -> ChatLink:
    [found] = h.rows(ChatLink, ChatLink.channel == "zalo_oa", ChatLink.chat_id == chat_id)
    return found


def stop_notices(h) -> list[str]:
    return [t for t in h.bot_texts(OFFICER) if t.startswith("⛔")]


async def test_billing_errors_stop_the_oa_with_one_officer_notice_and_no_retry_storm(settings, engine):
    # One chat at a time, so "the rest not tried" is exact (with 4 at once, those already in flight are refused too).
    settings = settings.model_copy(update={"reminder_send_concurrency": 1})
    async with running_zalo(settings, engine) as h:
        await h.bot_says(OFFICER, h.invite("VP", "officer"))
        await h.oa_says(UNIT, h.invite("VP"))
        await h.oa_says(COLLEAGUE, h.invite("VP"))
        h.oa.billing_error = -320
        calls, consultations = h.oa.api_calls, len(h.oa.sent)
        report = await h.remind()
        assert len(h.oa.sent) == consultations and report.tally.failed == 0  # nothing lost: held, not failed
        assert h.oa.api_calls - calls == 1                                  # one refusal, the rest not tried
        [notice] = stop_notices(h)
        assert "Zalo Cloud Account" in notice and "giữ lại" in notice

        for later, looks in ((timedelta(hours=1), 0), (timedelta(hours=5, minutes=10), 1)):   # one look per hold
            h.clock.now += later
            before = h.oa.api_calls
            await h.remind()
            assert h.oa.api_calls - before == looks
        assert len(stop_notices(h)) == 1
        assert {oa_link(h, UNIT).active, oa_link(h, COLLEAGUE).active} == {True}

        h.oa.billing_error = None                                           # the Sở topped up its account
        h.clock.now += timedelta(days=1)
        await h.remind()
        assert {m["user_id"] for m in h.oa.sent[consultations:]} == {UNIT, COLLEAGUE}
        assert not h.rows(Reminder, Reminder.state == "failed")


async def test_payload_refusal_drops_that_message_and_keeps_the_unit(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.oa_says(UNIT, h.invite("VP"))
        h.oa.fail_next("cs", -201, "Invalid parameters")
        report = await h.remind()
        assert (report.tally.sent, report.tally.deferred) == (0, 0) and report.tally.failed == 5
        assert oa_link(h, UNIT).active
        messenger = h.dispatcher.messengers["zalo_oa"]
        assert (await messenger.send(UNIT, Outgoing(text="tin tiếp theo")))[0].message_id


async def test_rejected_refresh_token_stops_the_oa_and_asks_to_reauthorise(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(OFFICER, h.invite("VP", "officer"))
        await h.oa_says(UNIT, h.invite("VP"))
        h.oa.expire_access_tokens()
        h.oa.fail_next("oauth", -32, "Rate limited")                      # rate limiting: the token stays good
        with pytest.raises(SendError) as limited:
            await h.dispatcher.messengers["zalo_oa"].send(UNIT, Outgoing(text="thử"))
        assert limited.value.reason == "rate_limited" and not limited.value.stops_channel
        h.oa.fail_next("oauth", -118, "invalid_grant")                    # anything else: rejected for good
        await h.remind()
        [notice] = stop_notices(h)
        assert "nhacviec zalo tokens set" in notice
        assert oa_link(h, UNIT).active


async def test_cost_band_and_the_template_past_seven_days(settings, engine):
    async with running_zalo(settings, engine, zalo_oa_template_id=TEMPLATE, zalo_oa_billable_window="hold") as h:
        h.oa.templates[TEMPLATE] = {"nhiem_vu", "han", "don_vi", "ma"}
        messenger = h.dispatcher.messengers["zalo_oa"]
        await h.oa_says(UNIT, h.invite("VP"))
        assert await messenger.kind_for(UNIT) == "cs"
        messenger._seen.clear()
        h.oa.interacted(UNIT, days_ago=3)
        assert await messenger.kind_for(UNIT) == "hold"
        h.oa.interacted(UNIT, days_ago=9)
        assert await messenger.kind_for(UNIT) == "template"
        messenger.billable_window = "template"
        h.oa.interacted(UNIT, days_ago=3)
        assert await messenger.kind_for(UNIT) == "template"
        h.oa.templates.clear()                                              # Zalo no longer accepts it
        h.oa.interacted(UNIT, days_ago=9)
        await h.bot_says(OFFICER, h.invite("VP", "officer"))
        report = await h.remind()
        assert report.tally.failed == 5 and report.tally.deferred == 0
        assert oa_link(h, UNIT).inactive_reason == "zalo_unreachable"
        before = len(h.bot_texts(OFFICER))
        await h.bot_says(OFFICER, "/status VP")
        assert any("📵 Không nhắc được trên Zalo OA" in t for t in h.bot_texts(OFFICER)[before:])
        h.clock.now += timedelta(days=1)                                  # the officers' digest the next day
        await h.remind()
        digest = next(t for t in h.bot_texts(OFFICER) if "📵 Đơn vị không nhận được nhắc việc trên Zalo:" in t)
        assert "• Văn phòng Sở (Zalo OA): không liên lạc được trên Zalo" in digest


async def test_rate_limit_headers_hold_calls_until_the_window_passes(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.oa_says(UNIT, h.invite("VP"))
        messenger = h.dispatcher.messengers["zalo_oa"]
        h.oa.rate_limit, h.oa.api_calls = 2, 0
        await messenger.send(UNIT, Outgoing(text="một"))
        await messenger.send(UNIT, Outgoing(text="hai"))                  # X-RateLimit-Remain: 0 on this answer
        with pytest.raises(SendError) as held:
            await messenger.send(UNIT, Outgoing(text="ba"))
        assert held.value.reason == "rate_limited" and 0 < held.value.retry_after <= 60
        assert h.oa.api_calls == 2                                          # the third was not even sent
        h.clock.now += timedelta(seconds=61)
        h.oa.api_calls = 0
        assert await messenger.send(UNIT, Outgoing(text="ba"))


async def test_following_the_oa_greets_with_how_to_join(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.post_oa(oa_follow_event(h.oa.app_id, UNIT))
        [greeting] = h.oa_texts(UNIT)
        assert "gửi mã mời do Văn phòng Sở cấp" in greeting
        await h.oa_says(UNIT, h.invite("VP"))
        assert "Văn phòng Sở" in h.oa_texts(UNIT)[-1]


async def test_officers_on_the_oa_receive_report_files_and_chart_pictures(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.oa_says(OFFICER, h.invite("VP", "officer"))
        messenger = h.dispatcher.messengers["zalo_oa"]
        docx = b"PK\x03\x04 bao cao quy I" + b"0" * 4000
        png = b"\x89PNG\r\n\x1a\n" + b"1" * 3000
        await messenger.send_file(OFFICER, "bao-cao-quy-I-2026.docx", docx, caption="Báo cáo quý I/2026",
                                  mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        await messenger.send_file(OFFICER, "bieu-do.png", png, caption="Tỉ lệ hoàn thành", mime="image/png")
        file_message, image_message = [m["message"] for m in h.oa.sent if "attachment" in m["message"]]
        assert h.oa.uploads[file_message["attachment"]["payload"]["token"]] == ("bao-cao-quy-I-2026.docx", docx)
        media = image_message["attachment"]["payload"]["elements"][0]
        assert h.oa.uploads[media["attachment_id"]] == ("bieu-do.png", png)
        assert image_message["text"] == "Tỉ lệ hoàn thành" and "Báo cáo quý I/2026" in h.oa_texts(OFFICER)
        with pytest.raises(SendError) as refused:                 # the OA upload does not list XLSX
            await messenger.send_file(OFFICER, "bao-cao.xlsx", b"PK\x03\x04xlsx")
        assert refused.value.message_only and refused.value.final and oa_link(h, OFFICER).active
        with pytest.raises(SendError) as large:
            await messenger.send_file(OFFICER, "bieu-do-lon.png", b"\x89PNG" + b"0" * (1024 * 1024))
        assert large.value.reason == "file_too_large"


async def test_token_job_tells_officers_once_when_the_refresh_token_is_refused(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.bot_says(OFFICER, h.invite("VP", "officer"))
        runtime = Runtime(h.services.engine, h.services.settings, h.dispatcher.messengers, h.clock)
        scheduler = start_scheduler(runtime, name="oa-tokens")
        try:
            h.oa.fail_next("oauth", -118, "invalid_grant")
            assert await refresh_tokens("oa-tokens") == 0
            assert await refresh_tokens("oa-tokens") == 0        # refused for good: fails fast, no new notice
        finally:
            await stop_scheduler(scheduler, name="oa-tokens")
        [notice] = stop_notices(h)
        assert "nhacviec zalo tokens set" in notice


async def test_baocao_on_the_oa_sends_the_report_document_and_chart(settings, engine):
    async with running_zalo(settings, engine) as h:
        await h.oa_says(OFFICER, h.invite("VP", "officer"))
        await h.oa_says(OFFICER, "/baocao I")
        names = sorted(name.rsplit(".", 1)[-1] for name, _data in h.oa.uploads.values())
        assert names == ["docx", "png"]
        kinds = [m["message"]["attachment"]["type"] for m in h.oa.sent if "attachment" in m["message"]]
        assert kinds == ["file", "template"]
        assert "Zalo OA không nhận tệp" in h.oa_texts(OFFICER)[-1] and ".xlsx" in h.oa_texts(OFFICER)[-1]
