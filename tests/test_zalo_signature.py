"""Webhook authenticity: the Bot Platform's shared secret and the OA's SHA-256 MAC over the raw body."""
from __future__ import annotations

import hashlib
import json

import pytest

from tests.fakes.zalo_api import oa_text_event, sign_oa_event
from zalo.signature import (OA_SIGNATURE_HEADER, oa_signature, verify_bot_secret, verify_oa_signature,
                            verify_oa_webhook)

APP_ID = "4291763606161179100"
OA_SECRET = "oa-secret-key"
RAW = b'{"app_id":"4291763606161179100","event_name":"user_send_text","timestamp":"1699003881354"}'


def test_oa_signature_is_sha256_of_app_id_body_timestamp_secret():
    expected = hashlib.sha256(
        b"4291763606161179100" + RAW + b"1699003881354" + b"oa-secret-key").hexdigest()
    assert oa_signature(APP_ID, RAW, "1699003881354", OA_SECRET) == expected
    # A fixed vector, so a change to the formula cannot pass by changing both sides.
    assert oa_signature("1", b"{}", "2", "s") == hashlib.sha256(b"1{}2s").hexdigest()


@pytest.mark.parametrize("prefix", ["mac=", "", "MAC="])
def test_good_mac_with_or_without_prefix(prefix):
    mac = oa_signature(APP_ID, RAW, "1699003881354", OA_SECRET)
    assert verify_oa_signature(prefix + mac, APP_ID, RAW, "1699003881354", OA_SECRET)


@pytest.mark.parametrize("header", [None, "", "mac=", "mac=" + "0" * 64, "mac=not-hex-at-all", "mac=ñ"])
def test_missing_or_bad_mac_fails(header):
    assert not verify_oa_signature(header, APP_ID, RAW, "1699003881354", OA_SECRET)


def test_wrong_secret_app_id_or_timestamp_fails():
    mac = "mac=" + oa_signature(APP_ID, RAW, "1699003881354", OA_SECRET)
    assert not verify_oa_signature(mac, APP_ID, RAW, "1699003881354", "app-secret-instead")
    assert not verify_oa_signature(mac, "999", RAW, "1699003881354", OA_SECRET)
    assert not verify_oa_signature(mac, APP_ID, RAW, "1699003881355", OA_SECRET)
    assert not verify_oa_signature(mac, APP_ID, RAW, "1699003881354", "")


def test_not_an_hmac():
    import hmac
    wrong = hmac.new(OA_SECRET.encode(), RAW, hashlib.sha256).hexdigest()
    assert not verify_oa_signature("mac=" + wrong, APP_ID, RAW, "1699003881354", OA_SECRET)


def test_webhook_reads_app_id_and_timestamp_from_the_body():
    event = oa_text_event(APP_ID, "user-1", "Báo cáo đã nộp")
    raw, headers = sign_oa_event(event, OA_SECRET)
    assert verify_oa_webhook(headers[OA_SIGNATURE_HEADER], raw, OA_SECRET)
    assert verify_oa_webhook(headers[OA_SIGNATURE_HEADER], raw, OA_SECRET, app_id=APP_ID)
    assert not verify_oa_webhook(headers[OA_SIGNATURE_HEADER], raw, OA_SECRET, app_id="another-app")
    assert not verify_oa_webhook(headers[OA_SIGNATURE_HEADER], raw, "wrong-secret")
    assert not verify_oa_webhook(None, raw, OA_SECRET)


def test_reserialised_body_fails():
    event = oa_text_event(APP_ID, "user-1", "Đã hoàn thành nhiệm vụ")
    raw, headers = sign_oa_event(event, OA_SECRET)
    reserialised = json.dumps(json.loads(raw)).encode()   # spaces and \u escapes: same JSON, other bytes
    assert reserialised != raw
    assert not verify_oa_webhook(headers[OA_SIGNATURE_HEADER], reserialised, OA_SECRET)


def test_numeric_timestamp_in_body_is_used_as_its_digits():
    raw = b'{"app_id":"42","timestamp":1699003881354,"event_name":"follow"}'
    mac = oa_signature("42", raw, "1699003881354", OA_SECRET)
    assert verify_oa_webhook(mac, raw, OA_SECRET)


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1,2]", b'{"timestamp":"1"}', b'{"app_id":"42"}'])
def test_unreadable_or_incomplete_body_fails(raw):
    mac = oa_signature("42", raw, "1", OA_SECRET)
    assert not verify_oa_webhook("mac=" + mac, raw, OA_SECRET)


def test_bot_secret():
    assert verify_bot_secret("s3cret-token", "s3cret-token")
    assert not verify_bot_secret("s3cret-tokem", "s3cret-token")
    assert not verify_bot_secret(None, "s3cret-token")
    assert not verify_bot_secret("", "s3cret-token")
    assert not verify_bot_secret("", "")           # an unset secret never lets anything in
    assert not verify_bot_secret("bí mật", "s3cret-token")
