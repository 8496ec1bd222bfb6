"""The scheduler is only a clock: one interval job asks the database what is due (a reminder round).

APScheduler 3.11 AsyncIOScheduler, in-memory job store, one job with primitive arguments.
`misfire_grace_time=None` runs a late tick however late (the default of 1 s silently drops it),
`coalesce=True` folds missed ticks into one and `max_instances=1` keeps rounds from overlapping.
Nothing is lost if a tick is: the next round finds the same rows.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from bot.messenger import Messenger
from config import Settings
from reminders.delivery import report_channel_stop
from reminders.rounds import RoundReport, run_round
from storage.locks import once_across_workers
from storage.types import utcnow
from zalo import ZaloAuthError

log = logging.getLogger(__name__)
JOB_ID = "reminder-round"
TOKEN_JOB_ID = "zalo-oa-tokens"
TOKEN_EVERY_HOURS = 6  # OA access tokens last about 25 h; refresh tokens are single-use and expire unused


@dataclass
class Runtime:
    """What a tick needs; registered by name so the job itself carries only a string."""

    engine: Engine
    settings: Settings
    messengers: dict[str, Messenger]
    clock: Callable[[], datetime] = utcnow


_RUNTIMES: dict[str, Runtime] = {}
_RUNNING: dict[str, asyncio.Task] = {}
STOP_GRACE = 20.0  # seconds a round in progress may take to finish when the bot stops


async def tick(name: str) -> RoundReport | None:
    """One scheduled round for the runtime registered as `name`."""
    runtime = _RUNTIMES.get(name)
    if runtime is None:
        return None
    _RUNNING[name] = asyncio.current_task()
    try:
        # Several workers on one PostgreSQL: one round at a time across them. Claims already keep a reminder
        # from going out twice; this also keeps the bot's one sending budget (Telegram ~30/s) from being spent
        # by several senders at once. A worker that finds the lock taken skips this tick.
        with once_across_workers(runtime.engine, JOB_ID) as mine:
            if not mine:
                return None
            report = await run_round(runtime.engine, runtime.settings, runtime.messengers, runtime.clock())
    except Exception:  # a failing round must not stop the clock; the rows wait for the next one
        log.exception("reminder round failed")
        return None
    finally:
        _RUNNING.pop(name, None)
    if report.tally.messages or report.tally.failed:
        log.info("reminders: %s", report.as_json() | {"chats": len(report.tally.outcomes)})
    await _prune(runtime)
    return report


async def _prune(runtime: Runtime) -> None:
    """Once a day, drop bookkeeping rows no longer needed (services.retention); never the audit history."""
    from services.retention import prune_if_due
    from services.worker import in_worker
    try:
        counts = await in_worker(prune_if_due, runtime.engine, now=runtime.clock())
    except Exception:  # retention must never stop reminders
        log.exception("retention failed")
        return
    if counts:
        log.info("retention: %s", counts)


async def refresh_tokens(name: str) -> int:
    """Refresh Zalo OA access tokens due within 12 hours, even when nothing was sent for a while; returns how many."""
    runtime = _RUNTIMES.get(name)
    refreshed = 0
    if runtime is None:
        return refreshed
    # The token store's lease already makes a refresh single-flight; the lock spares the other workers the try.
    with once_across_workers(runtime.engine, TOKEN_JOB_ID) as mine:
        for refresh in _token_refreshers(runtime.messengers) if mine else []:
            try:
                refreshed += bool(await refresh())
            except ZaloAuthError as exc:  # the refresh token is refused: only re-authorising helps; officers told once
                log.error("Zalo OA token refresh refused: %s", exc)
                await report_channel_stop(runtime.engine, runtime.messengers, channel="zalo_oa",
                                          reason="token_rejected", now=runtime.clock())
            except Exception:  # logged; the next run or the next send tries again
                log.exception("Zalo OA token refresh failed")
    return refreshed


def _token_refreshers(messengers: dict[str, Messenger]) -> list:
    return [m.client.refresh_token_if_due for m in messengers.values()
            if hasattr(getattr(m, "client", None), "refresh_token_if_due")]


def start_scheduler(runtime: Runtime, *, name: str = "main", first_run: datetime | None = None) -> AsyncIOScheduler:
    """Start the reminder job (and the Zalo OA token job when the OA is configured) on the running loop."""
    _RUNTIMES[name] = runtime
    scheduler = AsyncIOScheduler(timezone=runtime.settings.timezone)
    scheduler.add_job(tick, IntervalTrigger(seconds=max(1, runtime.settings.scheduler_interval_seconds)),
                      args=[name], id=JOB_ID, name="reminders", replace_existing=True,
                      misfire_grace_time=None, coalesce=True, max_instances=1,
                      next_run_time=first_run or utcnow())  # real time: rounds read runtime.clock
    if _token_refreshers(runtime.messengers):
        scheduler.add_job(refresh_tokens, IntervalTrigger(hours=TOKEN_EVERY_HOURS), args=[name], id=TOKEN_JOB_ID,
                          name="zalo-oa-tokens", replace_existing=True, misfire_grace_time=None, coalesce=True,
                          max_instances=1)
    scheduler.start()
    return scheduler


async def stop_scheduler(scheduler: AsyncIOScheduler | None, *, name: str = "main",
                         grace: float = STOP_GRACE) -> None:
    """Stop ticking; a round in progress gets `grace` seconds to finish before it is cancelled.

    A cancelled round leaves its claimed rows 'sending': the next start sees this process is gone
    and sends them then.
    """
    _RUNTIMES.pop(name, None)
    if scheduler is None or not scheduler.running:
        return
    scheduler.pause()
    running = _RUNNING.get(name)
    if running is not None and not running.done():
        await asyncio.wait([running], timeout=grace)
    scheduler.shutdown(wait=False)
