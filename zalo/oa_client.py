"""Async client for the Zalo Official Account Open API v3, refreshing its access token through OAuth v4."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

import httpx

from storage.types import utcnow
from zalo.errors import (RATE_WINDOW_SECONDS, REFRESH_TOKEN_INVALID, Sleep, ZaloAuthError, ZaloError,
                         ZaloRateLimited, ZaloTokenExpired, network_error, oa_error, retry_after_seconds,
                         server_error, with_retries)
from zalo.payloads import SentMessage, from_millis
from zalo.signature import verify_oa_webhook
from zalo.tokens import Clock, OaTokens, TokenKeeper, TokenStore

DEFAULT_API_URL = "https://openapi.zalo.me"
DEFAULT_OAUTH_URL = "https://oauth.zaloapp.com"
MAX_TEXT = 2000
UPLOAD_LIMITS = {"file": 5 * 1024 * 1024, "image": 1024 * 1024}   # bytes, per the OA upload pages
# When OAuth leaves out expires_in, assume the shortest lifetime Zalo ever documented (1 h; today it is 25 h).
DEFAULT_EXPIRES_IN = 3600


class ZaloOaClient:
    """Send consultation and ZBS template messages as the OA, read user profiles, quotas and interaction times."""

    def __init__(self, app_id: str, app_secret: str, oa_secret: str, tokens: TokenStore, *,
                 api_url: str = DEFAULT_API_URL, oauth_url: str = DEFAULT_OAUTH_URL, timeout: float = 10.0,
                 retries: int = 3, transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Sleep = asyncio.sleep, clock: Clock = utcnow, backoff: float = 0.5,
                 refresh_margin: timedelta = timedelta(minutes=5), lease: timedelta = timedelta(minutes=2),
                 poll: float = 0.25):
        self.app_id = str(app_id)
        self._app_secret, self._oa_secret = app_secret, oa_secret
        self._api, self._oauth = api_url.rstrip("/"), oauth_url.rstrip("/")
        self._retries, self._sleep, self._backoff, self._clock = retries, sleep, backoff, clock
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)
        self._rate_until: datetime | None = None
        self._keeper = TokenKeeper(tokens, self._oauth_refresh, clock=clock, sleep=sleep,
                                   margin=refresh_margin, lease=lease, poll=poll)

    def __repr__(self) -> str:
        return f"ZaloOaClient(app_id={self.app_id!r}, api_url={self._api!r})"

    async def __aenter__(self) -> "ZaloOaClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    def verify_webhook(self, header_value: str | None, raw_body: bytes) -> bool:
        """True when an OA webhook body is signed with our OA secret key and names our app."""
        return verify_oa_webhook(header_value, raw_body, self._oa_secret, app_id=self.app_id)

    async def send_cs(self, user_id: str, text: str, *, quote_msg_id: str | None = None) -> SentMessage:
        """Send a consultation (Tư vấn) text; the user must have written to the OA in the last 7 days."""
        _check_text(text)
        message: dict[str, Any] = {"text": text}
        if quote_msg_id:
            message["quote_message_id"] = quote_msg_id
        return _sent(await self._send("/v3.0/oa/message/cs", user_id, message))

    async def send_template(self, user_id: str, template_id: str, template_data: dict[str, str]) -> SentMessage:
        """Send an approved ZBS template message by user id (the replacement, since 01/03/2026, of the retired
        "Tin UID Giao dịch"); Zalo fills the template's parameters from `template_data`."""
        if not user_id or not template_id:
            raise ValueError("user_id and template_id are required")
        body = {"user_id": str(user_id), "template_id": str(template_id),
                "template_data": {str(k): str(v) for k, v in template_data.items()}}
        return _sent(await self._call("POST", "/v3.0/oa/message/template", body=body, idempotent=False))

    async def last_interaction(self, user_id: str) -> datetime | None:
        """When the user last interacted with the OA (wrote, followed…), from the per-user quota look-up."""
        data = await self._call("POST", "/v3.0/oa/quota/message", body={"user_id": str(user_id)}, idempotent=True)
        return from_millis(data.get("last_interaction")) if isinstance(data, dict) else None

    async def upload(self, kind: str, name: str, data: bytes, mime: str) -> str:
        """Upload a file ("file": PDF/DOC/DOCX/CSV up to 5 MB) or an image ("image": JPG/PNG up to 1 MB) to the
        OA; the token (file) or attachment_id (image) to send it with. Zalo keeps uploads for 7 days."""
        if kind not in UPLOAD_LIMITS:
            raise ValueError("kind must be file or image")
        if len(data) > UPLOAD_LIMITS[kind]:
            raise ValueError(f"Zalo OA {kind} uploads are limited to {UPLOAD_LIMITS[kind]} bytes")
        result = await self._call("POST", f"/v2.0/oa/upload/{kind}", files={"file": (name, data, mime)},
                                  idempotent=True)
        key = "token" if kind == "file" else "attachment_id"
        value = result.get(key) if isinstance(result, dict) else None
        if not value:
            raise ZaloError(0, f"no {key} in the upload answer")
        return str(value)

    async def send_file(self, user_id: str, token: str) -> SentMessage:
        """Send an uploaded file as a consultation message."""
        return _sent(await self._send("/v3.0/oa/message/cs", user_id,
                                      {"attachment": {"type": "file", "payload": {"token": token}}}))

    async def send_image(self, user_id: str, attachment_id: str, caption: str = "") -> SentMessage:
        """Send an uploaded image (media template) as a consultation message, with an optional caption."""
        message: dict[str, Any] = {"attachment": {"type": "template", "payload": {
            "template_type": "media", "elements": [{"media_type": "image", "attachment_id": attachment_id}]}}}
        if caption:
            message["text"] = caption[:MAX_TEXT]
        return _sent(await self._send("/v3.0/oa/message/cs", user_id, message))

    async def get_user(self, user_id: str) -> dict:
        """The user's OA profile (display_name, avatars…)."""
        params = {"data": json.dumps({"user_id": str(user_id)})}
        return await self._call("GET", "/v3.0/oa/user/detail", params=params, idempotent=True) or {}

    async def get_quota(self, *, quota_owner: str = "OA", product_type: str | None = None,
                        quota_type: str | None = None) -> list[dict]:
        """The OA's message quotas (product_type cs|transaction, total, remain, valid_through)."""
        body = {"quota_owner": quota_owner}
        body.update({k: v for k, v in (("product_type", product_type), ("quota_type", quota_type)) if v})
        return await self._call("POST", "/v3.0/oa/quota/message", body=body, idempotent=True) or []

    async def refresh_token_if_due(self, within: timedelta = timedelta(hours=12)) -> bool:
        """Refresh the access token if it expires within `within` (for a twice-daily job); True if it did."""
        return await self._keeper.refresh_if_due(within)

    async def _send(self, path: str, user_id: str, message: dict) -> Any:
        if not user_id:
            raise ValueError("user_id is required")
        body = {"recipient": {"user_id": str(user_id)}, "message": message}
        return await self._call("POST", path, body=body, idempotent=False)

    async def _call(self, method: str, path: str, *, body: dict | None = None, params: dict | None = None,
                    idempotent: bool, files: dict | None = None) -> Any:
        wait = (self._rate_until - self._clock()).total_seconds() if self._rate_until else 0.0
        if wait > 0:  # Zalo said no requests are left in this window: do not spend one to hear it again
            raise ZaloRateLimited(-32, "rate limit reached (X-RateLimit-Remain: 0)", retry_after=wait)
        token = await self._keeper.access_token()
        try:
            return await self._call_with(token, method, path, body, params, idempotent, files)
        except ZaloTokenExpired:
            token = await self._keeper.refresh(stale=token)
            return await self._call_with(token, method, path, body, params, idempotent, files)

    async def _call_with(self, token: str, method: str, path: str, body: dict | None, params: dict | None,
                         idempotent: bool, files: dict | None = None) -> Any:
        async def once() -> Any:
            try:
                response = await self._http.request(method, self._api + path, json=body, params=params,
                                                    files=files, headers={"access_token": token})
            except httpx.TransportError as exc:
                raise network_error(exc) from exc
            self._note_rate_limit(response)
            return _api_result(response)

        return await with_retries(once, retries=self._retries, sleep=self._sleep, base_delay=self._backoff,
                                  idempotent=idempotent)

    def _note_rate_limit(self, response: httpx.Response) -> None:
        """Honour X-RateLimit-Remain: at 0, hold every call until the rate window has passed."""
        remain = response.headers.get("X-RateLimit-Remain")
        if remain is not None and remain.strip() == "0":
            self._rate_until = self._clock() + timedelta(seconds=RATE_WINDOW_SECONDS)

    async def _oauth_refresh(self, refresh_token: str) -> OaTokens:
        form = {"refresh_token": refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"}

        async def once() -> OaTokens:
            try:
                response = await self._http.post(self._oauth + "/v4/oa/access_token", data=form,
                                                 headers={"secret_key": self._app_secret})
            except httpx.TransportError as exc:
                raise network_error(exc) from exc
            return self._grant(response)

        return await with_retries(once, retries=self._retries, sleep=self._sleep, base_delay=self._backoff,
                                  idempotent=False)

    def _grant(self, response: httpx.Response) -> OaTokens:
        _raise_for_transport_status(response)
        body = _json_object(response)
        access, refresh = body.get("access_token"), body.get("refresh_token")
        if access and refresh:
            seconds = _int(body.get("expires_in")) or DEFAULT_EXPIRES_IN  # Zalo sends it as a string
            return OaTokens(str(access), str(refresh), self._clock() + timedelta(seconds=seconds))
        if response.status_code == 200 and not response.content.strip():
            # Reported for an already-spent refresh token: an empty 200 instead of -14014.
            raise ZaloAuthError(REFRESH_TOKEN_INVALID, "empty OAuth answer", http_status=200)
        # OAuth reports failures as error/error_name/error_description, often with HTTP 200.
        message = next((str(body[k]) for k in ("error_description", "error_reason", "error_name", "message")
                        if body.get(k)), "no tokens in the OAuth answer")
        if _int(body.get("error")) == -32:  # rate limited: the refresh token is still good, try later
            raise ZaloRateLimited(-32, message, http_status=response.status_code, retry_after=RATE_WINDOW_SECONDS)
        raise ZaloAuthError(_int(body.get("error")) or response.status_code, message,
                            http_status=response.status_code)


def _api_result(response: httpx.Response) -> Any:
    _raise_for_transport_status(response)
    body = _json_object(response)
    code = _int(body.get("error"))
    if code:
        raise oa_error(code, str(body.get("message", "")), http_status=response.status_code,
                       retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    if response.status_code >= 400 or not body:
        raise ZaloError(response.status_code, "unexpected Open API answer", http_status=response.status_code)
    return body.get("data")


def _raise_for_transport_status(response: httpx.Response) -> None:
    if response.status_code >= 500:
        raise server_error(response.status_code)
    if response.status_code == 429:
        raise ZaloRateLimited(429, "HTTP 429", http_status=429,
                              retry_after=retry_after_seconds(response.headers.get("Retry-After")))


def _json_object(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _check_text(text: str) -> None:
    if not 1 <= len(text) <= MAX_TEXT:
        raise ValueError(f"Zalo OA text must be 1–{MAX_TEXT} characters, got {len(text)}")


def _sent(data: Any) -> SentMessage:
    data = data if isinstance(data, dict) else {}
    return SentMessage(message_id=str(data.get("message_id", "")), sent_at=None)
