"""OA token stores and the refresh protocol: one refresh per stale token, never a refresh token spent twice."""
from __future__ import annotations

import asyncio
import multiprocessing
from dataclasses import replace
from datetime import timedelta

import pytest

from config import Settings
from storage.db import make_engine
from storage.types import utcnow
from tests.fakes.zalo_api import FakeZaloOA
from zalo.errors import ZaloAuthError
from zalo.oa_client import ZaloOaClient
from zalo.tokens import (DbTokenStore, MemoryTokenStore, OaTokens, TokenRecord, replace_tokens,
                         seed_from_settings, seed_tokens)

APP_ID = "4291763606161179100"
APP_SECRET = "app-secret"


def tokens(n: int = 1, *, expires_in: timedelta = timedelta(hours=20)) -> OaTokens:
    return OaTokens(f"access-{n}", f"refresh-{n}", utcnow() + expires_in)


@pytest.fixture
def fake():
    with FakeZaloOA(APP_ID, APP_SECRET, oauth_delay=0.05) as server:
        yield server


def expiring(fake: FakeZaloOA) -> OaTokens:
    """A pair the fake accepts, two minutes from expiry (inside the five-minute refresh margin)."""
    access, refresh = fake.issue_tokens()
    return OaTokens(access, refresh, utcnow() + timedelta(minutes=2))


def client(fake: FakeZaloOA, store, **kwargs) -> ZaloOaClient:
    return ZaloOaClient(APP_ID, APP_SECRET, "oa-secret", store, api_url=fake.base_url,
                        oauth_url=fake.base_url, poll=0.01, **kwargs)


# ---- stores -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["memory", "db"])
async def test_store_compare_and_set(kind, engine):
    store = MemoryTokenStore() if kind == "memory" else DbTokenStore(engine)
    assert await store.load() is None
    assert await store.add(tokens(1))
    assert not await store.add(tokens(2))
    first = await store.load()
    assert first.tokens.access_token == "access-1"
    saved = await store.swap(first.version, TokenRecord(tokens(3)))
    assert saved.version == first.version + 1
    assert await store.swap(first.version, TokenRecord(tokens(4))) is None   # stale version loses
    assert (await store.load()).tokens.access_token == "access-3"


async def test_db_store_keeps_everything_across_engines(db_url):
    one, two = make_engine(db_url), make_engine(db_url)
    lease_until = utcnow() + timedelta(minutes=2)
    try:
        await DbTokenStore(one).add(tokens(1))
        record = await DbTokenStore(one).load()
        await DbTokenStore(one).swap(record.version, replace(record, lease_owner="me", lease_until=lease_until,
                                                             rejected="why"))
        again = await DbTokenStore(two).load()
    finally:
        one.dispose()
        two.dispose()
    assert again.tokens == record.tokens and again.version == record.version + 1
    assert (again.lease_owner, again.lease_until, again.rejected) == ("me", lease_until, "why")


async def test_seeding_from_settings_only_when_the_store_is_empty(engine):
    store = DbTokenStore(engine)
    settings = Settings(_env_file=None, zalo_oa_access_token="env-access", zalo_oa_refresh_token="env-refresh")
    assert await seed_from_settings(store, settings)
    await replace_tokens(store, tokens(5))
    assert not await seed_from_settings(store, settings)
    assert (await store.load()).tokens.refresh_token == "refresh-5"
    assert not await seed_tokens(MemoryTokenStore(), None, None)


async def test_seeded_tokens_without_expiry_are_refreshed_at_first_use(fake):
    access, refresh = fake.issue_tokens()
    store = MemoryTokenStore()
    await seed_tokens(store, access, refresh)
    async with client(fake, store) as oa:
        await oa.send_cs("user-1", "a")
    assert fake.refresh_calls == [refresh]
    assert (await store.load()).tokens.refresh_token != refresh


# ---- one refresh, however many callers ----------------------------------------------------------------


async def test_twenty_concurrent_calls_refresh_exactly_once(fake):
    store = MemoryTokenStore(expiring(fake))
    async with client(fake, store) as oa:
        await asyncio.gather(*(oa.send_cs(f"user-{i}", "Nhắc việc") for i in range(20)))
    assert len(fake.refresh_calls) == 1 and fake.double_spends == []
    assert len(fake.sent) == 20
    assert {item["access_token"] for item in fake.sent} == {(await store.load()).tokens.access_token}


async def test_twenty_calls_hitting_216_refresh_once(fake):
    store = MemoryTokenStore(tokens_from(fake))
    fake.expire_access_tokens()
    async with client(fake, store) as oa:
        await asyncio.gather(*(oa.send_cs(f"user-{i}", "a") for i in range(20)))
    assert len(fake.refresh_calls) == 1 and len(fake.sent) == 20


def tokens_from(fake: FakeZaloOA) -> OaTokens:
    access, refresh = fake.issue_tokens()
    return OaTokens(access, refresh, utcnow() + timedelta(hours=20))


async def test_two_stores_on_one_database_never_spend_a_refresh_token_twice(fake, db_url):
    engines = [make_engine(db_url), make_engine(db_url)]
    await DbTokenStore(engines[0]).add(expiring(fake))
    clients = [client(fake, DbTokenStore(engine)) for engine in engines]
    try:
        await asyncio.gather(*(c.send_cs(f"user-{i}", "a") for i in range(10) for c in clients))
    finally:
        for c, engine in zip(clients, engines):
            await c.aclose()
            engine.dispose()
    assert len(fake.refresh_calls) == 1 and fake.double_spends == []
    assert len(fake.sent) == 20


async def test_new_tokens_are_stored_before_they_are_used(fake):
    class Spy(MemoryTokenStore):
        async def swap(self, expected_version, record):
            if record.lease_owner is None:   # the write of a fresh pair, or a release
                assert record.tokens.access_token not in {item["access_token"] for item in fake.sent}
                self.saved = record.tokens.access_token
            return await super().swap(expected_version, record)

    store = Spy(expiring(fake))
    async with client(fake, store) as oa:
        await oa.send_cs("user-1", "a")
    assert fake.sent[0]["access_token"] == store.saved


# ---- real processes -----------------------------------------------------------------------------------


def _process_sends(db_url: str, base_url: str, barrier, results, count: int) -> None:
    async def run() -> list[str]:
        engine = make_engine(db_url)
        try:
            async with client_for(base_url, DbTokenStore(engine)) as oa:
                barrier.wait(30)
                sent = await asyncio.gather(*(oa.send_cs(f"user-{i}", "a") for i in range(count)))
        finally:
            engine.dispose()
        return [item.message_id for item in sent]

    results.put(asyncio.run(run()))


def client_for(base_url: str, store) -> ZaloOaClient:
    return ZaloOaClient(APP_ID, APP_SECRET, "oa-secret", store, api_url=base_url, oauth_url=base_url, poll=0.01)


async def test_separate_processes_share_one_refresh(db_url):
    with FakeZaloOA(APP_ID, APP_SECRET, oauth_delay=0.3) as fake:
        engine = make_engine(db_url)
        await DbTokenStore(engine).add(expiring(fake))
        ctx = multiprocessing.get_context("spawn")   # fork would copy the fake's running thread
        barrier, results = ctx.Barrier(3), ctx.Queue()
        procs = [ctx.Process(target=_process_sends, args=(db_url, fake.base_url, barrier, results, 4))
                 for _ in range(3)]
        for proc in procs:
            proc.start()
        sent = [await asyncio.to_thread(results.get, True, 60) for _ in procs]
        for proc in procs:
            proc.join(30)
        stored = await DbTokenStore(engine).load()
        engine.dispose()
    assert [proc.exitcode for proc in procs] == [0, 0, 0]
    assert sum(len(ids) for ids in sent) == 12 and len(fake.sent) == 12
    assert len(fake.refresh_calls) == 1 and fake.double_spends == []
    assert {item["access_token"] for item in fake.sent} == {stored.tokens.access_token}


# ---- a crash between Zalo's answer and our write ------------------------------------------------------


class Crash(BaseException):
    """The process dies: nothing catches this."""


async def test_crash_after_oauth_answers_fails_fast_and_asks_for_reauthorisation(fake, engine):
    class CrashOnSave(DbTokenStore):
        async def swap(self, expected_version, record):
            if record.lease_owner is None:
                raise Crash()
            return await super().swap(expected_version, record)

    await DbTokenStore(engine).add(expiring(fake))
    async with client(fake, CrashOnSave(engine)) as doomed:
        with pytest.raises(Crash):
            await doomed.send_cs("user-1", "a")
    left = await DbTokenStore(engine).load()
    assert left.lease_owner is not None                    # the interrupted refresh is on record

    later = lambda: utcnow() + timedelta(minutes=3)        # noqa: E731  (past the two-minute lease)
    async with client(fake, DbTokenStore(engine), clock=later) as survivor:
        with pytest.raises(ZaloAuthError) as info:
            await survivor.send_cs("user-1", "a")
        assert info.value.code == -14014
        with pytest.raises(ZaloAuthError):
            await survivor.send_cs("user-1", "a")          # fails fast: OAuth is not asked again
    record = await DbTokenStore(engine).load()
    assert "interrupted" in record.rejected and record.lease_owner is None
    assert len(fake.refresh_calls) == 2 and fake.double_spends == [left.tokens.refresh_token]
    assert fake.sent == []

    access, refresh = fake.issue_tokens()                  # the operator re-authorises the OA
    await replace_tokens(DbTokenStore(engine), OaTokens(access, refresh, utcnow() + timedelta(hours=20)))
    async with client(fake, DbTokenStore(engine)) as healed:
        await healed.send_cs("user-1", "a")
    assert len(fake.sent) == 1


async def test_network_failure_on_an_early_refresh_keeps_using_the_valid_token(fake, sleeps_none):
    store = MemoryTokenStore(expiring(fake))
    fake.fail_next("oauth", 0, "unavailable", http_status=503, times=10)
    async with client(fake, store, sleep=sleeps_none, retries=1) as oa:
        await oa.send_cs("user-1", "a")
    record = await store.load()
    assert fake.sent[0]["access_token"] == record.tokens.access_token
    assert record.lease_owner is None and record.rejected is None


@pytest.fixture
def sleeps_none():
    async def sleep(_seconds: float) -> None:
        await asyncio.sleep(0)
    return sleep


async def test_a_caller_cancelled_mid_refresh_does_not_lose_the_new_tokens(fake):
    store = MemoryTokenStore(expiring(fake))
    fake.oauth_delay = 0.3
    async with client(fake, store) as oa:
        doomed = asyncio.create_task(oa.send_cs("user-1", "a"))
        assert await asyncio.to_thread(fake.oauth_seen.wait, 5)   # Zalo is spending the refresh token
        doomed.cancel()
        with pytest.raises(asyncio.CancelledError):
            await doomed
        await oa.send_cs("user-2", "b")
    record = await store.load()
    assert len(fake.refresh_calls) == 1 and fake.double_spends == []
    assert record.tokens.refresh_token != fake.refresh_calls[0] and record.lease_owner is None
    assert [item["user_id"] for item in fake.sent] == ["user-2"]
