"""Async client for the Zalo Bot Platform: a Telegram-style Bot API at bot-api.zaloplatforms.com.

Every method is a POST with a JSON body to `{base_url}/bot{token}/{method}` (no slash between "bot" and the
token) answering `{"ok": bool, "result": ..., "error_code": int, "description": str}`; HTTP 200 does not mean
success. The token is part of the URL, so URLs are never put in errors or logs.
"""
from __future__ import annotations

import asyncio
from typing import Any

import httpx

from zalo.errors import (Sleep, ZaloError, bot_error, network_error, retry_after_seconds, server_error,
                         with_retries)
from zalo.payloads import SentMessage, from_millis

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
MAX_TEXT = 2000
POLL_TIMEOUT = 408      # getUpdates found nothing before its timeout: not an error
POLL_GRACE = 10.0       # the HTTP read timeout must outlast Zalo's long poll


class ZaloBotClient:
    """Calls to one Zalo bot; raises typed ZaloError subclasses when Zalo says no."""

    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL, *, timeout: float = 10.0,
                 retries: int = 3, transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Sleep = asyncio.sleep, backoff: float = 0.5):
        if not token:
            raise ValueError("a Zalo bot token is required")
        self._token = token
        self._base = base_url.rstrip("/")
        self._retries, self._sleep, self._backoff = retries, sleep, backoff
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)

    def __repr__(self) -> str:
        return f"ZaloBotClient(base_url={self._base!r}, token=***)"

    async def __aenter__(self) -> "ZaloBotClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    async def call(self, method: str, params: dict | None = None, *, idempotent: bool = True,
                   timeout: float | None = None) -> Any:
        """POST `params` to `method`; Zalo's `result`, or a typed ZaloError."""
        async def once() -> Any:
            return await self._post(method, params or {}, timeout)

        return await with_retries(once, retries=self._retries, sleep=self._sleep, base_delay=self._backoff,
                                  idempotent=idempotent)

    async def get_me(self) -> dict:
        """The bot's own account (id, account_name…)."""
        return await self.call("getMe") or {}

    async def get_updates(self, timeout: int = 30) -> list[dict]:
        """Long-poll for updates; Zalo returns one at a time, and none (408) when the poll times out."""
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + POLL_GRACE)
        except ZaloError as exc:
            if exc.code == POLL_TIMEOUT:
                return []
            raise
        if not result:
            return []
        return [item for item in result if isinstance(item, dict)] if isinstance(result, list) else [result]

    async def set_webhook(self, url: str, secret_token: str) -> dict:
        """Have Zalo POST updates to `url` with `secret_token` in X-Bot-Api-Secret-Token (8–256 chars)."""
        if not 8 <= len(secret_token) <= 256:
            raise ValueError("the webhook secret must be 8–256 characters")
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token}) or {}

    async def delete_webhook(self) -> dict:
        """Stop webhook delivery (needed before getUpdates works)."""
        return await self.call("deleteWebhook") or {}

    async def get_webhook_info(self) -> dict:
        """The webhook URL Zalo has, and when it was set (the secret is not returned)."""
        return await self.call("getWebhookInfo") or {}

    async def send_message(self, chat_id: str, text: str) -> SentMessage:
        """Send a text of 1–2,000 characters (the channel layer splits longer ones)."""
        _check_text(text, "text")
        return _sent(await self.call("sendMessage", {"chat_id": str(chat_id), "text": text}, idempotent=False))

    async def send_photo(self, chat_id: str, photo: str, caption: str | None = None) -> SentMessage:
        """Send a photo by HTTPS URL (Zalo may fetch it more than once) with an optional caption."""
        params = {"chat_id": str(chat_id), "photo": photo}
        if caption:
            _check_text(caption, "caption")
            params["caption"] = caption
        return _sent(await self.call("sendPhoto", params, idempotent=False))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """Show "typing…" in the chat."""
        await self.call("sendChatAction", {"chat_id": str(chat_id), "action": action})

    async def _post(self, method: str, params: dict, timeout: float | None) -> Any:
        url = f"{self._base}/bot{self._token}/{method}"
        extra = {"timeout": timeout} if timeout is not None else {}
        try:
            response = await self._http.post(url, json=params, **extra)
        except httpx.TransportError as exc:
            raise network_error(exc) from None  # the cause's request would carry the token in its URL
        return _result(response)


def _result(response: httpx.Response) -> Any:
    if response.status_code >= 500:
        raise server_error(response.status_code)
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise bot_error(response.status_code, "non-JSON answer", http_status=response.status_code)
    if body.get("ok") is True:
        return body.get("result")
    parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
    retry_after = retry_after_seconds(parameters.get("retry_after") or response.headers.get("Retry-After"))
    code = body.get("error_code")
    code = code if isinstance(code, int) and code else response.status_code
    raise bot_error(code, str(body.get("description", "")), http_status=response.status_code,
                    retry_after=retry_after)


def _check_text(text: str, what: str) -> None:
    if not 1 <= len(text) <= MAX_TEXT:
        raise ValueError(f"Zalo {what} must be 1–{MAX_TEXT} characters, got {len(text)}")


def _sent(result: Any) -> SentMessage:
    result = result if isinstance(result, dict) else {}
    return SentMessage(message_id=str(result.get("message_id", "")), sent_at=from_millis(result.get("date")))
