"""ZaloOaClient against a fake OA Open API + OAuth server, and parsing of OA webhook events."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from storage.types import utcnow
from tests.fakes.zalo_api import (FakeZaloOA, oa_attachment_event, oa_follow_event, oa_text_event,
                                  sign_oa_event)
from zalo.errors import (ZaloAuthError, ZaloError, ZaloNetworkError, ZaloNoInteraction, ZaloPayloadRejected,
                         ZaloQuotaExceeded,
                         ZaloRateLimited, ZaloTokenExpired, ZaloUserBlocked)
from zalo.oa_client import ZaloOaClient
from zalo.payloads import Attachment, parse_oa_event
from zalo.signature import OA_SIGNATURE_HEADER
from zalo.tokens import MemoryTokenStore, OaTokens

APP_ID = "4291763606161179100"
APP_SECRET = "app-secret"
OA_SECRET = "oa-secret-key"


class Sleeps:
    """An injected sleep that records the delays instead of waiting."""

    def __init__(self):
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def fake():
    with FakeZaloOA(APP_ID, APP_SECRET) as server:
        server.users["user-1"] = "Nguyễn Văn An"
        yield server


@pytest.fixture
def sleeps():
    return Sleeps()


def fresh_tokens(fake: FakeZaloOA, *, expires_in: timedelta = timedelta(hours=20)) -> OaTokens:
    access, refresh = fake.issue_tokens()
    return OaTokens(access, refresh, utcnow() + expires_in)


@pytest.fixture
def store(fake):
    return MemoryTokenStore(fresh_tokens(fake))


@pytest.fixture
async def oa(fake, store, sleeps):
    async with ZaloOaClient(APP_ID, APP_SECRET, OA_SECRET, store, api_url=fake.base_url,
                            oauth_url=fake.base_url, sleep=sleeps) as client:
        yield client


async def test_send_cs_posts_the_documented_body_with_the_access_token_header(fake, store, oa):
    sent = await oa.send_cs("user-1", "Hạn nộp báo cáo: 15/07/2025", quote_msg_id="q-9")
    record = (await store.load()).tokens
    assert fake.sent == [{"kind": "cs", "user_id": "user-1", "message_id": sent.message_id,
                          "access_token": record.access_token,
                          "message": {"text": "Hạn nộp báo cáo: 15/07/2025", "quote_message_id": "q-9"}}]
    assert fake.refresh_calls == []


async def test_text_length_is_checked_before_calling_zalo(fake, oa):
    with pytest.raises(ValueError):
        await oa.send_cs("user-1", "x" * 2001)
    with pytest.raises(ValueError):
        await oa.send_cs("user-1", "")
    assert fake.sent == []


async def test_zbs_template_by_user_id_checked_against_the_approved_parameters(fake, oa):
    fake.templates["7895417a7d3f9461cd2e"] = {"nhiem_vu", "han"}
    data = {"nhiem_vu": "NV 1: Báo cáo quý I", "han": "31/03/2026"}
    sent = await oa.send_template("user-1", "7895417a7d3f9461cd2e", data)
    assert fake.sent[0]["kind"] == "template" and fake.sent[0]["message_id"] == sent.message_id
    assert fake.sent[0]["template_data"] == {"nhiem_vu": "NV 1: Báo cáo quý I", "han": "31/03/2026"}
    with pytest.raises(ZaloPayloadRejected) as wrong:
        await oa.send_template("user-1", "7895417a7d3f9461cd2e", {"nhiem_vu": "NV 1"})
    with pytest.raises(ZaloPayloadRejected) as unknown:
        await oa.send_template("user-1", "not-approved", {"nhiem_vu": "NV 1", "han": "31/03/2026"})
    assert (wrong.value.code, unknown.value.code) == (-201, -249) and wrong.value.final
    assert len(fake.sent) == 1


async def test_last_interaction_from_the_per_user_look_up(fake, oa):
    assert await oa.last_interaction("user-9") is None
    fake.interacted("user-9", days_ago=3)
    last = await oa.last_interaction("user-9")
    assert timedelta(days=2, hours=23) < utcnow() - last < timedelta(days=3, hours=1)


async def test_get_user_and_quota(fake, oa):
    user = await oa.get_user("user-1")
    assert user["display_name"] == "Nguyễn Văn An"
    await oa.send_cs("user-1", "a")
    quota = await oa.get_quota(product_type="cs")
    assert quota[0]["remain"] == 1999


async def test_no_interaction_in_7_days_is_final(fake, oa):
    fake.not_interacted.add("user-2")
    with pytest.raises(ZaloNoInteraction) as info:
        await oa.send_cs("user-2", "Nhắc việc")
    assert info.value.code == -230 and info.value.final and not info.value.retryable
    fake.templates["tpl"] = {"nhiem_vu"}
    await oa.send_template("user-2", "tpl", {"nhiem_vu": "Vẫn gửi được tin mẫu ZBS"})
    assert [item["kind"] for item in fake.sent] == ["template"]


async def test_user_who_left_the_oa_is_final(fake, oa):
    fake.blocked.add("user-3")
    with pytest.raises(ZaloUserBlocked) as info:
        await oa.send_cs("user-3", "Nhắc việc")
    assert info.value.code == -213 and info.value.final


@pytest.mark.parametrize("code, cls, retryable", [
    (-32, ZaloRateLimited, True), (-211, ZaloQuotaExceeded, False), (-201, ZaloPayloadRejected, False),
])
async def test_error_codes_in_200_answers_are_typed(fake, oa, sleeps, code, cls, retryable):
    fake.fail_next("cs", code, "nope")
    with pytest.raises(cls) as info:
        await oa.send_cs("user-1", "a")
    assert type(info.value) is cls and info.value.code == code
    assert info.value.retryable is retryable and sleeps.delays == []


async def test_http_429_is_rate_limited_with_retry_after(fake, oa):
    fake.fail_next("cs", -32, "Rate limited", http_status=429, retry_after=12)
    with pytest.raises(ZaloRateLimited) as info:
        await oa.send_cs("user-1", "a")
    assert info.value.retryable and info.value.retry_after == 12.0


async def test_expired_access_token_mid_call_refreshes_and_retries_once(fake, store, oa):
    fake.expire_access_tokens()
    sent = await oa.send_cs("user-1", "Nhắc việc")
    stored = (await store.load()).tokens
    assert len(fake.refresh_calls) == 1
    assert fake.sent[0]["message_id"] == sent.message_id
    assert fake.sent[0]["access_token"] == stored.access_token       # the stored, refreshed token
    assert stored.expires_at > utcnow() + timedelta(hours=24)      # expires_in "90000", a string


async def test_token_refused_twice_gives_up_after_one_refresh(fake, oa):
    fake.fail_next("cs", -216, "Access token is invalid", times=2)
    with pytest.raises(ZaloTokenExpired):
        await oa.send_cs("user-1", "a")
    assert len(fake.refresh_calls) == 1 and fake.sent == []


async def test_token_close_to_expiry_is_refreshed_before_the_call(fake, sleeps):
    store = MemoryTokenStore(fresh_tokens(fake, expires_in=timedelta(minutes=4)))
    old = (await store.load()).tokens
    async with ZaloOaClient(APP_ID, APP_SECRET, OA_SECRET, store, api_url=fake.base_url,
                            oauth_url=fake.base_url, sleep=sleeps) as client:
        await client.send_cs("user-1", "a")
    assert fake.refresh_calls == [old.refresh_token]
    assert fake.sent[0]["access_token"] != old.access_token


async def test_reads_retry_5xx_with_backoff_but_sends_only_when_not_applied(fake, oa, sleeps):
    fake.fail_next("user", 0, "boom", http_status=500, times=2)
    assert (await oa.get_user("user-1"))["display_name"] == "Nguyễn Văn An"
    assert sleeps.delays == [0.5, 1.0]
    fake.fail_next("cs", 0, "gateway", http_status=503)
    await oa.send_cs("user-1", "a")
    fake.fail_next("cs", 0, "boom", http_status=500)
    with pytest.raises(ZaloNetworkError) as info:
        await oa.send_cs("user-1", "b")
    assert info.value.maybe_sent and len(fake.sent) == 1


async def test_any_oauth_refusal_but_rate_limiting_marks_the_refresh_token_rejected(fake, sleeps):
    store = MemoryTokenStore(fresh_tokens(fake, expires_in=timedelta(0)))
    async with ZaloOaClient(APP_ID, "wrong", OA_SECRET, store, api_url=fake.base_url,
                            oauth_url=fake.base_url, sleep=sleeps) as client:
        with pytest.raises(ZaloAuthError) as info:
            await client.send_cs("user-1", "a")
    record = await store.load()
    assert info.value.code == -14004 and record.lease_owner is None
    assert "Invalid secret key" in record.rejected      # no refresh-specific code is documented: re-authorise


async def test_no_tokens_stored_is_an_auth_error(fake, sleeps):
    async with ZaloOaClient(APP_ID, APP_SECRET, OA_SECRET, MemoryTokenStore(), api_url=fake.base_url,
                            oauth_url=fake.base_url, sleep=sleeps) as client:
        with pytest.raises(ZaloAuthError):
            await client.send_cs("user-1", "a")


async def test_refresh_token_if_due(fake, store, oa):
    assert not await oa.refresh_token_if_due(timedelta(hours=12))
    assert await oa.refresh_token_if_due(timedelta(hours=21))
    assert len(fake.refresh_calls) == 1


async def test_verify_webhook_uses_the_oa_secret_and_our_app_id(oa):
    client = oa
    raw, headers = sign_oa_event(oa_text_event(APP_ID, "user-1", "xong"), OA_SECRET)
    assert client.verify_webhook(headers[OA_SIGNATURE_HEADER], raw)
    raw, headers = sign_oa_event(oa_text_event(APP_ID, "user-1", "xong"), APP_SECRET)
    assert not client.verify_webhook(headers[OA_SIGNATURE_HEADER], raw)
    raw, headers = sign_oa_event(oa_text_event("other-app", "user-1", "xong"), OA_SECRET)
    assert not client.verify_webhook(headers[OA_SIGNATURE_HEADER], raw)


# ---- parsing OA webhook events ----------------------------------------------------------------------


def test_text_event_with_quote():
    event = oa_text_event(APP_ID, "2512523625412515", "xong 3", msg_id="m-1", quote_msg_id="m-0",
                          timestamp_ms=1699003881354)
    inbound = parse_oa_event(event)
    assert inbound.source == "oa" and inbound.event == "user_send_text" and inbound.event_id == "m-1"
    assert (inbound.chat_id, inbound.user_id, inbound.text) == ("2512523625412515", "2512523625412515", "xong 3")
    assert (inbound.msg_id, inbound.quote_msg_id) == ("m-1", "m-0")
    assert inbound.timestamp == datetime(2023, 11, 3, 9, 31, 21, 354000, tzinfo=timezone.utc)


def test_image_and_file_events_carry_attachments():
    image = parse_oa_event(oa_attachment_event(APP_ID, "u1", "image", "https://zalo.example/a.jpg"))
    assert image.attachments == [Attachment("image", "https://zalo.example/a.jpg", "")]
    assert image.event == "user_send_image"
    file = parse_oa_event(oa_attachment_event(APP_ID, "u1", "file", "https://zalo.example/f",
                                              name="bao-cao.docx"))
    assert file.attachments == [Attachment("file", "https://zalo.example/f", "bao-cao.docx")]


def test_follow_and_unfollow():
    follow = parse_oa_event(oa_follow_event(APP_ID, "u7", timestamp_ms=1699003881354))
    assert (follow.event, follow.user_id, follow.text) == ("follow", "u7", "")
    assert follow.event_id == "follow:u7:1699003881354"
    assert parse_oa_event(oa_follow_event(APP_ID, "u7", event="unfollow")).event == "unfollow"


@pytest.mark.parametrize("event", [
    {"event_name": "user_received_message", "sender": {"id": "oa"}, "message": {"msg_id": "1"}},
    {"event_name": "anonymous_send_text", "sender": {"id": "anon"}, "message": {"text": "hi"}},
    {"event_name": "user_send_text", "message": {"text": "no sender"}},
    {},
])
def test_events_a_user_did_not_send_are_none(event):
    assert parse_oa_event(event) is None
