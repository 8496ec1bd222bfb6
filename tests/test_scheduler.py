"""The scheduler is a clock only: one interval job, primitive arguments, late runs not dropped."""
from __future__ import annotations

import asyncio
from datetime import date

from pydantic import SecretStr
from sqlmodel import Session, select

from bot.serve import serve
from bot.channels import build_messengers, open_messengers
from scheduler import jobs
from storage.db import make_engine
from storage.models import Reminder
from tests.fakes import FakeTelegram, refuse_internet
from tests.reminders_world import TOKEN, World, at, telegram_settings


async def test_one_interval_job_with_primitive_args_runs_a_round_at_once(engine, settings):
    world = World(engine)
    unit = world.unit("VP")
    world.link(unit)
    world.assign(world.task(), unit, date(2026, 3, 18))
    with refuse_internet(), FakeTelegram(token=TOKEN) as fake:
        cfg = telegram_settings(settings, fake, scheduler_interval_seconds=45)
        messengers = build_messengers(cfg)
        async with open_messengers(messengers):
            runtime = jobs.Runtime(engine, cfg, messengers, clock=lambda: at(date(2026, 3, 18), "09:00"))
            scheduler = jobs.start_scheduler(runtime, name="test")
            try:
                job = scheduler.get_job(jobs.JOB_ID)
                assert (job.args, job.misfire_grace_time, job.coalesce, job.max_instances) == (("test",), None,
                                                                                              True, 1)
                assert job.trigger.interval.total_seconds() == 45 and len(scheduler.get_jobs()) == 1
                await fake.wait_for_sent_async(1)
            finally:
                await jobs.stop_scheduler(scheduler, name="test")
    assert not scheduler.running and "test" not in jobs._RUNTIMES
    with Session(engine) as session:
        assert [r.state for r in session.exec(select(Reminder))] == ["sent"]


async def test_a_failing_round_is_logged_and_the_clock_keeps_ticking(settings, tmp_path, caplog):
    broken = make_engine(f"sqlite:///{tmp_path}/not-migrated.db")   # no tables: the round raises
    jobs._RUNTIMES["broken"] = jobs.Runtime(broken, settings, {}, clock=lambda: at(date(2026, 3, 18), "09:00"))
    try:
        assert await jobs.tick("broken") is None
    finally:
        jobs._RUNTIMES.pop("broken")
    assert "reminder round failed" in caplog.text
    assert await jobs.tick("nobody") is None


async def test_serve_starts_the_scheduler_with_the_channels_and_stops_it(engine, settings):
    with refuse_internet(), FakeTelegram(token=TOKEN) as fake:
        cfg = settings.model_copy(update={"telegram_token": SecretStr(TOKEN), "telegram_api_url": fake.base_url})
        stop = asyncio.Event()
        task = asyncio.create_task(serve(cfg, engine, stop))
        await fake.wait_for_async(lambda: fake._waiting_polls > 0, what="polling")
        runtime = jobs._RUNTIMES["main"]
        assert set(runtime.messengers) == {"telegram"} and runtime.engine is engine
        stop.set()
        await task
    assert "main" not in jobs._RUNTIMES
