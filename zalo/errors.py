"""Typed Zalo errors, the code tables that pick them, and the retry loop for transient failures.

Two flags tell the delivery layer what to do with a failure:
- `retryable`: the same call may succeed later (network trouble, 5xx, rate limit);
- `final`: this recipient cannot get this kind of message until they act (write to us, follow, unblock),
  so stop trying them and say why.
"""
from __future__ import annotations

from typing import Awaitable, Callable, TypeVar

import httpx

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class ZaloError(Exception):
    """A failed Zalo call with Zalo's code and description."""

    retryable = False
    final = False

    def __init__(self, code: int, message: str = "", *, http_status: int | None = None):
        super().__init__(f"Zalo error {code}: {message}" if message else f"Zalo error {code}")
        self.code = code
        self.message = message
        self.http_status = http_status


class ZaloRateLimited(ZaloError):
    """Too many calls (OA -32, HTTP 429); wait `retry_after` seconds when Zalo says how long."""

    retryable = True

    def __init__(self, code: int, message: str = "", *, http_status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(code, message, http_status=http_status)
        self.retry_after = retry_after


class ZaloQuotaExceeded(ZaloError):
    """The OA's message quota is used up (-211, -311); it comes back with the next quota period."""


class ZaloTokenExpired(ZaloError):
    """The access token was refused (-216, -220; -124 on ZNS); refresh it and try once more."""


class ZaloAuthError(ZaloError):
    """Credentials Zalo will not accept (bot token, app secret, a spent refresh token): an operator must fix them."""


class ZaloNoInteraction(ZaloError):
    """The user has not written to the OA recently enough for this message type (-230, -232, -305)."""

    final = True


class ZaloUserBlocked(ZaloError):
    """The user does not follow, blocked, or restricted the OA (-213, -217, -227, -244)."""

    final = True


class ZaloBillingError(ZaloError):
    """The OA may not send at all until its owner acts: no OA service package or tier (-224), receive quota used
    up (-218), no Zalo Cloud Account linked or no balance on it (-320, -321). Retrying per message is useless."""


class ZaloPayloadRejected(ZaloError):
    """Zalo refused this message's content or kind: invalid parameter (-201), invalid message type (-233),
    policy (-248), template not sendable by user id (-249). Final for this message; other messages may go."""

    final = True


class ZaloNightBlocked(ZaloError):
    """This message kind may not be sent at night (-234, 22:00–06:00): try again in the morning."""

    retryable = True


class ZaloNetworkError(ZaloError):
    """Zalo could not be reached or answered 5xx; `maybe_sent` when the request may have been applied."""

    retryable = True

    def __init__(self, code: int, message: str = "", *, http_status: int | None = None,
                 maybe_sent: bool = True):
        super().__init__(code, message, http_status=http_status)
        self.maybe_sent = maybe_sent


# OAuth's answer to a refresh token it will not take (unknown, expired or already spent).
REFRESH_TOKEN_INVALID = -14014

OA_ERRORS: dict[int, type[ZaloError]] = {
    -32: ZaloRateLimited,
    -211: ZaloQuotaExceeded, -311: ZaloQuotaExceeded,
    -216: ZaloTokenExpired, -220: ZaloTokenExpired, -124: ZaloTokenExpired,
    -230: ZaloNoInteraction, -232: ZaloNoInteraction, -305: ZaloNoInteraction,
    -213: ZaloUserBlocked, -217: ZaloUserBlocked, -227: ZaloUserBlocked, -244: ZaloUserBlocked,
    -224: ZaloBillingError, -218: ZaloBillingError, -320: ZaloBillingError, -321: ZaloBillingError,
    -201: ZaloPayloadRejected, -233: ZaloPayloadRejected, -248: ZaloPayloadRejected, -249: ZaloPayloadRejected,
    -234: ZaloNightBlocked,
}
# OA rate limit: 4,000 requests a minute per app; without Retry-After, wait out the minute.
RATE_WINDOW_SECONDS = 60.0

# Connection never established: the request surely did not reach Zalo, so even a send can be repeated.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Gateway answers that mean the request did not reach Zalo's application.
_NOT_APPLIED_STATUSES = (502, 503)


def oa_error(code: int, message: str = "", *, http_status: int | None = None,
             retry_after: float | None = None) -> ZaloError:
    """The typed error for an OA Open API `error` code."""
    cls = OA_ERRORS.get(code, ZaloError)
    if cls is ZaloRateLimited:
        return ZaloRateLimited(code, message, http_status=http_status,
                               retry_after=retry_after if retry_after is not None else RATE_WINDOW_SECONDS)
    return cls(code, message, http_status=http_status)


def bot_error(code: int, description: str = "", *, http_status: int | None = None,
              retry_after: float | None = None) -> ZaloError:
    """The typed error for a Bot Platform `error_code`: 401 invalid token, 403 internal server error (the
    Bot Platform's own table: transient, retry later), 429 quota exceeded."""
    if code == 429 or http_status == 429:
        return ZaloRateLimited(code, description, http_status=http_status, retry_after=retry_after)
    if code == 401:
        return ZaloAuthError(code, description, http_status=http_status)
    if code == 403:
        return ZaloNetworkError(code, description or "internal server error", http_status=http_status)
    return ZaloError(code, description, http_status=http_status)


def network_error(exc: httpx.TransportError) -> ZaloNetworkError:
    """A ZaloNetworkError for an httpx transport failure (the message never carries the URL)."""
    return ZaloNetworkError(0, type(exc).__name__, maybe_sent=not isinstance(exc, _NOT_SENT))


def server_error(status: int) -> ZaloNetworkError:
    """A ZaloNetworkError for an HTTP 5xx answer."""
    return ZaloNetworkError(status, f"HTTP {status}", http_status=status,
                            maybe_sent=status not in _NOT_APPLIED_STATUSES)


def retry_after_seconds(value: object) -> float | None:
    """Seconds from a Retry-After header or a `retry_after` field, if it is a number."""
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


async def with_retries(call: Callable[[], Awaitable[T]], *, retries: int, sleep: Sleep,
                       base_delay: float = 0.5, max_delay: float = 8.0, idempotent: bool = True) -> T:
    """Run `call()`, retrying network failures and 5xx with exponential backoff.

    Calls that change something (sends, OAuth refresh) are repeated only when the request cannot have been
    applied, so a timeout after Zalo received a message never sends it twice.
    """
    for attempt in range(retries + 1):
        try:
            return await call()
        except ZaloNetworkError as exc:
            if attempt == retries or (exc.maybe_sent and not idempotent):
                raise
            await sleep(min(base_delay * 2 ** attempt, max_delay))
    raise AssertionError("unreachable")
