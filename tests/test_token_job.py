"""The scheduler keeps Zalo OA tokens fresh even when nothing is sent."""
from __future__ import annotations

from pydantic import SecretStr

from bot.inbound import zalo_messengers
from scheduler.jobs import TOKEN_JOB_ID, Runtime, refresh_tokens, start_scheduler, stop_scheduler
from tests.fakes import refuse_internet
from tests.fakes.zalo_api import FakeZaloOA


async def test_token_job_refreshes_once_when_due(settings, engine):
    with refuse_internet(), FakeZaloOA() as oa:
        access, refresh = oa.issue_tokens()
        cfg = settings.model_copy(update={
            "zalo_oa_app_id": oa.app_id, "zalo_oa_app_secret": SecretStr(oa.app_secret),
            "zalo_oa_secret_key": SecretStr("oa-secret"), "zalo_oa_access_token": SecretStr(access),
            "zalo_oa_refresh_token": SecretStr(refresh), "zalo_oa_api_url": oa.base_url,
            "zalo_oauth_url": oa.base_url, "scheduler_interval_seconds": 3600})
        messengers = zalo_messengers(cfg, engine)
        await messengers["zalo_oa"].open()  # seeds the store from the settings (expiry unknown: due now)
        scheduler = start_scheduler(Runtime(engine, cfg, messengers), name="tokens")
        try:
            assert scheduler.get_job(TOKEN_JOB_ID) is not None
            assert await refresh_tokens("tokens") == 1
            assert await refresh_tokens("tokens") == 0  # the new token lasts ~25 h
            assert oa.refresh_calls == [refresh]
        finally:
            await stop_scheduler(scheduler, name="tokens")
            await messengers["zalo_oa"].close()
