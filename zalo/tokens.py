"""Zalo OA tokens: stores with compare-and-set, and a refresh protocol that never spends a refresh token twice.

Zalo refresh tokens are single use (a new one comes with every refresh). Every process sharing a store follows:
1. read the record (tokens, version, lease);
2. if its access token is no longer the one we found stale, someone already refreshed: use theirs;
3. if another owner holds an unexpired lease, wait and read again;
4. claim the lease by compare-and-set on `version` (losers go back to 1);
5. spend the refresh token at OAuth, then compare-and-set the new pair (dropping the lease) BEFORE using it.
An asyncio.Lock keeps one process's tasks from racing at step 4, and step 5 runs in a task of its own so a
caller cancelled mid-refresh (a timeout, shutdown) does not cut it off between Zalo's answer and our write.

Residual risk: Zalo cannot take part in our transaction. A crash (kill -9, power cut) after Zalo answers step 5
and before our write commits loses the new pair, and the stored refresh token is already spent. The lease left
behind says who was refreshing and until when; after it expires one process retries the old token, Zalo refuses
it (-14014), and the record is marked rejected, so every later call fails fast with ZaloAuthError asking the
operator to re-authorise the OA (`replace_tokens`) instead of hammering OAuth. The window is one HTTP answer
long; an OAuth request that times out unanswered is treated the same way (it is not repeated blindly, and the
next attempt either succeeds or ends in that rejection). Leases use wall-clock time, so hosts sharing a PostgreSQL store need clocks in sync (well under the lease).
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from storage.models import KeyValue
from storage.types import utcnow
from zalo.errors import Sleep, ZaloAuthError, ZaloError, ZaloNetworkError

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class OaTokens:
    """An OA access token, the refresh token that replaces it, and when the access token expires."""

    access_token: str
    refresh_token: str
    expires_at: datetime

    def __post_init__(self) -> None:
        from config.redact import add_secrets
        add_secrets(self.access_token, self.refresh_token)  # refreshed at run time: masked in every log line too


@dataclass(frozen=True)
class TokenRecord:
    """Stored tokens with their version and, while someone refreshes, who holds the lease and until when."""

    tokens: OaTokens
    version: int = 0
    lease_owner: str | None = None
    lease_until: datetime | None = None
    rejected: str | None = None      # why Zalo refused the refresh token; cleared by replace_tokens

    def leased_by_other(self, owner: str, now: datetime) -> bool:
        """True while someone else's unexpired lease is on the record."""
        return bool(self.lease_owner and self.lease_owner != owner and self.lease_until
                    and self.lease_until > now)


class TokenStore(Protocol):
    """Where tokens live; `swap` writes only if the stored version is still `expected_version`."""

    async def load(self) -> TokenRecord | None: ...

    async def add(self, tokens: OaTokens) -> bool: ...

    async def swap(self, expected_version: int, record: TokenRecord) -> TokenRecord | None: ...


class MemoryTokenStore:
    """Tokens in memory, for one process and for tests."""

    def __init__(self, tokens: OaTokens | None = None):
        self._record = TokenRecord(tokens, 1) if tokens else None

    async def load(self) -> TokenRecord | None:
        """The stored record, if any."""
        return self._record

    async def add(self, tokens: OaTokens) -> bool:
        """Store `tokens` only when none are stored yet."""
        if self._record is not None:
            return False
        self._record = TokenRecord(tokens, 1)
        return True

    async def swap(self, expected_version: int, record: TokenRecord) -> TokenRecord | None:
        """Replace the record if its version is still `expected_version`; the new record or None."""
        if self._record is None or self._record.version != expected_version:
            return None
        self._record = replace(record, version=expected_version + 1)
        return self._record


class DbTokenStore:
    """Tokens as JSON in the KeyValue table, written with compare-and-set on `version` (safe across processes)."""

    def __init__(self, engine: Engine, key: str = "zalo_oa"):
        self._engine = engine
        self._key = key
        self._table = KeyValue.__table__

    async def load(self) -> TokenRecord | None:
        """The stored record, if any."""
        return await asyncio.to_thread(self._load)

    async def add(self, tokens: OaTokens) -> bool:
        """Store `tokens` only when none are stored yet."""
        return await asyncio.to_thread(self._add, _dump(TokenRecord(tokens)))

    async def swap(self, expected_version: int, record: TokenRecord) -> TokenRecord | None:
        """Replace the record if its version is still `expected_version`; the new record or None."""
        done = await asyncio.to_thread(self._swap, expected_version, _dump(record))
        return replace(record, version=expected_version + 1) if done else None

    def _load(self) -> TokenRecord | None:
        t = self._table
        with self._engine.connect() as conn:
            row = conn.execute(select(t.c.value, t.c.version).where(t.c.key == self._key)).first()
        return _parse(row.value, row.version) if row is not None and row.value else None

    def _add(self, value: str) -> bool:
        t = self._table
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(t).values(key=self._key, value=value, version=1, updated_at=utcnow()))
            return True
        except IntegrityError:  # the row exists: fill it only if it is still empty
            with self._engine.begin() as conn:
                result = conn.execute(update(t).where(t.c.key == self._key, t.c.value == "")
                                      .values(value=value, version=t.c.version + 1, updated_at=utcnow()))
            return result.rowcount == 1

    def _swap(self, expected_version: int, value: str) -> bool:
        t = self._table
        with self._engine.begin() as conn:
            result = conn.execute(update(t).where(t.c.key == self._key, t.c.version == expected_version)
                                  .values(value=value, version=expected_version + 1, updated_at=utcnow()))
        return result.rowcount == 1


def _dump(record: TokenRecord) -> str:
    t = record.tokens
    return json.dumps({
        "access_token": t.access_token, "refresh_token": t.refresh_token, "expires_at": t.expires_at.isoformat(),
        "lease_owner": record.lease_owner,
        "lease_until": record.lease_until.isoformat() if record.lease_until else None,
        "rejected": record.rejected,
    })


def _parse(value: str, version: int) -> TokenRecord:
    data = json.loads(value)
    tokens = OaTokens(data["access_token"], data["refresh_token"], datetime.fromisoformat(data["expires_at"]))
    until = data.get("lease_until")
    return TokenRecord(tokens, version, data.get("lease_owner"),
                       datetime.fromisoformat(until) if until else None, data.get("rejected"))


async def seed_tokens(store: TokenStore, access_token: str | None, refresh_token: str | None, *,
                      expires_at: datetime | None = None, clock: Clock = utcnow) -> bool:
    """Store tokens from settings only when the store has none; unknown expiry means refresh at first use."""
    if not access_token and not refresh_token:
        return False
    return await store.add(OaTokens(access_token or "", refresh_token or "", expires_at or clock()))


async def seed_from_settings(store: TokenStore, settings: Any, *, clock: Clock = utcnow) -> bool:
    """Seed from NHACVIEC_ZALO_OA_ACCESS_TOKEN / _REFRESH_TOKEN when the store has none."""
    def secret(value: Any) -> str | None:
        return value.get_secret_value() if value is not None else None

    return await seed_tokens(store, secret(settings.zalo_oa_access_token),
                             secret(settings.zalo_oa_refresh_token), clock=clock)


async def replace_tokens(store: TokenStore, tokens: OaTokens) -> TokenRecord:
    """Overwrite whatever is stored (after the operator re-authorises the OA); clears leases and rejections."""
    while True:
        current = await store.load()
        if current is None:
            if await store.add(tokens):
                return await store.load()
            continue
        saved = await store.swap(current.version, TokenRecord(tokens))
        if saved is not None:
            return saved


Refresh = Callable[[str], Awaitable[OaTokens]]


class TokenKeeper:
    """Hands out a usable access token, refreshing at most once per stale token across tasks and processes."""

    def __init__(self, store: TokenStore, refresh: Refresh, *, clock: Clock = utcnow, sleep: Sleep = asyncio.sleep,
                 margin: timedelta = timedelta(minutes=5), lease: timedelta = timedelta(minutes=2),
                 poll: float = 0.25):
        self._store, self._refresh = store, refresh
        self._clock, self._sleep = clock, sleep
        self._margin, self._lease, self._poll = margin, lease, poll
        self._max_polls = math.ceil(lease.total_seconds() / poll) + 10
        self._owner = uuid.uuid4().hex
        self._lock = asyncio.Lock()
        self._spending: asyncio.Task[str] | None = None

    async def access_token(self) -> str:
        """The stored access token, refreshed first when it expires within the margin."""
        record = await self._load()
        tokens = record.tokens
        if tokens.expires_at - self._margin > self._clock():
            return tokens.access_token
        try:
            return await self.refresh(stale=tokens.access_token)
        except ZaloError as exc:
            # A refresh ahead of time that failed on the network: the old token still works for now.
            if exc.retryable and tokens.access_token and tokens.expires_at > self._clock():
                log.warning("Zalo OA token refresh failed (%s); using the current token until it expires", exc)
                return tokens.access_token
            raise

    async def refresh_if_due(self, within: timedelta) -> bool:
        """Refresh when the access token expires within `within`; True if it was due."""
        record = await self._load()
        if record.tokens.expires_at - within > self._clock():
            return False
        await self.refresh(stale=record.tokens.access_token)
        return True

    async def refresh(self, *, stale: str) -> str:
        """Replace the access token `stale` unless someone already did; the access token to use now."""
        async with self._lock:
            for _ in range(self._max_polls):
                record = await self._load()
                if record.tokens.access_token != stale:
                    return record.tokens.access_token
                if self._spending is not None:      # our own refresh outlived a cancelled caller
                    return await asyncio.shield(self._spending)
                if record.rejected:
                    raise ZaloAuthError(0, f"Zalo OA refresh token was rejected ({record.rejected}); "
                                           "re-authorise the OA and store the new tokens")
                if record.leased_by_other(self._owner, self._clock()):
                    await self._sleep(self._poll)
                    continue
                claim = replace(record, lease_owner=self._owner, lease_until=self._clock() + self._lease)
                claimed = await self._store.swap(record.version, claim)
                if claimed is not None:
                    return await asyncio.shield(self._start_spending(claimed, record.lease_owner is not None))
            raise ZaloNetworkError(0, "timed out waiting for another Zalo OA token refresh", maybe_sent=False)

    def _start_spending(self, claimed: TokenRecord, interrupted: bool) -> asyncio.Task[str]:
        # A task of its own, awaited through shield: a caller cancelled mid-refresh (a send timeout, shutdown)
        # must not cut off the write of the new pair after Zalo has spent the old refresh token.
        task = asyncio.ensure_future(self._spend(claimed, interrupted=interrupted))
        self._spending = task
        task.add_done_callback(self._spent)
        return task

    def _spent(self, task: asyncio.Task[str]) -> None:
        self._spending = None
        if not task.cancelled():
            task.exception()  # retrieved here too, in case every caller was cancelled

    async def _load(self) -> TokenRecord:
        record = await self._store.load()
        if record is None:
            raise ZaloAuthError(0, "no Zalo OA tokens stored; set the access and refresh tokens first")
        return record

    async def _spend(self, claimed: TokenRecord, *, interrupted: bool) -> str:
        if not claimed.tokens.refresh_token:
            await self._store.swap(claimed.version, replace(claimed, lease_owner=None, lease_until=None))
            raise ZaloAuthError(0, "no Zalo OA refresh token stored")
        try:
            # Finish well inside the lease, so nobody else can claim this token while we still spend it.
            fresh = await asyncio.wait_for(self._refresh(claimed.tokens.refresh_token),
                                           self._lease.total_seconds() * 0.75)
        except (ZaloError, TimeoutError) as exc:
            await self._release(claimed, exc, interrupted=interrupted)
            if isinstance(exc, TimeoutError):
                raise ZaloNetworkError(0, "Zalo OAuth timed out") from exc
            raise
        if await self._store.swap(claimed.version, TokenRecord(fresh)) is None:
            log.error("Zalo OA token refresh succeeded but the store changed under our lease; "
                      "keeping the stored tokens, using the new access token for this call only")
        else:
            log.info("Zalo OA access token refreshed; it expires at %s", fresh.expires_at.isoformat())
        return fresh.access_token

    async def _release(self, claimed: TokenRecord, exc: BaseException, *, interrupted: bool) -> None:
        rejected = None
        # No refresh-specific code is documented (-14014 and -118 are both seen): any OAuth refusal other than
        # rate limiting (ZaloRateLimited) or the network means the refresh token will not work again.
        if isinstance(exc, ZaloAuthError):
            rejected = f"{exc}; an earlier refresh was interrupted" if interrupted else str(exc)
            log.error("Zalo OA: refresh token bị từ chối (%s). Cần cấp quyền lại cho OA rồi chạy "
                      "`nhacviec zalo tokens set`.", rejected)
        await self._store.swap(claimed.version, replace(claimed, lease_owner=None, lease_until=None,
                                                        rejected=rejected))
