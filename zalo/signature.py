"""Checks that a webhook call really comes from Zalo.

Bot Platform: a plain shared secret in `X-Bot-Api-Secret-Token` (set with setWebhook), not an HMAC.
OA: `X-ZEvent-Signature: mac=<sha256 hex of app_id + raw body + timestamp + OA secret key>`, where app_id
and timestamp are read from the JSON body and the body is the exact bytes received (re-serialising breaks it).
It is a plain SHA-256 of the concatenation, not an HMAC, and uses the OA Secret Key, not the App Secret.
"""
from __future__ import annotations

import hashlib
import hmac
import json

BOT_SECRET_HEADER = "X-Bot-Api-Secret-Token"
OA_SIGNATURE_HEADER = "X-ZEvent-Signature"


def _same(a: str, b: str) -> bool:
    # compare_digest on str only takes ASCII; bytes keep a stray non-ASCII header from raising.
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def verify_bot_secret(header_value: str | None, expected: str) -> bool:
    """True when the Bot webhook header carries our secret (constant-time; missing or unset secret fails)."""
    if not header_value or not expected:
        return False
    return _same(header_value, expected)


def oa_signature(app_id: str, raw_body: bytes, timestamp: str | int, oa_secret: str) -> str:
    """The hex MAC Zalo puts in X-ZEvent-Signature (without the `mac=` prefix)."""
    data = str(app_id).encode() + raw_body + str(timestamp).encode() + oa_secret.encode()
    return hashlib.sha256(data).hexdigest()


def verify_oa_signature(header_value: str | None, app_id: str, raw_body: bytes,
                        timestamp: str | int, oa_secret: str) -> bool:
    """True when the OA webhook MAC matches; the header may carry a `mac=` prefix or not."""
    if not header_value or not oa_secret or not app_id or timestamp in (None, ""):
        return False
    given = header_value.strip()
    if given.lower().startswith("mac="):
        given = given[4:]
    return _same(given.lower(), oa_signature(app_id, raw_body, timestamp, oa_secret))


def verify_oa_webhook(header_value: str | None, raw_body: bytes, oa_secret: str, *,
                      app_id: str | None = None) -> bool:
    """Verify an OA webhook request, reading app_id and timestamp from its body; `app_id` pins our app."""
    try:
        body = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    if not isinstance(body, dict):
        return False
    body_app = "" if body.get("app_id") is None else str(body["app_id"])
    if app_id is not None and body_app != str(app_id):
        return False
    return verify_oa_signature(header_value, body_app, raw_body, _timestamp(body.get("timestamp")), oa_secret)


def _timestamp(value: object) -> str:
    if value is None or isinstance(value, bool):
        return ""
    return str(value)
